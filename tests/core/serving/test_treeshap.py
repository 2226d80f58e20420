"""The per-leaf SHAP tables give CatBoost's own ``ShapValues`` (to 1e-9; seen: ~1e-15) on thousands
of real and synthetic clients, on the demo bundle and on models built to stress the attribution
rules (deep trees, one-hot splits, CTRs over feature combinations, weights); the scoring service
uses them and falls back to CatBoost when they are unavailable or fail their check."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from catboost import CatBoostClassifier, Pool

from core import DEMO_BUNDLE_DIR, ScoringService, load_bundle
from core.data.synthetic import generate
from core.features.build import build_features
from core.serving import service as service_module
from core.serving.schema import to_model_frame
from core.serving.treeshap import LeafShap, UnsupportedModel
from tests.conftest import HOMECREDIT
from tests.toy import toy_frame

TOLERANCE = 1e-9


def _catboost_shap(model: CatBoostClassifier, pool: Pool) -> np.ndarray:
    return np.asarray(model.get_feature_importance(pool, type="ShapValues"), dtype=float)


def _assert_exact(model: CatBoostClassifier, pool: Pool) -> LeafShap:
    tables = LeafShap.from_model(model)
    expected = _catboost_shap(model, pool)
    got = tables.values(model.calc_leaf_indexes(pool))
    assert got.shape == expected[:, :-1].shape
    assert np.abs(got - expected[:, :-1]).max() < TOLERANCE
    assert abs(tables.expected_value - expected[0, -1]) < TOLERANCE
    raw = model.predict(pool, prediction_type="RawFormulaVal")
    assert np.abs(got.sum(axis=1) + tables.expected_value - raw).max() < 1e-8  # local accuracy
    return tables


@pytest.fixture(scope="module")
def demo():
    return load_bundle(DEMO_BUNDLE_DIR)


def _pool(bundle, features: pd.DataFrame) -> Pool:
    return Pool(
        to_model_frame(features[bundle.schema.names], bundle.schema), cat_features=bundle.schema.categorical
    )


@pytest.mark.skipif(not HOMECREDIT.is_dir(), reason=f"the real Home Credit samples are absent ({HOMECREDIT})")
def test_demo_bundle_on_the_real_sample(demo):
    features = build_features(HOMECREDIT)
    assert len(features) > 5_000
    _assert_exact(demo.model, _pool(demo, features))


def test_demo_bundle_on_synthetic_and_adversarial_clients(demo):
    features = build_features(generate(3_000, 5))
    odd = features.sample(n=300, random_state=0).copy()
    numeric = [n for n in demo.schema.names if n not in set(demo.schema.categorical)]
    odd.iloc[:100, [odd.columns.get_loc(c) for c in numeric]] = np.nan  # nothing known
    odd.iloc[100:200, [odd.columns.get_loc(c) for c in demo.schema.categorical]] = "never seen in training"
    odd.iloc[200:, [odd.columns.get_loc(c) for c in numeric]] = 1e12  # beyond every border
    _assert_exact(demo.model, _pool(demo, pd.concat([features, odd], ignore_index=True)))


@pytest.mark.parametrize(
    "params",
    [
        {"depth": 1},
        {"depth": 3, "one_hot_max_size": 10},  # one-hot splits on the categorical features
        {"depth": 8, "max_ctr_complexity": 4},  # CTRs over combinations, 256 leaves
        {"depth": 6, "max_ctr_complexity": 3, "one_hot_max_size": 3, "auto_class_weights": "Balanced"},
    ],
    ids=["depth1", "one-hot", "deep-combinations", "weighted"],
)
def test_models_built_to_stress_the_attribution(params):
    frame = toy_frame(n=1_500, seed=3)
    frame["CITY"] = np.random.default_rng(1).choice([f"city-{i}" for i in range(30)], len(frame))
    cats = ["CODE_GENDER", "NAME_EDUCATION_TYPE", "CITY"]
    x = frame.drop(columns=["SK_ID_CURR", "TARGET"])
    x[cats] = x[cats].fillna("__missing__")
    model = CatBoostClassifier(
        iterations=60, random_seed=0, verbose=0, thread_count=1, allow_writing_files=False, **params
    )
    model.fit(x, frame["TARGET"], cat_features=cats)
    _assert_exact(model, Pool(x, cat_features=cats))


def test_trees_that_are_not_oblivious_are_refused():
    frame = toy_frame(n=400)
    x = frame[["EXT_SOURCE_2", "DAYS_BIRTH", "AMT_CREDIT"]]
    model = CatBoostClassifier(
        iterations=5, depth=3, grow_policy="Depthwise", verbose=0, thread_count=1, allow_writing_files=False
    )
    model.fit(x, frame["TARGET"])
    with pytest.raises(UnsupportedModel, match="oblivious"):
        LeafShap.from_model(model)


def test_the_service_explains_with_the_tables_and_matches_catboost(demo):
    service = ScoringService(demo)
    assert service.leaf_shap() is not None
    record = service.example_record()
    result = service.score(record)
    pool = Pool([service._matrix_row(result.features)], cat_features=service._cat_idx)
    expected = _catboost_shap(demo.model, pool)[0]
    assert np.abs(result.shap - expected[:-1]).max() < TOLERANCE
    assert result.raw_score == pytest.approx(np.log(result.probability / (1 - result.probability)), abs=1e-9)
    contributions = result.contributions  # built on first use, ordered by |SHAP|
    assert list(contributions["feature"])[0] == max(
        demo.schema.names, key=lambda n: abs(expected[demo.schema.names.index(n)])
    )


def test_the_service_falls_back_to_catboost_when_the_tables_fail_their_check(demo, monkeypatch):
    honest = LeafShap.values

    def off_by_a_little(self, leaves):
        return honest(self, leaves) + 1e-6

    monkeypatch.setattr(LeafShap, "values", off_by_a_little)
    service = ScoringService(demo)
    assert service.leaf_shap() is None  # the check on the reference refused the tables
    result = service.score(service.example_record())
    pool = Pool([service._matrix_row(result.features)], cat_features=service._cat_idx)
    assert np.abs(result.shap - _catboost_shap(demo.model, pool)[0, :-1]).max() < TOLERANCE
    assert service_module.SHAP_TOLERANCE < 1e-6
