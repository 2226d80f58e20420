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


def build_parser() -> argparse.ArgumentParser:
    """Build the ``pad`` argument parser with every sub-command."""
    parser = argparse.ArgumentParser(
        prog="pad",
        description="Prêt à dépenser credit scoring: score clients, build data, train, serve.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="show debug logs")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in _COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``pad``; return the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
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
