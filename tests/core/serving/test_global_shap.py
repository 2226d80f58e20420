"""Global SHAP precomputed at export: read at load when it describes the model, computed again when not."""

from __future__ import annotations

import json
import logging
import shutil

import numpy as np
import pytest

from core.errors import BundleError
from core.serving.bundle import GLOBAL_SHAP_FILE, MANIFEST, add_global_shap, load_bundle
from core.serving.explain import Explainer, shap_values
from core.serving.global_shap import BASE_COLUMN, reference_sample


def _computed(bundle):
    rows = reference_sample(bundle.reference)
    return shap_values(bundle, rows[bundle.schema.names]), rows


@pytest.mark.parametrize("which", ["toy_bundle", "app_bundle"])
def test_the_stored_table_is_catboosts_shap_of_the_reference_sample(request, which):
    bundle = request.getfixturevalue(which)
    assert bundle.global_shap is not None, "save_bundle stores the reference sample's SHAP values"
    shap, rows = Explainer(bundle).global_shap()
    expected, expected_rows = _computed(bundle)
    assert np.array_equal(shap.values, expected.values) and shap.base_value == expected.base_value
    assert rows.equals(expected_rows)
    assert shap.feature_names == list(bundle.schema.names)
    np.testing.assert_allclose(shap.raw, expected.raw, atol=1e-12)


def test_a_table_that_does_not_add_up_is_not_used(toy_bundle, caplog):
    table = toy_bundle.global_shap.copy()
    first = toy_bundle.schema.names[0]
    table.loc[3, first] += 0.25  # one value off: the row no longer adds up to the model's raw score
    tampered = type(toy_bundle)(**{**toy_bundle.__dict__, "global_shap": table})
    with caplog.at_level(logging.WARNING):
        shap, _ = Explainer(tampered).global_shap()
    assert "miss the model's predictions" in caplog.text
    assert np.array_equal(shap.values, _computed(toy_bundle)[0].values)


@pytest.mark.parametrize(
    "change",
    [
        lambda t: t.drop(columns=[BASE_COLUMN]),
        lambda t: t.assign(SK_ID_CURR=t["SK_ID_CURR"] + 10**8),  # clients the reference does not hold
        lambda t: t.iloc[:0],
    ],
)
def test_a_table_of_other_features_or_clients_is_not_used(toy_bundle, change):
    tampered = type(toy_bundle)(**{**toy_bundle.__dict__, "global_shap": change(toy_bundle.global_shap)})
    shap, rows = Explainer(tampered).global_shap()
    expected, expected_rows = _computed(toy_bundle)
    assert np.array_equal(shap.values, expected.values) and rows.equals(expected_rows)


def test_add_global_shap_to_a_bundle_exported_without_it(toy_bundle_dir, tmp_path):
    folder = tmp_path / "old"
    shutil.copytree(toy_bundle_dir, folder)
    manifest = json.loads((folder / MANIFEST).read_text())
    del manifest["files"][GLOBAL_SHAP_FILE]
    (folder / GLOBAL_SHAP_FILE).unlink()
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    assert load_bundle(folder).global_shap is None
    add_global_shap(folder)
    after = json.loads((folder / MANIFEST).read_text())
    del after["files"][GLOBAL_SHAP_FILE]
    assert after == manifest, "only the new file is added to the manifest"
    loaded = load_bundle(folder)  # every hash checked, the new file's too
    assert loaded.global_shap is not None
    assert np.array_equal(Explainer(loaded).global_shap()[0].values, _computed(loaded)[0].values)


def test_add_global_shap_needs_reference_data(toy_bundle_dir, tmp_path):
    folder = tmp_path / "noref"
    shutil.copytree(toy_bundle_dir, folder)
    manifest = json.loads((folder / MANIFEST).read_text())
    for name in ("reference.parquet", GLOBAL_SHAP_FILE):
        del manifest["files"][name]
        (folder / name).unlink()
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    with pytest.raises(BundleError, match="no sample to explain"):
        add_global_shap(folder)


def test_the_demo_bundle_carries_its_global_shap():
    """The shipped bundle's table is read as it is (the insights page computes nothing at its first opening)."""
    from core.config import DEMO_BUNDLE_DIR
    from core.serving.global_shap import stored_shap

    bundle = load_bundle(DEMO_BUNDLE_DIR)
    assert bundle.global_shap is not None
    assert stored_shap(bundle.global_shap, bundle.model, bundle.schema, bundle.reference) is not None
