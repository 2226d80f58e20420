"""``pad db`` (load, verify, info) and ``pad keys`` (create, list, revoke): the store from the command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from core.store import ApiKeyError, Store, StoreError, load_store


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``pad db`` and ``pad keys``."""
    db = subparsers.add_parser(
        "db",
        help="the client store and decision log",
        description="The database (DATABASE_URL, or the embedded SQLite file at STORE_PATH).",
    )
    sub = db.add_subparsers(dest="db_command", metavar="SUBCOMMAND", required=True)
    load = sub.add_parser(
        "load",
        help="load Kaggle tables into the client store",
        description="Load application_train/test and the six history tables (Kaggle CSV or parquet files, or "
        "the generator's) into the store, and their history aggregates computed by the training code. "
        "Replaces the client tables; the decision log is kept.",
    )
    load.add_argument("--data", type=Path, required=True, help="folder of Kaggle files")
    load.add_argument("--no-progress", action="store_true", help="no progress bars")
    load.set_defaults(func=_load)
    verify = sub.add_parser("verify", help="check the decision log's hash chain", description="Recompute every "
                            "decision's hash and check that each row points at the previous one.")  # fmt: skip
    verify.set_defaults(func=_verify)
    info = sub.add_parser("info", help="what the store holds", description="Engine, URL (password masked), "
                          "schema revision, clients, decisions, last load.")  # fmt: skip
    info.set_defaults(func=_info)

    keys = subparsers.add_parser("keys", help="API keys", description="API keys (only their hash is stored).")
    ksub = keys.add_subparsers(dest="keys_command", metavar="SUBCOMMAND", required=True)
    create = ksub.add_parser("create", help="create a key and print it once", description="Create an API key "
                             "for NAME and print it once: it cannot be shown again.")  # fmt: skip
    create.add_argument("name")
    create.add_argument("--role", choices=["officer", "analyst", "auditor"], default="officer")
    create.set_defaults(func=_create_key)
    listing = ksub.add_parser("list", help="list the keys (names and roles)")
    listing.set_defaults(func=_list_keys)
    revoke = ksub.add_parser("revoke", help="revoke a key")
    revoke.add_argument("name")
    revoke.set_defaults(func=_revoke_key)


def _store() -> Store:
    try:
        return Store.from_settings()
    except StoreError as exc:
        raise ValueError(str(exc)) from None


def _load(args: argparse.Namespace) -> int:
    store = _store()
    progress = not args.no_progress and sys.stderr.isatty()
    report = load_store(store.engine, args.data, progress=progress)
    counts = ", ".join(f"{k} {v:,}" for k, v in report.counts.items())
    print(f"loaded into {store.display_url} in {report.seconds:.1f}s: {counts}", file=sys.stderr)
    return 0


def _verify(_: argparse.Namespace) -> int:
    store = _store()
    report = store.log.verify()
    if report.ok:
        print(f"decision log intact: {report.rows} rows, hash chain verified ({store.display_url})")
        return 0
    print(f"decision log BROKEN at row {report.first_bad_seq}: {report.problem}", file=sys.stderr)
    return 1


def _info(_: argparse.Namespace) -> int:
    store = _store()
    info = store.describe()
    info["revision"] = store.revision()
    print(json.dumps(info, indent=1, default=str))
    return 0


def _create_key(args: argparse.Namespace) -> int:
    store = _store()
    try:
        key = store.keys.create(args.name, args.role)
    except ApiKeyError as exc:
        raise ValueError(str(exc)) from None
    print(key)
    print(f"key for {args.name} ({args.role}) created; it is shown only this once.", file=sys.stderr)
    return 0


def _list_keys(_: argparse.Namespace) -> int:
    for name, role, active in _store().keys.names():
        print(f"{name}\t{role}\t{'active' if active else 'revoked'}")
    return 0


def _revoke_key(args: argparse.Namespace) -> int:
    if not _store().keys.revoke(args.name):
        raise ValueError(f"no active key named {args.name!r}.")
    print(f"key {args.name} revoked", file=sys.stderr)
    return 0
