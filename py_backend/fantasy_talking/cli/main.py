"""`ftalk`: one entry point, one module per sub-command.

Each command module exposes `register(subparsers)`, which adds its parser and sets
`func(args) -> int`. User errors raise `CliError`; `main` prints them on one line and exits 2.
"""
from __future__ import annotations

import argparse
import logging
import sys
from typing import Sequence

from fantasy_talking import __version__
from fantasy_talking.cli import errors

COMMANDS: list[str] = [
    "animate",
    "serve",
    "stream",
    "say",
    "head",
    "preview",
    "console",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ftalk", description="FantasyTalking: speech → face animation.")
    parser.add_argument("--version", action="version", version=f"ftalk {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-v info, -vv debug)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        module = __import__(f"fantasy_talking.cli.{name}", fromlist=["register"])
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=[logging.WARNING, logging.INFO, logging.DEBUG][min(args.verbose, 2)],
        format='{"ts":"%(asctime)s","level":"%(levelname)s","logger":"%(name)s","msg":"%(message)s"}',
    )
    try:
        return int(args.func(args) or 0)
    except errors.CliError as exc:
        print(f"ftalk {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
