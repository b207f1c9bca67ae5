"""`ftalk`: one entry point, one module per sub-command, each imported only when it runs.

A command is one line in COMMANDS: its name, its module under `fantasy_talking.cli` and its help
line. `ftalk --help` lists the table without importing any command; `ftalk NAME ...` imports
only NAME's module, whose `register(subparsers)` adds its parser and sets `func(args) -> int`.
Command modules keep their top level light (argparse definitions, small constants) and import
the engine, the encoders and their libraries inside `run`. User errors raise `CliError`; `main`
prints them on one line and exits 2.
"""
from __future__ import annotations

import argparse
import importlib
import sys
from typing import NamedTuple, Sequence

from fantasy_talking import __version__
from fantasy_talking.cli import errors


class Command(NamedTuple):
    module: str
    help: str


COMMANDS: dict[str, Command] = {
    "animate": Command("animate", "speech file → Live Link Face CSV, JSON frames and a PNG plot"),
    "serve": Command("serve", "run the gRPC server"),
    "stream": Command("stream", "stream a speech file to a server and report latency"),
    "say": Command("say", "text → speech WAV with aligned Live Link Face CSV, JSON frames and a PNG plot"),
    "head": Command("head", "photo → GLB head with ARKit-52 morphs and a face skeleton"),
    "preview": Command("preview", "photo + speech → MP4 of the 3D head talking"),
    "console": Command("console", "the web console on http://127.0.0.1:8080: photo → head, text or audio → a talking head"),
    "bake": Command("bake", "a folder or manifest of voice lines → every line's files, on all cores or a Ray cluster"),
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; only `command`'s module is imported (None: no command module at all)."""
    parser = argparse.ArgumentParser(prog="ftalk", description="FantasyTalking: speech → face animation.")
    parser.add_argument("--version", action="version", version=f"ftalk {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-v info, -vv debug)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, entry in COMMANDS.items():
        if name == command:
            importlib.import_module(f"fantasy_talking.cli.{entry.module}").register(sub)
        else:
            sub.add_parser(name, help=entry.help, add_help=False)
    return parser


def _command_in(argv: Sequence[str]) -> str | None:
    """The sub-command named on the line: the first word that is not a top-level flag."""
    for word in argv:
        if not word.startswith("-"):
            return word if word in COMMANDS else None
    return None


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(_command_in(argv)).parse_args(argv)
    import logging

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
