"""Feature engineering: one row per client, stable names, no TARGET leakage."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from core.features.build import build_features
from tests.conftest import REPO, SEED_REFERENCE


@pytest.fixture(scope="module")
def features(tables):
    return build_features(tables)


def test_one_row_per_client(tables, features):
    clients = len(tables["application_train"]) + len(tables["application_test"])
    assert len(features) == clients and features["SK_ID_CURR"].is_unique
    assert features.shape[1] > 500
    assert features["TARGET"].isna().sum() == len(tables["application_test"])


def test_expected_feature_families(features):
    for name in (
        "CREDIT_INCOME_RATIO", "ANNUITY_INCOME_RATIO", "EXT_SOURCES_MEAN", "DAYS_EMPLOYED_ANOM",
        "BUREAU_COUNT", "BUREAU_AMT_CREDIT_SUM_MEAN", "BUREAU_BUREAU_DEBT_RATIO_MAX", "BUREAU_CREDIT_TYPE_Microloan",
        "BUREAU_ACTIVE_AMT_CREDIT_SUM_DEBT_SUM", "BUREAU_BB_STATUS_1_RATIO_MEAN",
        "PREV_RATIO_REFUSED", "PREV_INST_AMT_PAYMENT_MIN_MEAN", "PREV_INST_RATIO_LATE_MEAN",
        "PREV_POS_SK_DPD_DEF_MAX_MEAN", "PREV_CC_CC_UTILIZATION_MAX_MAX", "INST_RECENT_RATIO_LATE",
    ):  # fmt: skip
        assert name in features.columns, name
    # raw fields keep their raw values (365243 = not employed); derived features never hold it
    assert set(features.loc[features["DAYS_EMPLOYED"] > 0, "DAYS_EMPLOYED"]) <= {365243}
    assert (features["EMPLOYED_BIRTH_RATIO"].dropna().between(0, 1)).all()


def test_legacy_model_feature_names_are_produced(features):
    if not SEED_REFERENCE.is_dir():
        pytest.skip(f"seed reference not found at {SEED_REFERENCE}")
    legacy = (SEED_REFERENCE / "kept_features_top125_nocorr.txt").read_text().split()
    assert [n for n in legacy if n not in features.columns] == []


def test_aggregates_are_correct_for_one_client(tables, features):
    bureau = tables["bureau"]
    client = bureau["SK_ID_CURR"].value_counts().index[0]
    mine = bureau[bureau["SK_ID_CURR"] == client]
    row = features.set_index("SK_ID_CURR").loc[client]
    assert row["BUREAU_COUNT"] == len(mine)
    assert row["BUREAU_AMT_CREDIT_SUM_MAX"] == pytest.approx(mine["AMT_CREDIT_SUM"].max())
    assert row["BUREAU_CREDIT_TYPE_Consumer credit"] == (mine["CREDIT_TYPE"] == "Consumer credit").sum()
    prev = tables["previous_application"]
    mine = prev[prev["SK_ID_CURR"] == client]
    if len(mine):
        assert row["PREV_RATIO_REFUSED"] == pytest.approx((mine["NAME_CONTRACT_STATUS"] == "Refused").mean())


def test_clients_without_history_have_zero_counts(tables, features):
    none = set(features["SK_ID_CURR"]) - set(tables["bureau"]["SK_ID_CURR"])
    assert none, "some clients have no bureau credit"
    rows = features[features["SK_ID_CURR"].isin(none)]
    assert (rows["BUREAU_COUNT"] == 0).all() and rows["BUREAU_AMT_CREDIT_SUM_MEAN"].isna().all()


def test_no_target_leakage(tables, features):
    shuffled = dict(tables)
    app = tables["application_train"].copy()
    app["TARGET"] = np.random.default_rng(0).permutation(app["TARGET"].to_numpy())
    shuffled["application_train"] = app
    again = build_features(shuffled)
    cols = [c for c in features.columns if c != "TARGET"]
    pd.testing.assert_frame_equal(features[cols], again[cols])
    dropped = dict(tables, application_train=tables["application_train"].drop(columns=["TARGET"]))
    without = build_features(dropped)
    pd.testing.assert_frame_equal(features[cols], without[cols])


def test_registry_covers_every_feature(features):
    from core.features.registry import registry

    unknown = [c for c in features.columns if c not in registry() and c not in ("SK_ID_CURR", "TARGET")]
    assert unknown == []


def test_features_cli(tmp_path):
    data = tmp_path / "data"
    run = [sys.executable, "-m", "core.cli"]
    assert (
        subprocess.run(
            [*run, "data", "synthetic", "--clients", "150", "--out", str(data)],
            cwd=REPO,
            capture_output=True,
            timeout=300,
        ).returncode
        == 0
    )
    res = subprocess.run(
        [*run, "features", "--data", str(data), "--out", str(tmp_path / "f.parquet")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr
    frame = pd.read_parquet(tmp_path / "f.parquet")
    assert len(frame) == 150 + round(150 * 0.15)
    res = subprocess.run(
        [*run, "features", "--data", str(tmp_path / "nope"), "--out", str(tmp_path / "g.parquet")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 2 and "does not exist" in res.stderr
