"""The bundle as an MLflow model: a pyfunc whose ``predict`` runs the project's scorer.

The model is logged *from code* (:mod:`core.training.pyfunc_entry`, no pickle): the MLflow model
folder holds the bundle as its ``bundle`` artifact (``artifacts/<bundle folder name>``, as its
``MLmodel`` file records: the native ``.cbm``, the schema, the
threshold and the reference data, checked against the bundle manifest's SHA-256 on load), the
``core`` package as code, a signature and an input example (one application). ``predict`` takes a
frame of applications (Kaggle ``application_test`` columns) and returns one row per input row:
the batch result table of every channel (:data:`core.serving.contract.TABLE_COLUMNS`) and the
validation problems of the rows it could not score.

Serving never goes through ``mlflow.pyfunc.load_model``: ``pad score --bundle models:/NAME/VERSION``
(:mod:`core.serving.registered`) downloads the registered model and loads its bundle folder with
:func:`core.serving.bundle.load_bundle`, the same loader as every other source.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.serving.bundle import Bundle, load_bundle
from core.serving.contract import TABLE_COLUMNS, results_table
from core.serving.registered import BUNDLE_ARTIFACT
from core.serving.schema import ID_COLUMN
from core.serving.service import ScoringService, plain_value

log = logging.getLogger(__name__)

#: the model's name inside its run (``runs:/RUN_ID/scorer``)
MODEL_NAME = "scorer"
ENTRY = Path(__file__).with_name("pyfunc_entry.py")
ERRORS_COLUMN = "errors"
OUTPUT_COLUMNS = [*TABLE_COLUMNS, ERRORS_COLUMN]


def records_of(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of an application frame as records for :meth:`ScoringService.score_records`."""
    names = [str(c) for c in frame.columns]
    return [
        {k: plain_value(v) for k, v in zip(names, row, strict=True)}
        for row in frame.itertuples(index=False, name=None)
    ]


def predict_frame(
    bundle: Bundle, frame: pd.DataFrame, *, service: ScoringService | None = None
) -> pd.DataFrame:
    """Score a frame of applications as the pyfunc does: one output row per input row, in order
    (``service``: the bundle's :class:`ScoringService`, built once by a loaded model)."""
    service = service or ScoringService(bundle)
    batch = service.score_records(records_of(frame), explain=False)
    scored = results_table(batch, bundle.schema, bundle_version=bundle.version)
    problems: dict[int, list[str]] = {}
    for e in batch.errors:
        problems.setdefault(int(e.row), []).append(f"{e.field}: {e.problem}")
    rows = pd.DataFrame({"row": np.arange(1, len(frame) + 1)})
    out = rows.merge(scored, on="row", how="left")
    if ID_COLUMN in frame.columns:  # the id exactly as given, also on a row that was not scored
        given = pd.Series([plain_value(v) for v in frame[ID_COLUMN]], dtype=object)
        out[ID_COLUMN] = out[ID_COLUMN].astype(object).where(out[ID_COLUMN].notna(), given)
    out["bundle_version"] = bundle.version
    out["warnings"] = out["warnings"].fillna("")
    out[ERRORS_COLUMN] = [" | ".join(problems.get(r, [])) for r in out["row"]]
    return out[OUTPUT_COLUMNS]


class ScorerModel:
    """The MLflow ``PythonModel`` (built lazily so that ``core`` imports without MLflow)."""

    def __new__(cls) -> Any:
        with _quiet_mlflow():
            return _scorer_class()()


@contextmanager
def _quiet_mlflow() -> Iterator[None]:
    """MLflow's notes on ``predict``'s type hints (wanted, or refused) and on its imports: this
    model's signature is built from the bundle's schema, so they are noise in a user's terminal."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning, module="mlflow")
        warnings.filterwarnings("ignore", message=r".*[Tt]ype hint", category=UserWarning)
        yield


def _scorer_class() -> type:
    import mlflow.pyfunc

    class _Scorer(mlflow.pyfunc.PythonModel):  # type: ignore[misc, name-defined]
        bundle: Bundle | None = None
        service: ScoringService | None = None

        def load_context(self, context: Any) -> None:
            self.bundle = load_bundle(context.artifacts[BUNDLE_ARTIFACT], source="mlflow model artifact")
            self.service = ScoringService(self.bundle)

        # no type hints: MLflow reads them as a signature (the logged one comes from the schema)
        def predict(self, context, model_input, params=None):  # type: ignore[no-untyped-def]
            if self.bundle is None:
                self.load_context(context)
            assert self.bundle is not None
            frame = model_input if isinstance(model_input, pd.DataFrame) else pd.DataFrame(model_input)
            return predict_frame(self.bundle, frame, service=self.service)

    return _Scorer


def input_example(bundle: Bundle) -> pd.DataFrame:
    """One application (the bundle's example record) as the model's input example."""
    record = ScoringService(bundle).example_record()
    return pd.DataFrame([record])


def log_scorer(
    bundle_dir: Path, *, registered_name: str | None, tags: dict[str, str] | None = None
) -> dict[str, Any]:
    """Log the bundle as an MLflow model in the active run and, when ``registered_name`` is given,
    register it (the evaluation as tags of the model version). Returns the model's URIs."""
    with _quiet_mlflow():
        import mlflow
        import mlflow.pyfunc
    from mlflow.exceptions import MlflowException
    from mlflow.tracking import MlflowClient

    bundle = load_bundle(bundle_dir)
    example = input_example(bundle)
    signature = signature_of(bundle)
    with _quiet_mlflow():
        info = mlflow.pyfunc.log_model(
            name=MODEL_NAME, python_model=str(ENTRY), artifacts={BUNDLE_ARTIFACT: str(bundle_dir)},
            code_paths=[str(Path(__file__).resolve().parents[1])], signature=signature,
            input_example=example, pip_requirements=_requirements(),
        )  # fmt: skip
    out: dict[str, Any] = {"model_uri": info.model_uri, "registered": None}
    if not registered_name:
        return out
    try:
        version = mlflow.register_model(info.model_uri, registered_name, tags=tags or {})
    except MlflowException as exc:
        log.warning("model logged but not registered (%s): %s", registered_name, exc.message[:200])
        out["registry_error"] = exc.message[:200]
        return out
    client = MlflowClient()
    client.update_model_version(
        registered_name, version.version, description=(tags or {}).get("evaluation", "")[:5000]
    )
    out["registered"] = {"name": registered_name, "version": str(version.version)}
    out["registered_uri"] = f"models:/{registered_name}/{version.version}"
    return out


#: the output columns' MLflow types (a row that could not be scored has no probability, decision…)
_OUTPUT_TYPES = {
    "row": "long", ID_COLUMN: "long", "probability": "double", "decision": "string", "threshold": "double",
    "history": "string", "bundle_version": "string", "warnings": "string", "points_score": "double",
    "points_band": "string", "review_status": "string", ERRORS_COLUMN: "string",
}  # fmt: skip
_ALWAYS = {"row", ID_COLUMN, "bundle_version", "warnings", ERRORS_COLUMN}


def signature_of(bundle: Bundle) -> Any:
    """The model's signature, from the bundle's schema (not inferred from one example).

    The client id is a required ``long`` (MLflow refuses a float id: never a float round trip);
    every other field is optional and of any type — a field left out is missing, as in every
    channel, and the values are judged by the project's own validation, which names the field
    and the problem (MLflow's enforcement would refuse a column of integers declared ``double``)."""
    from mlflow.models import ModelSignature
    from mlflow.types.schema import AnyType, ColSpec, Schema, TensorSpec

    inputs: list[ColSpec | TensorSpec] = [ColSpec("long", name=ID_COLUMN, required=True)]
    inputs += [
        ColSpec(AnyType(), name=f.name, required=False) for f in bundle.schema.fields if f.name != ID_COLUMN
    ]
    outputs: list[ColSpec | TensorSpec] = [
        ColSpec(t, name=c, required=c in _ALWAYS)  # type: ignore[arg-type]
        for c, t in _OUTPUT_TYPES.items()
    ]
    return ModelSignature(inputs=Schema(inputs), outputs=Schema(outputs))


def _requirements() -> list[str]:
    """What the logged model needs to run: the project's own dependencies, as installed."""
    from importlib import metadata

    wanted = ("catboost", "numpy", "pandas", "polars", "pyarrow", "pydantic", "scipy", "mlflow")
    pins = []
    for name in wanted:
        try:
            pins.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    return pins
