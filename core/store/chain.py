"""The decision log's row format: canonical JSON, the input hash, and the hash that chains the rows.

A row's hash is the SHA-256 of the JSON list of its columns in table order (``HASHED``): the sequence
number first, then the decision id and the time, the previous row's hash last. Only the sequence
number, the time and the previous hash are known under the write lock, so a row is encoded in two
steps: :func:`prepare` does all the work that depends on the entry alone (canonical JSON of the
application and the feature vector, the input hash, the JSON of the other columns) before the lock
is taken — for a batch, row by row before any lock — and :func:`link`, under the lock, splices in
the three: one SHA-256 of the row's bytes. :func:`row_hash` recomputes the hash from a row as read back (``pad db verify``); a
test pins both ways to the same digest.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # the dataclasses live with the log, which imports this module
    from core.store.decisions import NewDecision

GENESIS = "0" * 64
#: the hashed columns, in table order (the table adds ``row_hash`` after them)
HASHED: tuple[str, ...] = (
    "seq", "decision_id", "created_at", "channel", "kind", "client_id", "application", "features",
    "input_hash", "bundle_name", "bundle_version", "bundle_hash", "probability", "threshold", "decision",
    "reasons", "errors", "officer", "authenticated", "latency_ms", "overrides", "override_reason", "prev_hash",
)  # fmt: skip
COLUMNS: tuple[str, ...] = (*HASHED, "row_hash")
#: a row of the compact log (migration 0003): its inputs are row ``inputs_row`` of the payload
#: ``inputs_id`` (``core.store.inputs``), whose SHA-256 is the row's ``input_hash``
HASHED_INPUTS: tuple[str, ...] = (*HASHED[:-1], "inputs_id", "inputs_row", "prev_hash")
COLUMNS_INPUTS: tuple[str, ...] = (*HASHED_INPUTS, "row_hash")
_HEX = re.compile("[0-9a-f]{64}")


def canonical(value: Any) -> str:
    """JSON with sorted keys, no spaces, no NaN (a float NaN or infinity becomes null).

    Numpy scalars are written as the Python numbers they hold and tuples as lists. Mapping keys
    follow JSON's rules (strings as they are; a JSON document has no other keys).
    """
    try:  # the common case, all in json's C encoder: no NaN anywhere
        return _CANONICAL.encode(value)
    except ValueError:  # a NaN or an infinity somewhere: replace, then encode
        return _CANONICAL.encode(_finite(value))


def _plain(value: Any) -> Any:
    """What json cannot encode by itself: other mappings, numpy scalars."""
    if isinstance(value, Mapping):
        return dict(value)
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    raise TypeError(f"a value of type {type(value).__name__} cannot be written to the decision log")


#: encoders made once (json.dumps builds one per call); encode() keeps no state: thread-safe
_CANONICAL = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=_plain
)
_LIST = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalar
        return _finite(value.item())
    return value


@dataclass(frozen=True, slots=True)
class Prepared:
    """A row without its place in the chain nor its time: the decision id, the values of the columns
    from ``channel`` to ``override_reason`` (``HASHED[3:-1]``) and their JSON, ready to be linked."""

    decision_id: str
    values: tuple[Any, ...]
    rest: str


def prepare(entry: NewDecision) -> Prepared:
    """Encode ``entry`` as a row with a new decision id (all but its seq, time and previous hash)."""
    application = None if entry.application is None else canonical(entry.application)
    features = None if entry.features is None else canonical(entry.features)
    input_hash = None
    if application is not None or features is not None:
        input_hash = hashlib.sha256(f"{application}\n{features}".encode()).hexdigest()
    values = (
        entry.channel, entry.kind, None if entry.client_id is None else int(entry.client_id),
        application, features, input_hash, entry.bundle_name, entry.bundle_version, entry.bundle_hash,
        _float(entry.probability), _float(entry.threshold), entry.decision,
        canonical(list(entry.reasons)) if entry.reasons else "[]",
        canonical(list(entry.errors)) if entry.errors else "[]",
        entry.officer, bool(entry.authenticated),
        None if entry.latency_ms is None else round(float(entry.latency_ms), 3),
        entry.overrides, entry.override_reason,
    )  # fmt: skip
    head, tail = _dumps(values[:3])[1:-1], _dumps(values[5:])[1:-1]
    return Prepared(uuid.uuid4().hex, values, f"{head},{_quoted(application)},{_quoted(features)},{tail}")


def prepare_batch(
    header: tuple[Any, ...], rows: Sequence[tuple[Any, ...]], inputs_id: str, input_hash: str
) -> list[Prepared]:
    """Rows of the compact log in one pass: ``header`` is (channel, officer, authenticated, bundle
    name, version, hash, latency_ms), shared by the batch; each row is (kind, client_id, probability,
    threshold, decision, reasons JSON, errors JSON, inputs_row); a refused row has no latency (as
    :func:`core.store.decisions.refusal_of` writes it)."""
    channel, officer, authenticated, name, version, sha, latency = header
    ids = _ids(len(rows))
    # the JSON of the columns, as ``_dumps`` writes it, with the batch's shared columns encoded once
    text = _LIST.encode
    mid = f"null,null,{text(input_hash)},{text(name)},{text(version)},{text(sha)}"
    who = f"{text(officer)},{text(bool(authenticated))}"
    tail = f"null,null,{text(inputs_id)}"
    lat = text(latency)
    out = []
    head = f"{text(channel)},"
    numbers: dict[Any, str] = {}  # a batch has one threshold: its text is written once
    decisions = {dec: text(dec) for dec in ("ACCEPTED", "REFUSED", None)}
    for decision_id, (kind, cid, p, th, dec, reasons, errors, at) in zip(ids, rows, strict=True):
        refused = kind == "refused_input"
        values = (
            channel, kind, cid, None, None, input_hash, name, version, sha, p, th, dec, reasons, errors,
            officer, authenticated, None if refused else latency, None, None, inputs_id, at,
        )  # fmt: skip
        threshold = numbers.get(th)
        if threshold is None:
            threshold = numbers[th] = _number(th)
        verdict = decisions.get(dec) or text(dec)
        rest = (
            f'{head}"{kind}",{"null" if cid is None else int(cid)},{mid},'
            f"{_number(p)},{threshold},{verdict},{_quoted(reasons)},{_quoted(errors)},{who},"
            f"{'null' if refused else lat},{tail},{int(at)}"
        )
        out.append(Prepared(decision_id, values, rest))
    return out


def _number(value: float | None) -> str:
    """A float as json writes it (finite: its repr, as json's encoder does)."""
    if value is None:
        return "null"
    return float.__repr__(value) if math.isfinite(value) else _LIST.encode(value)


def _ids(n: int) -> list[str]:
    """``n`` random decision ids, as ``uuid4().hex`` draws them (122 random bits, version 4)."""
    raw = np.frombuffer(os.urandom(16 * n), dtype=np.uint8).reshape(n, 16).copy()
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40  # version 4
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80  # RFC 4122 variant
    text = raw.tobytes().hex()
    return [text[i : i + 32] for i in range(0, 32 * n, 32)]


def _dumps(values: tuple[Any, ...]) -> str:
    return _LIST.encode(values)


def _quoted(text: str | None) -> str:
    """``json.dumps(text, ensure_ascii=False)`` for the output of :func:`canonical`, which holds no
    control character (json escapes them): only backslashes and quotes need escaping."""
    if text is None:
        return "null"
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def link(
    prepared: Prepared, seq: int, prev: str, now: datetime, now_iso: str | None = None
) -> tuple[Any, ...]:
    """The row's values in ``COLUMNS`` order: row ``seq``, logged at ``now`` (naive UTC, taken under
    the write lock so that times follow the sequence), after the row whose hash is ``prev``."""
    end = f'"{prev}"' if _HEX.fullmatch(prev) else json.dumps(prev, ensure_ascii=False)
    stamp = now_iso or iso(now)  # digits and -:.TZ, and the id is hex: neither needs escaping
    digest = hashlib.sha256(f'[{seq},"{prepared.decision_id}","{stamp}",{prepared.rest},{end}]'.encode())
    return (seq, prepared.decision_id, now, *prepared.values, prev, digest.hexdigest())


def link_all(prepared: Sequence[Prepared], seq: int, prev: str, now: datetime) -> list[tuple[Any, ...]]:
    """Rows ``seq + 1``, ``seq + 2``... logged at ``now``, chained after the row ``seq`` whose hash is
    ``prev``: :func:`link` of each, with the time written once (every row's ``prev`` but the first
    is a hex digest, which needs no escaping)."""
    stamp = iso(now)
    out = []
    rest = list(prepared)
    if rest and not _HEX.fullmatch(prev):
        seq += 1
        out.append(link(rest.pop(0), seq, prev, now, stamp))
        prev = out[-1][-1]
    sha256 = hashlib.sha256
    for p in rest:
        seq += 1
        digest = sha256(f'[{seq},"{p.decision_id}","{stamp}",{p.rest},"{prev}"]'.encode()).hexdigest()
        out.append((seq, p.decision_id, now, *p.values, prev, digest))
        prev = digest
    return out


def row_hash(row: Mapping[Any, Any]) -> str:
    """The hash of a row as read back from the database (what ``pad db verify`` recomputes); a row of
    the compact log hashes its two inputs columns too (``HASHED_INPUTS``)."""
    values = []
    for name in HASHED if row.get("inputs_id") is None else HASHED_INPUTS:
        value = row[name]
        if isinstance(value, datetime):
            value = iso(value)
        elif name == "authenticated":
            value = bool(value)
        elif name in ("seq", "client_id", "inputs_row") and value is not None:
            value = int(value)
        values.append(value)
    return hashlib.sha256(json.dumps(values, separators=(",", ":"), ensure_ascii=False).encode()).hexdigest()


def _float(value: float | None) -> float | None:
    return None if value is None else float(value)


def naive_utc(moment: datetime) -> datetime:
    """``moment`` in UTC without its time zone (how the log stores times)."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def iso(moment: datetime) -> str:
    """ISO 8601 UTC with microseconds and a Z."""
    return naive_utc(moment).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
