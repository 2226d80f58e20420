"""Model bundle: a CatBoost model with its schema, threshold, metrics and reference data.

Format v1 is a folder holding ``manifest.json`` and the files it lists, each with its sha256.
The legacy format (the original project's) is ``model.cb`` plus three side files.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from catboost import CatBoostClassifier
from pydantic import BaseModel, Field, ValidationError

from core.cost import CostWeights
from core.errors import BundleError
from core.features.history import HISTORY_SUMMARY
from core.serving.global_shap import global_shap_table
from core.serving.schema import ID_COLUMN, TARGET_COLUMN, FeatureSchema, legacy_schema

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
MODEL_FILE = "model.cbm"
SCHEMA_FILE = "schema.json"
REFERENCE_FILE = "reference.parquet"
VALIDATION_FILE = "validation.parquet"
#: SHAP values of the reference sample, computed at export (core.serving.global_shap)
GLOBAL_SHAP_FILE = "global_shap.parquet"
#: The original project's bundle files, in load_legacy_bundle's argument order.
LEGACY_FILES = {
    "model": "model.cb",
    "kept": "kept_features_top125_nocorr.txt",
    "cat": "cat_features_top125_nocorr.txt",
    "threshold": "threshold_catboost_top125_nocorr.json",
}


class Provenance(BaseModel):
    """Where the training data came from; ``synthetic`` is stated plainly."""

    synthetic: bool
    description: str
    data_source: str | None = None
    n_train: int | None = None
    n_test: int | None = None
    code_version: str | None = None
    seed: int | None = None


class Manifest(BaseModel):
    """The ``manifest.json`` of a v1 bundle."""

    format_version: Literal["1"] = "1"
    name: str
    version: str
    created_at: str
    model_type: str = "CatBoostClassifier"
    threshold: float = Field(ge=0, le=1)
    cost_weights: CostWeights = Field(default_factory=CostWeights)
    metrics: dict[str, Any] = Field(default_factory=dict)
    provenance: Provenance
    intended_use: str = ""
    limitations: list[str] = Field(default_factory=list)
    files: dict[str, str] = Field(description="file name -> sha256")


@dataclass
class Bundle:
    """A loaded model bundle, ready to score."""

    model: CatBoostClassifier
    schema: FeatureSchema
    threshold: float
    cost_weights: CostWeights
    version: str
    name: str
    format: Literal["v1", "legacy"]
    source: str
    metrics: dict[str, Any] = field(default_factory=dict)
    provenance: Provenance | None = None
    reference: pd.DataFrame | None = None
    validation: pd.DataFrame | None = None
    global_shap: pd.DataFrame | None = None  # precomputed at export: see core.serving.global_shap
    hashes: dict[str, str] = field(default_factory=dict)
    intended_use: str = ""
    limitations: list[str] = field(default_factory=list)
    created_at: str | None = None

    @property
    def unavailable(self) -> list[str]:
        """What this bundle cannot provide (the legacy format lacks most of it)."""
        missing = list(self.schema.unavailable)
        if self.reference is None:
            missing.append("reference data")
        if self.validation is None:
            missing.append("labelled validation set")
        if not self.metrics:
            missing.append("evaluation metrics")
        if self.provenance is None:
            missing.append("data provenance")
        return missing


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _load_model(path: Path) -> CatBoostClassifier:
    model = CatBoostClassifier()
    try:
        model.load_model(str(path), format="cbm")
    except Exception as exc:  # CatBoostError: corrupt or not a model
        raise BundleError(f"{path.name} is not a readable CatBoost model ({exc}).") from None
    return model


def save_bundle(
    out_dir: Path | str,
    *,
    model: CatBoostClassifier,
    schema: FeatureSchema,
    threshold: float,
    provenance: Provenance,
    name: str,
    version: str,
    cost_weights: CostWeights | None = None,
    metrics: dict[str, Any] | None = None,
    reference: pd.DataFrame | None = None,
    validation: pd.DataFrame | None = None,
    intended_use: str = "",
    limitations: list[str] | None = None,
) -> Path:
    """Write a v1 bundle folder and return the manifest path.

    ``reference`` holds ``SK_ID_CURR``, every model feature and (application bundles) every raw
    application field: the clients a look-up finds, with their history; ``validation`` holds
    ``probability`` and ``TARGET`` (labelled out-of-sample predictions). With a reference, the SHAP
    values of its clients are computed here and stored (the insights page reads them at load).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model.save_model(str(out / MODEL_FILE), format="cbm")
    (out / SCHEMA_FILE).write_text(schema.model_dump_json(indent=1), encoding="utf-8")
    files = [MODEL_FILE, SCHEMA_FILE]
    if reference is not None:
        summary = (
            [c for c in HISTORY_SUMMARY if c in reference.columns] if schema.contract == "application" else []
        )
        cols = list(dict.fromkeys([ID_COLUMN, *schema.names, *(s.name for s in schema.inputs), *summary]))
        missing = [c for c in cols if c not in reference.columns]
        if missing:
            raise BundleError(f"reference data lacks columns: {missing[:10]}")
        reference[cols].to_parquet(out / REFERENCE_FILE, index=False)
        files.append(REFERENCE_FILE)
        global_shap_table(model, schema, reference).to_parquet(out / GLOBAL_SHAP_FILE, index=False)
        files.append(GLOBAL_SHAP_FILE)
    if validation is not None:
        missing = [c for c in ("probability", TARGET_COLUMN) if c not in validation.columns]
        if missing:
            raise BundleError(f"validation data lacks columns: {missing}")
        validation.to_parquet(out / VALIDATION_FILE, index=False)
        files.append(VALIDATION_FILE)
    manifest = Manifest(
        name=name,
        version=version,
        created_at=datetime.now(UTC).replace(microsecond=0).isoformat(),
        threshold=threshold,
        cost_weights=cost_weights or CostWeights(),
        metrics=metrics or {},
        provenance=provenance,
        intended_use=intended_use,
        limitations=limitations or [],
        files={f: sha256_file(out / f) for f in files},
    )
    path = out / MANIFEST
    path.write_text(manifest.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return path


def _read_manifest(folder: Path) -> Manifest:
    path = folder / MANIFEST
    try:
        return Manifest.model_validate_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BundleError(f"{folder} is not a model bundle: {MANIFEST} is missing.") from None
    except ValidationError as exc:
        raise BundleError(f"{path} is not a valid v1 manifest: {exc.errors()[0]['msg']}.") from None


def verify_files(folder: Path, files: dict[str, str]) -> None:
    """Check every listed file exists and matches its sha256; the error names the file."""
    for fname, expected in files.items():
        path = folder / fname
        if Path(fname).is_absolute() or ".." in Path(fname).parts:
            raise BundleError(f"manifest lists {fname!r}, which is outside the bundle folder.")
        if not path.is_file():
            raise BundleError(f"bundle file {fname} is listed in the manifest but missing from {folder}.")
        actual = sha256_file(path)
        if actual != expected:
            raise BundleError(
                f"bundle file {fname} does not match its manifest hash "
                f"(expected sha256 {expected[:12]}…, found {actual[:12]}…): refusing to load it."
            )


def _read_schema(path: Path) -> FeatureSchema:
    """The bundle's schema; a file that is not one is a BundleError naming it (never a traceback)."""
    try:
        return FeatureSchema.model_validate_json(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise BundleError(f"{path.name} is not a valid feature schema: it is not UTF-8 text.") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"]) or "(file)"
        raise BundleError(f"{path.name} is not a valid feature schema: {where}: {first['msg']}.") from None


def _read_table(path: Path) -> pd.DataFrame:
    """A Parquet table of the bundle; an unreadable one is a BundleError naming it."""
    try:
        return pd.read_parquet(path)
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        text = " ".join(str(exc).split())[:200]
        raise BundleError(f"{path.name} is not a readable Parquet table ({text}).") from None


def load_bundle(folder: Path | str, *, source: str | None = None) -> Bundle:
    """Load a bundle folder: v1 (verifying every file hash), or legacy files side by side."""
    folder = Path(folder)
    if not folder.is_dir():
        raise BundleError(f"bundle folder {folder} does not exist.")
    if not (folder / MANIFEST).exists() and (folder / LEGACY_FILES["model"]).exists():
        return load_legacy_bundle(*(folder / name for name in LEGACY_FILES.values()), source=source)
    manifest = _read_manifest(folder)
    for required in (MODEL_FILE, SCHEMA_FILE):
        if required not in manifest.files:
            raise BundleError(f"manifest of {folder} does not list {required}.")
    verify_files(folder, manifest.files)
    schema = _read_schema(folder / SCHEMA_FILE)
    model = _load_model(folder / MODEL_FILE)
    reference, validation, global_shap = (
        _read_table(folder / name) if name in manifest.files else None
        for name in (REFERENCE_FILE, VALIDATION_FILE, GLOBAL_SHAP_FILE)
    )
    _check_model_matches(model, schema, folder)
    log.info("loaded bundle %s %s from %s", manifest.name, manifest.version, source or folder)
    return Bundle(
        model=model,
        schema=schema,
        threshold=manifest.threshold,
        cost_weights=manifest.cost_weights,
        version=manifest.version,
        name=manifest.name,
        format="v1",
        source=source or f"local:{folder}",
        metrics=manifest.metrics,
        provenance=manifest.provenance,
        reference=reference,
        validation=validation,
        global_shap=global_shap,
        hashes=manifest.files,
        intended_use=manifest.intended_use,
        limitations=manifest.limitations,
        created_at=manifest.created_at,
    )


def add_global_shap(folder: Path | str) -> Path:
    """Store the global SHAP table in an existing v1 bundle exported without it; the manifest path.

    The other files are left as they are (their hashes are checked first); the manifest lists the new file.
    """
    folder = Path(folder)
    bundle = load_bundle(folder)
    if bundle.format != "v1" or bundle.reference is None:
        raise BundleError(f"{folder} is not a v1 bundle with reference data: there is no sample to explain.")
    global_shap_table(bundle.model, bundle.schema, bundle.reference).to_parquet(
        folder / GLOBAL_SHAP_FILE, index=False
    )
    path = folder / MANIFEST
    text = path.read_text(encoding="utf-8")
    data = json.loads(text)  # edited as JSON: every other byte of the manifest stays as it was written
    data["files"][GLOBAL_SHAP_FILE] = sha256_file(folder / GLOBAL_SHAP_FILE)
    Manifest.model_validate(data)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=text.isascii()) + "\n", encoding="utf-8")
    return path


def _check_model_matches(model: CatBoostClassifier, schema: FeatureSchema, where: Path) -> None:
    model_names = list(model.feature_names_ or [])
    if model_names and model_names != schema.names:
        raise BundleError(
            f"model in {where} expects {len(model_names)} features that differ from the schema's "
            f"{len(schema.names)} (first difference: "
            f"{next((a, b) for a, b in zip(model_names + [''], schema.names + [''], strict=False) if a != b)})."
        )


def _read_lines(path: Path) -> list[str]:
    try:
        return [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    except FileNotFoundError:
        raise BundleError(f"legacy bundle file {path} is missing.") from None


def load_legacy_bundle(
    model_path: Path | str,
    kept_path: Path | str,
    cat_path: Path | str,
    threshold_path: Path | str,
    *,
    source: str | None = None,
) -> Bundle:
    """Load the original project's bundle: ``model.cb`` + kept/cat feature lists + threshold JSON.

    Ranges, categories, reference data and the validation set do not exist in that format;
    ``Bundle.unavailable`` lists them.
    """
    model_path, kept_path, cat_path, threshold_path = map(
        Path, (model_path, kept_path, cat_path, threshold_path)
    )
    names = _read_lines(kept_path)
    cats = _read_lines(cat_path)
    unknown = [c for c in cats if c not in names]
    if unknown:
        raise BundleError(f"{cat_path.name} lists categorical features not in {kept_path.name}: {unknown}.")
    try:
        threshold = float(json.loads(threshold_path.read_text(encoding="utf-8"))["threshold"])
    except FileNotFoundError:
        raise BundleError(f"legacy bundle file {threshold_path} is missing.") from None
    except (ValueError, KeyError, TypeError):
        raise BundleError(f'{threshold_path.name} must be JSON like {{"threshold": 0.5}}.') from None
    if not 0 <= threshold <= 1:
        raise BundleError(f"{threshold_path.name}: threshold {threshold} is not in [0, 1].")
    if not model_path.is_file():
        raise BundleError(f"legacy bundle file {model_path} is missing.")
    schema = legacy_schema(names, cats)
    model = _load_model(model_path)
    _check_model_matches(model, schema, model_path.parent)
    hashes = {p.name: sha256_file(p) for p in (model_path, kept_path, cat_path, threshold_path)}
    return Bundle(
        model=model,
        schema=schema,
        threshold=threshold,
        cost_weights=CostWeights(),
        version=f"legacy-{hashes[model_path.name][:8]}",
        name="legacy CatBoost top125",
        format="legacy",
        source=source or f"local:{model_path.parent}",
        hashes=hashes,
    )
