"""The ``pad`` command line: one entry point, one sub-command module per area."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

# Each module exposes ``register(subparsers)``, adding its sub-commands; every sub-command
# sets ``func`` (args -> exit code) with ``parser.set_defaults(func=...)``.
_COMMAND_MODULES = (
    "core.cli.score",
    "core.cli.data",
    "core.cli.train",
    "core.cli.evaluate",
    "core.cli.serve",
    "core.cli.health",
    "core.cli.drift",
    "core.cli.db",
    "core.cli.fairness",
)


#: the module registering each sub-command: running one imports only its module (a command's start-up
#: is not spent importing every other command's libraries); tests/core/cli/test_commands.py checks it
COMMANDS: dict[str, str] = {
    "score": "core.cli.score",
    "data": "core.cli.data",
    "features": "core.cli.data",
    "train": "core.cli.train",
    "evaluate": "core.cli.evaluate",
    "dashboard": "core.cli.serve",
    "api": "core.cli.serve",
    "healthcheck": "core.cli.health",
    "drift": "core.cli.drift",
    "db": "core.cli.db",
    "keys": "core.cli.db",
    "fairness": "core.cli.fairness",
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """Build the ``pad`` argument parser with every sub-command (only ``command``'s when it is one)."""
    parser = argparse.ArgumentParser(
        prog="pad",
        description="Prêt à dépenser credit scoring: score clients, build data, train, serve.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="show debug logs")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    modules = [COMMANDS[command]] if command in COMMANDS else list(_COMMAND_MODULES)
    for name in modules:
        importlib.import_module(name).register(subparsers)
    return parser


def _command_of(argv: Sequence[str]) -> str | None:
    """The sub-command named by ``argv`` (its first word not an option), if any."""
    return next((a for a in argv if not a.startswith("-")), None)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``pad``; return the process exit code."""
    words = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(_command_of(words))
    args = parser.parse_args(words)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (ValueError, OSError) as exc:
        # Expected failures (bad input, missing file, bad bundle): one clear line, no traceback.
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
