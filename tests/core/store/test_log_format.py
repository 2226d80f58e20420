"""The row format of the decision log: canonical JSON and the split row hash, against their definitions."""

from __future__ import annotations

import json
import math
from datetime import datetime
from types import MappingProxyType

import numpy as np
import pytest

from core.store import NewDecision
from core.store.chain import COLUMNS, GENESIS, HASHED, canonical, link, link_all, prepare, row_hash
from core.store.decisions import DecisionRecord

TRICKY = [
    'quote " and backslash \\ and \\" both',
    "new\nline, tab\t, return\r, nul \x00, bell \x07, del \x7f",
    "accents é à ç, emoji 🏦, line separator \u2028, right-to-left \u202e",
    "",
]


def reference_canonical(value):
    """The definition (the log's first version): NaN -> null, numpy -> Python, then sorted compact JSON."""

    def finite(v):
        if isinstance(v, float) and not math.isfinite(v):
            return None
        if isinstance(v, dict | MappingProxyType):
            return {str(k): finite(x) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return [finite(x) for x in v]
        if hasattr(v, "item"):
            return finite(v.item())
        return v

    return json.dumps(
        finite(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


VALUES = [
    {"b": 1, "a": "x", "c": None, "d": True, "e": 1.5, "f": -0.0, "g": 1e16, "h": 1e-7, "i": 2**70},
    {"nan": float("nan"), "inf": float("inf"), "-inf": -math.inf, "ok": 0.1},
    {"np_float": np.float64(0.30000000000000004), "np_int": np.int64(-7), "np_bool": np.bool_(True),
     "np_nan": np.float64("nan"), "np_f32": np.float32(0.5), "np_str": np.str_("s")},
    {"nested": {"z": [1, (2, 3), {"y": float("nan")}], "a": MappingProxyType({"k": np.int32(4)})}},
    {t: t for t in TRICKY},
    [{"feature": "A", "contribution": 0.25}, {"feature": "B", "contribution": -1.0}],
    (1, 2.0, "3"),
    "a string",
    None,
    [],
    {},
]  # fmt: skip


@pytest.mark.parametrize("value", VALUES, ids=range(len(VALUES)))
def test_canonical_is_the_reference_json(value):
    assert canonical(value) == reference_canonical(value)


def test_canonical_refuses_what_json_cannot_hold():
    with pytest.raises(TypeError, match="cannot be written to the decision log"):
        canonical({"when": datetime(2026, 1, 1)})


def test_the_record_fields_are_the_hashed_columns_in_order():
    # overridden_by is read from other rows; recourse is read apart from the reasons column;
    # review_status from the grey zone's rows
    names = [
        f
        for f in DecisionRecord.__dataclass_fields__
        if f not in ("row_hash", "overridden_by", "recourse", "review_status")
    ]
    assert tuple(names) == HASHED and COLUMNS == (*HASHED, "row_hash")


def _entry(text: str, i: int) -> NewDecision:
    return NewDecision(
        channel="dashboard", kind="override" if i % 2 else "decision", officer=text or "x", authenticated=bool(i % 2),
        client_id=None if i % 3 == 0 else 2**62 + i, application={"NAME": text, "AMT": 1.5 + i, "N": None},
        features=None if i == 2 else {"F": float("nan"), "G": text}, bundle_name=text, bundle_version=None,
        bundle_hash="h" * 64, probability=None if i == 1 else 1 / 3, threshold=0.08, decision="REFUSED",
        reasons=[{"feature": "G", "value": text, "contribution": 0.1}], errors=[{"field": text, "problem": "x"}],
        latency_ms=None if i == 3 else 12.3456789, overrides="ab" * 16 if i % 2 else None,
        override_reason=text if i % 2 else None,
    )  # fmt: skip


def test_a_linked_row_hashes_as_verify_recomputes_it():
    """The hash spliced from the pre-encoded middle equals the hash of the row's values: what
    ``pad db verify`` recomputes from the database."""
    now = datetime(2026, 12, 2, 8, 30, 15, 123456)
    prepared = [prepare(_entry(text, i)) for i, text in enumerate(TRICKY * 2)]
    rows = link_all(prepared, 41, GENESIS, now)
    prev = GENESIS
    for seq, row in enumerate(rows, start=42):
        values = dict(zip(COLUMNS, row, strict=True))
        assert values["seq"] == seq and values["prev_hash"] == prev and values["created_at"] == now
        assert row_hash(values) == values["row_hash"]
        prev = values["row_hash"]


def test_an_odd_previous_hash_is_encoded_as_json():
    row = link(prepare(_entry(TRICKY[0], 0)), 7, 'not "hex"\n', datetime(2026, 1, 1))
    assert row_hash(dict(zip(COLUMNS, row, strict=True))) == row[-1]


def test_the_input_hash_covers_application_and_features():
    a = prepare(_entry("a", 0)).values
    b = prepare(_entry("b", 0)).values
    names = HASHED[3:-1]
    assert a[names.index("input_hash")] != b[names.index("input_hash")]
    assert a[names.index("features")] == '{"F":null,"G":"a"}'
