"""Command line: no subcommand opens the window; subcommands are headless."""

from __future__ import annotations

import argparse
import sys

from caseload_app import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="caseload", description="EHCP caseload manager for council SEND teams."
    )
    parser.add_argument("--version", action="version", version=f"caseload {__version__}")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    parser.parse_args(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
