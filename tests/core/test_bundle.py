"""Bundle v1 save/load with hash verification, and the legacy format."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from catboost import CatBoostClassifier

from core.errors import BundleError
from core.serving.bundle import LEGACY_FILES, load_bundle, load_legacy_bundle


def test_v1_roundtrip(toy_bundle, toy_bundle_dir):
    manifest = json.loads((toy_bundle_dir / "manifest.json").read_text())
    assert set(manifest["files"]) == {
        "model.cbm", "schema.json", "reference.parquet", "validation.parquet", "global_shap.parquet",
    }  # fmt: skip
    assert toy_bundle.format == "v1"
    assert toy_bundle.provenance.synthetic is True
    assert toy_bundle.cost_weights.fn == 10 and toy_bundle.cost_weights.fp == 1
    assert toy_bundle.schema.names == list(toy_bundle.model.feature_names_)
    assert {"SK_ID_CURR", *toy_bundle.schema.names} <= set(toy_bundle.reference.columns)
    assert {"probability", "TARGET"} <= set(toy_bundle.validation.columns)
    assert toy_bundle.unavailable == []
    assert not list(toy_bundle_dir.glob("*.pkl")), "bundles never hold pickles"


def test_schema_describes_features(toy_bundle):
    schema = toy_bundle.schema
    ext = schema.get("EXT_SOURCE_1")
    assert ext.kind == "numeric" and ext.domain_min == 0 and ext.domain_max == 1
    assert ext.description and ext.median is not None and ext.min <= ext.median <= ext.max
    gender = schema.get("CODE_GENDER")
    # allowed values are Home Credit's domain; those seen in training are kept apart
    assert gender.kind == "categorical" and set(gender.categories) == {"F", "M", "XNA"} and gender.mode == "F"
    assert gender.seen_categories == ["F", "M"]
    assert schema.get("FLAG_DOCUMENT_3").kind == "boolean"
    # bounds come from the registry, each with its rationale; a bureau end date can be in the future
    end = schema.get("BUREAU_DAYS_CREDIT_ENDDATE_MAX")
    assert end.domain_max == 36525 and end.info is not None and end.info.bounds_rationale
    assert schema.get("DAYS_BIRTH").domain_max == -6575
    assert schema.get("DAYS_BIRTH").info.label_fr == "Âge"
    ranks = sorted(f.importance_rank for f in schema.features)
    assert ranks == list(range(1, len(schema.features) + 1))


@pytest.fixture()
def bundle_copy(toy_bundle_dir, tmp_path) -> Path:
    dst = tmp_path / "copy"
    shutil.copytree(toy_bundle_dir, dst)
    return dst


@pytest.mark.parametrize("name", ["model.cbm", "schema.json", "reference.parquet", "validation.parquet"])
def test_tampered_file_is_refused_naming_it(bundle_copy, name):
    with (bundle_copy / name).open("ab") as fh:
        fh.write(b"x")
    with pytest.raises(BundleError, match=rf"{name} does not match its manifest hash"):
        load_bundle(bundle_copy)


def test_missing_file_is_named(bundle_copy):
    (bundle_copy / "validation.parquet").unlink()
    with pytest.raises(BundleError, match="validation.parquet is listed in the manifest but missing"):
        load_bundle(bundle_copy)


def test_missing_manifest_and_folder(tmp_path):
    with pytest.raises(BundleError, match="manifest.json is missing"):
        load_bundle(tmp_path)
    with pytest.raises(BundleError, match="does not exist"):
        load_bundle(tmp_path / "nope")


def test_manifest_cannot_point_outside(bundle_copy):
    manifest = json.loads((bundle_copy / "manifest.json").read_text())
    manifest["files"]["../evil"] = "0" * 64
    (bundle_copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(BundleError, match="outside the bundle folder"):
        load_bundle(bundle_copy)


def test_invalid_manifest(bundle_copy):
    (bundle_copy / "manifest.json").write_text('{"format_version": "1"}')
    with pytest.raises(BundleError, match="not a valid v1 manifest"):
        load_bundle(bundle_copy)


def _legacy_folder(folder: Path, names: list[str], cats: list[str], threshold: float = 0.5) -> Path:
    rng = np.random.default_rng(0)
    n = 200
    data = {}
    for name in names:
        data[name] = rng.choice(["a", "b", "c"], n) if name in cats else rng.normal(size=n)
    frame = pd.DataFrame(data)
    model = CatBoostClassifier(
        iterations=5, depth=2, verbose=False, thread_count=1, allow_writing_files=False
    )
    model.fit(frame, rng.integers(0, 2, n), cat_features=cats)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_model(str(folder / LEGACY_FILES["model"]))
    (folder / LEGACY_FILES["kept"]).write_text("\n".join(names))
    (folder / LEGACY_FILES["cat"]).write_text("\n".join(cats) + "\n")
    (folder / LEGACY_FILES["threshold"]).write_text(json.dumps({"threshold": threshold}))
    return folder


def test_legacy_bundle_reports_what_it_lacks(tmp_path):
    folder = _legacy_folder(
        tmp_path / "legacy", ["EXT_SOURCE_1", "CODE_GENDER", "FLAG_DOCUMENT_3"], ["CODE_GENDER"]
    )
    bundle = load_legacy_bundle(*(folder / f for f in LEGACY_FILES.values()))
    assert bundle.format == "legacy" and bundle.threshold == 0.5
    assert bundle.reference is None and bundle.validation is None
    for missing in (
        "observed ranges",
        "categories seen in training",
        "reference data",
        "labelled validation set",
    ):
        assert missing in bundle.unavailable
    spec = bundle.schema.get("EXT_SOURCE_1")
    assert spec.min is None and spec.median is None and (spec.domain_min, spec.domain_max) == (0, 1)
    assert bundle.schema.get("FLAG_DOCUMENT_3").kind == "boolean"
    # the original API sent a null category as "__MISSING__": a property of the bundle
    assert bundle.schema.missing_category == "__MISSING__"
    # load_bundle recognises a legacy folder too
    assert load_bundle(folder).format == "legacy"


def test_legacy_seed_reference_files(seed_reference, tmp_path):
    """The original project's side files load with a model having its exact 125 features."""
    names = (seed_reference / LEGACY_FILES["kept"]).read_text().split("\n")
    cats = (seed_reference / LEGACY_FILES["cat"]).read_text().split()
    folder = _legacy_folder(tmp_path / "seed", names, cats)
    for key in ("kept", "cat", "threshold"):
        shutil.copy(seed_reference / LEGACY_FILES[key], folder / LEGACY_FILES[key])
    bundle = load_legacy_bundle(*(folder / f for f in LEGACY_FILES.values()))
    assert len(bundle.schema.names) == 125 and len(bundle.schema.categorical) == 6
    assert bundle.threshold == 0.5
    kinds = {f.name: f.kind for f in bundle.schema.features}
    assert kinds["FLAG_DOCUMENT_3"] == kinds["REG_CITY_NOT_LIVE_CITY"] == "boolean"


def test_legacy_errors_are_clear(tmp_path):
    folder = _legacy_folder(tmp_path / "l", ["EXT_SOURCE_1", "CODE_GENDER"], ["CODE_GENDER"])
    paths = [folder / f for f in LEGACY_FILES.values()]
    (folder / LEGACY_FILES["threshold"]).write_text("0.5")
    with pytest.raises(BundleError, match="threshold_catboost_top125_nocorr.json must be JSON"):
        load_legacy_bundle(*paths)
    (folder / LEGACY_FILES["threshold"]).write_text('{"threshold": 0.5}')
    (folder / LEGACY_FILES["cat"]).write_text("NAME_CONTRACT_TYPE\n")
    with pytest.raises(BundleError, match="categorical features not in"):
        load_legacy_bundle(*paths)
    (folder / LEGACY_FILES["cat"]).write_text("CODE_GENDER\n")
    (folder / LEGACY_FILES["kept"]).write_text("EXT_SOURCE_1\nCODE_GENDER\nEXTRA")
    with pytest.raises(BundleError, match="expects 2 features that differ"):
        load_legacy_bundle(*paths)
    (folder / LEGACY_FILES["model"]).write_bytes(b"not a model")
    with pytest.raises(BundleError, match="not a readable CatBoost model"):
        load_legacy_bundle(*paths)


def test_schema_get_finds_every_feature_and_input_as_a_scan_would(app_bundle):
    schema = app_bundle.schema.model_copy(deep=True)
    for spec in (*schema.inputs, *schema.features):
        first = next(s for s in (*schema.features, *schema.inputs) if s.name == spec.name)
        assert schema.get(spec.name) is first  # a feature before an input of the same name
    with pytest.raises(KeyError, match="'NOT_A_FIELD' is not a feature of this model"):
        schema.get("NOT_A_FIELD")
    extra = schema.features[0].model_copy(update={"name": "ADDED_LATER"})
    schema.features.append(extra)  # the index follows a list that changed
    assert schema.get("ADDED_LATER") is extra
    schema.features = schema.features[:-1]
    with pytest.raises(KeyError):
        schema.get("ADDED_LATER")
