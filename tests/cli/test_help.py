"""`caseload --help` lists every command (bench too), and every option of every command
says what it is for (issue: `--week-ending` had no description)."""

import argparse

from caseload_app.cli import build_parser


def subcommands(parser: argparse.ArgumentParser):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield name, sub
                for inner, deeper in subcommands(sub):
                    yield f"{name} {inner}", deeper


def test_help_lists_bench_and_every_command():
    text = build_parser().format_help()
    for command in ("bench", "import", "caseworker", "absence", "admin", "weekly-report"):
        assert f"    {command} " in text


def test_every_option_of_every_command_says_what_it_is_for():
    missing = [
        f"caseload {name} {'/'.join(action.option_strings) or action.dest}"
        for name, sub in subcommands(build_parser())
        if name != "bench"  # its own parser: python -m caseload_app.bench --help
        for action in sub._actions
        if not isinstance(action, argparse._HelpAction | argparse._SubParsersAction)
        and not action.help
    ]
    assert missing == []
