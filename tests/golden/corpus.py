"""The golden corpus of the scoring contract: inputs, and how each channel's output is produced.

``python -m tests.golden.corpus`` rewrites ``expected.json`` from the shipped demo bundle. Do it
only on purpose: when the demo bundle is rebuilt (its version changes) or the contract changes —
and then bump ``core.CONTRACT_VERSION`` too. The inputs are synthetic applicants from the
project's generator (never real clients) plus two clients of the demo store (200 clients: the size the
test suite and ``__main__`` both use) and edge cases.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from api.main import create_app
from core import (
    CONTRACT_VERSION,
    DEMO_BUNDLE_DIR,
    ScoringService,
    Store,
    load_bundle,
    load_settings,
    open_store,
    score_out,
)
from core.data import columns, generate
from core.serving.service import json_value

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
EXPECTED = HERE / "expected.json"


def inputs(service: ScoringService, store: Store) -> list[Any]:
    """The corpus inputs (deterministic)."""
    apps = generate(30, 2024, test_fraction=0.0)["application_train"].reset_index(drop=True)
    apps["SK_ID_CURR"] = 970_000_001 + apps.index.to_numpy()  # new applicants: ids no store holds
    records: list[Any] = []
    for _, row in apps.head(8).iterrows():
        rec: dict[str, Any] = {"SK_ID_CURR": int(row["SK_ID_CURR"])}
        for c in columns("application_test")[1:]:
            v = json_value(row[c])
            spec = service.schema.get(c)
            rec[c] = bool(v) if v is not None and spec.kind == "boolean" else v
        records.append(rec)
    known = store.clients.search("", 2)  # two clients of the demo store: their history is known
    records += [store.clients.application(i) for i in known]
    base = records[0]
    required = {
        k: base[k] for k in ("SK_ID_CURR", "AMT_CREDIT", "AMT_ANNUITY", "AMT_INCOME_TOTAL", "DAYS_BIRTH")
    }
    records.append(required)  # only what the model cannot do without
    income = service.schema.get("NAME_INCOME_TYPE")
    unseen = [v for v in (income.categories or []) if v not in (income.seen_categories or [])]
    if unseen:
        records.append(dict(base, SK_ID_CURR=base["SK_ID_CURR"] + 1000, NAME_INCOME_TYPE=unseen[0]))
    records.append(dict(base, SK_ID_CURR=9007199254740993, DAYS_EMPLOYED=365243))  # beyond 2^53: exact
    # refused inputs: the errors are part of the contract too
    records.append(dict(base, AMT_CREDIT=None))
    records.append(dict(base, NAME_INCOME_TYPE="Astronaut", EXT_SOURCE_2=1.5))
    records.append(dict(base, SK_ID_CURR=100002.0))  # an integral float id: read as 100002 (contract 1.3)
    records.append(dict(base, AMT_INCOME_TOTAL="lots"))
    return records


def recorded_inputs() -> list[Any]:
    """The corpus inputs as recorded in ``expected.json`` (exact JSON values)."""
    return json.loads(EXPECTED.read_text(encoding="utf-8"))["inputs"]  # type: ignore[no-any-return]


def outputs(
    bundle_dir: Path = DEMO_BUNDLE_DIR, work: Path | None = None, records: list[Any] | None = None
) -> dict[str, Any]:
    """Every channel's output on the corpus (``records``; default: made by :func:`inputs`): service,
    API /predict, API /predict/batch, CLI."""
    bundle = load_bundle(bundle_dir)
    store = open_store(load_settings())
    service = ScoringService(bundle, history=store.history)
    records = inputs(service, store) if records is None else records
    out: dict[str, Any] = {
        "contract_version": CONTRACT_VERSION,
        "bundle_version": bundle.version,
        "inputs": records,
    }
    svc = []
    for rec in records:
        try:
            svc.append(score_out(service.score(rec), bundle.schema).model_dump(mode="json"))
        except Exception as exc:  # RecordValidationError: the errors are the output
            svc.append({"errors": [{"field": e.field, "problem": e.problem} for e in exc.errors]})  # type: ignore[attr-defined]
    out["service"] = svc
    with TestClient(create_app(bundle=bundle, settings=load_settings())) as client:
        out["api_predict"] = [
            {"status": (r := client.post("/predict", json=rec)).status_code, "body": r.json()}
            for rec in records
        ]
        out["api_batch"] = client.post("/predict/batch", json={"clients": records}).json()
    path = (work or HERE) / "corpus_inputs.json"
    path.write_text(json.dumps(records))
    res = subprocess.run(
        [sys.executable, "-m", "core.cli", "score", str(path), "--bundle", str(bundle_dir), "--explain"],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    path.unlink()
    out["cli"] = {
        "returncode": res.returncode,
        "stdout": res.stdout,
        "stderr": [ln for ln in res.stderr.splitlines() if ln.startswith("row ")],
    }
    return out


def strip_latency(value: Any) -> Any:
    """The outputs without ``latency_ms`` (a measurement, not a result); a logged ``decision_id`` (random)
    is pinned as present, not by its value."""
    if isinstance(value, dict):
        return {
            k: ("<logged>" if k == "decision_id" and v is not None else strip_latency(v))
            for k, v in value.items()
            if k != "latency_ms"
        }
    if isinstance(value, list):
        return [strip_latency(v) for v in value]
    return value


if __name__ == "__main__":
    import os
    import tempfile

    # the channels record their decisions: in a throw-away store, never the user's
    os.environ["STORE_PATH"] = str(Path(tempfile.mkdtemp(prefix="golden-")) / "store.sqlite")
    os.environ["DEMO_STORE_CLIENTS"] = "200"  # the size the test suite uses: the same demo clients
    result = strip_latency(outputs())
    EXPECTED.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {EXPECTED} ({len(result['inputs'])} inputs, bundle {result['bundle_version']})")
    _ = io  # keep the module importable without side effects
