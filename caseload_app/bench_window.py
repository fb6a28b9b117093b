"""The benchmark's window process (run by caseload_app.bench as
`python -m caseload_app.bench_window`): the real app started by app.run_gui, driven by
ui.bench_ui. It lives beside app.py, the composition root, so the ui never imports upward."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, cast

from PySide6.QtWidgets import QApplication

from caseload_app.app import run_gui
from caseload_app.ui.bench_ui import drive, fail_on_dialogs

if TYPE_CHECKING:  # imported by run_gui, after it has started the start-up check
    from caseload_app.ui.main_window import MainWindow


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m caseload_app.bench_window")
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--case", type=int, required=True, help="the case to open in a tab")
    parser.add_argument("--words", required=True, help="comma-separated words to search for")
    parser.add_argument("--runs", type=int, default=5, help="times to open the case")
    args = parser.parse_args(argv)

    def ready(window: MainWindow) -> None:
        drive(window, args.case, args.words.split(","), args.runs)
        window.close()
        QApplication.quit()

    app = cast(QApplication, QApplication.instance() or QApplication(sys.argv))
    watch = fail_on_dialogs(app)  # noqa: F841 (kept alive while the app runs)
    return run_gui(args.db, on_ready=ready)


if __name__ == "__main__":
    sys.exit(main())
