"""Online/batch parity: 10,000 clients scored one at a time by the scoring service see exactly the
feature values ``pad features`` computes in batch from the same tables (NaN-aware, integers exact).

Clients: the real Home Credit samples (when present), synthetic clients and adversarial ones (zero
incomes and credits, every optional field missing, Kaggle's 365243 code, extreme but valid values).
The bundle scored is built here over *every* feature ``pad features`` makes, so every application
feature and every history aggregate is compared, not only a model's selection.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from catboost import CatBoostClassifier

from core import FrameHistory, RecordValidationError, ScoringService, load_bundle
from core.data import columns, write_synthetic
from core.features.application import APP_CATEGORICAL, APPLICATION_FIELDS
from core.features.build import history_table
from core.features.registry import registry
from core.serving.bundle import Provenance, save_bundle
from core.serving.schema import infer_schema, to_model_frame
from tests.conftest import HOMECREDIT, REPO

N_CLIENTS = 10_000


def _adversarial(app: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Rows that break naive arithmetic, all within the contract's bounds."""
    rows = app.sample(n=300, random_state=1).copy()
    optional = [c for c in APPLICATION_FIELDS if not registry()[c].required]
    parts = np.array_split(rows.index.to_numpy(), 6)
    rows.loc[parts[0], "AMT_INCOME_TOTAL"] = 0.0
    rows.loc[parts[1], "AMT_CREDIT"] = 0.0
    rows.loc[parts[1], "AMT_ANNUITY"] = 0.0
    rows.loc[parts[2], optional] = None  # only what the model cannot do without
    rows.loc[parts[3], "DAYS_EMPLOYED"] = 365243
    rows.loc[parts[3], ["EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3"]] = [0.0, 1.0, 0.0]
    rows.loc[parts[4], "AMT_CREDIT"] = 9.99e8
    rows.loc[parts[4], "DAYS_BIRTH"] = -43_829
    rows.loc[parts[5], "AMT_GOODS_PRICE"] = 0.0
    rows.loc[parts[5], "CNT_FAM_MEMBERS"] = 1
    rows["SK_ID_CURR"] = 990_000_001 + np.arange(len(rows))
    return rows


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> list[Path]:
    """Kaggle-format folders: synthetic (+ adversarial rows) and, when present, the real samples."""
    syn = tmp_path_factory.mktemp("parity") / "synthetic"
    n_real = 8_936 + 6_237 if HOMECREDIT.is_dir() else 0
    write_synthetic(syn, max(2_000, int((N_CLIENTS - n_real - 300) / 1.15) + 50), 11)
    train = pd.read_csv(syn / "application_train.csv")
    extra = _adversarial(train, np.random.default_rng(0))
    pd.concat([train, extra]).to_csv(syn / "application_train.csv", index=False)
    return [syn, *([HOMECREDIT] if n_real else [])]


def _pad_features(data: Path, out: Path) -> pd.DataFrame:
    res = subprocess.run(
        [sys.executable, "-m", "core.cli", "features", "--data", str(data), "--out", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    return pd.read_parquet(out)


def _records(data: Path) -> list[dict]:
    """Applications as a caller sends them: JSON-like values parsed from the file's text."""
    kinds = {c: registry()[c].unit for c in APPLICATION_FIELDS}
    out = []
    for table in ("application_train", "application_test"):
        with (data / f"{table}.csv").open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                rec: dict = {"SK_ID_CURR": int(row["SK_ID_CURR"])}
                for c in columns("application_test")[1:]:
                    text = row[c]
                    if text == "":
                        rec[c] = None
                    elif kinds[c] == "category":
                        rec[c] = text
                    elif kinds[c] == "flag":
                        rec[c] = float(text) == 1.0
                    else:
                        rec[c] = float(text)
                out.append(rec)
    return out


def _bundle(features: pd.DataFrame, folder: Path):
    names = [c for c in features.columns if c not in ("SK_ID_CURR", "TARGET")]
    cats = [c for c in names if c in APP_CATEGORICAL]
    labelled = features[features["TARGET"].notna()]
    schema0 = infer_schema(labelled[names], categorical=cats)
    model = CatBoostClassifier(
        iterations=5, depth=2, verbose=False, thread_count=2, allow_writing_files=False
    )
    model.fit(to_model_frame(labelled, schema0), labelled["TARGET"].astype(int), cat_features=cats)
    schema = infer_schema(labelled[names], categorical=cats, inputs=labelled[list(APPLICATION_FIELDS)])
    save_bundle(
        folder, model=model, schema=schema, threshold=0.5, name="parity", version="0",
        provenance=Provenance(synthetic=True, description="parity test"),
    )  # fmt: skip
    return load_bundle(folder)


def _same(a: object, b: object) -> bool:
    a_missing = a is None or (not isinstance(a, str) and bool(pd.isna(a)))
    b_missing = b is None or (not isinstance(b, str) and bool(pd.isna(b)))
    if a_missing or b_missing:
        return a_missing and b_missing
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return float(a) == float(b)  # exact: integers exact, decimals the same double


@pytest.mark.slow
def test_each_client_scored_alone_sees_the_batch_features(folders, tmp_path):
    compared = insufficient = 0
    for data in folders:
        batch = _pad_features(data, tmp_path / f"{data.name}.parquet")
        service = ScoringService(
            _bundle(batch, tmp_path / f"bundle-{data.name}"),
            history=FrameHistory(history_table(data).to_pandas()),
        )
        names = service.schema.names
        expected = batch.set_index("SK_ID_CURR")
        mismatches: list[str] = []
        for record in _records(data):
            try:
                result = service.score(record, explain=False)
            except RecordValidationError as exc:  # e.g. a real application without its annuity
                assert all(e.problem.startswith("insufficient data") for e in exc.errors), exc
                insufficient += 1
                continue
            row = expected.loc[record["SK_ID_CURR"]]
            bad = [n for n in names if not _same(result.features[n], row[n])]
            if bad:
                mismatches.append(
                    f"{record['SK_ID_CURR']}: {bad[:5]} e.g. {bad[0]}: online {result.features[bad[0]]!r} vs batch {row[bad[0]]!r}"
                )
            assert result.history == "known"
            compared += 1
        assert not mismatches, f"{len(mismatches)} clients differ: {mismatches[:5]}"
    assert insufficient < 0.01 * compared
    assert compared >= N_CLIENTS if HOMECREDIT.is_dir() else compared >= 2_000
