"""shap, the library users know: the project's SHAP values as a ``shap.Explanation``, and an independent
check of the values the service shows (its own per-leaf tables) against ``shap.TreeExplainer``."""

from __future__ import annotations

import numpy as np
import pytest
from catboost import Pool

from core import DEMO_BUNDLE_DIR, load_bundle, shap_explanation
from core.serving.schema import to_model_frame
from core.serving.treeshap import LeafShap

shap = pytest.importorskip("shap")


@pytest.fixture(scope="module")
def demo():
    bundle = load_bundle(DEMO_BUNDLE_DIR)
    return bundle, bundle.reference[bundle.schema.names].head(40)


def test_shap_explanation_for_notebooks(demo):
    bundle, rows = demo
    exp = shap_explanation(bundle, rows)
    assert isinstance(exp, shap.Explanation)
    assert exp.values.shape == (40, len(bundle.schema.names)) and exp.feature_names == list(
        bundle.schema.names
    )
    pool = Pool(to_model_frame(rows, bundle.schema), cat_features=bundle.schema.categorical)
    raw = bundle.model.predict(pool, prediction_type="RawFormulaVal")
    assert np.abs(exp.values.sum(axis=1) + exp.base_values - raw).max() < 1e-8  # local accuracy
    assert [str(v) for v in exp[0].data] == [str(v) for v in rows.iloc[0]]  # the rows explained (NaN as NaN)
    assert exp[:, bundle.schema.names[0]].values.shape == (40,)  # shap's own indexing works on it


def test_the_services_shap_tables_agree_with_shap_tree_explainer(demo):
    bundle, rows = demo
    pool = Pool(to_model_frame(rows, bundle.schema), cat_features=bundle.schema.categorical)
    tables = LeafShap.from_model(bundle.model)  # what the service explains with
    ours = tables.values(bundle.model.calc_leaf_indexes(pool))
    explainer = shap.TreeExplainer(bundle.model)
    theirs = np.asarray(explainer.shap_values(pool), dtype=float)
    assert theirs.shape == ours.shape
    assert np.abs(theirs - ours).max() < 1e-6
    assert abs(float(np.ravel(explainer.expected_value)[0]) - tables.expected_value) < 1e-6
