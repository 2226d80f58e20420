"""Probability of default and decision for one record or a table of clients."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from catboost import Pool

from core.errors import RecordValidationError
from core.serving.bundle import Bundle
from core.serving.schema import to_model_frame
from core.serving.validation import FieldWarning, RowError, validate_frame, validate_record

Decision = Literal["ACCEPTED", "REFUSED"]


@dataclass(frozen=True)
class ScoreResult:
    """The score of one client."""

    probability: float
    decision: Decision
    threshold: float
    model_version: str
    client_id: int | None = None
    warnings: tuple[FieldWarning, ...] = ()


def decide(probability: float | np.ndarray, threshold: float) -> Any:
    """REFUSED when the probability of default is >= the threshold, else ACCEPTED."""
    return np.where(np.asarray(probability) >= threshold, "REFUSED", "ACCEPTED")


def model_pool(bundle: Bundle, features: pd.DataFrame) -> Pool:
    """A CatBoost pool of the features, preprocessed exactly as in training."""
    return Pool(to_model_frame(features, bundle.schema), cat_features=bundle.schema.categorical)


def predict_proba(bundle: Bundle, features: pd.DataFrame) -> np.ndarray:
    """Probability of default for each row of ``features`` (already validated)."""
    if features.empty:
        return np.empty(0)
    return np.asarray(bundle.model.predict_proba(model_pool(bundle, features))[:, 1], dtype=float)


def score_record(bundle: Bundle, record: Mapping[str, Any]) -> ScoreResult:
    """Validate and score one client record (raises RecordValidationError on bad input)."""
    valid = validate_record(record, bundle.schema)
    proba = float(predict_proba(bundle, pd.DataFrame([valid.values]))[0])
    return ScoreResult(
        probability=proba,
        decision=str(decide(proba, bundle.threshold)),  # type: ignore[arg-type]
        threshold=bundle.threshold,
        model_version=bundle.version,
        client_id=valid.client_id,
        warnings=tuple(valid.warnings),
    )


@dataclass
class BatchResult:
    """Scores of the valid rows of a table, and the row-level report of the others."""

    results: pd.DataFrame  # row, SK_ID_CURR, probability, decision, threshold, model_version (+ reasons)
    errors: list[RowError]
    warnings: list[RowError]
    ignored_columns: list[str]
    n_rows: int
    target: pd.Series | None = None
    features: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def n_scored(self) -> int:
        """Number of rows scored."""
        return len(self.results)

    def errors_frame(self) -> pd.DataFrame:
        """The validation report as a table: row, field, problem, value."""
        return pd.DataFrame(
            [(e.row, e.field, e.problem, None if e.value is None else str(e.value)) for e in self.errors],
            columns=["row", "field", "problem", "value"],
        )


def _results(bundle: Bundle, rows: np.ndarray, ids: Any, features: pd.DataFrame) -> pd.DataFrame:
    proba = predict_proba(bundle, features)
    return pd.DataFrame(
        {
            "row": np.asarray(rows, dtype=int),
            "SK_ID_CURR": pd.Series(list(ids), dtype=object).to_numpy(),
            "probability": proba,
            "decision": decide(proba, bundle.threshold) if len(proba) else np.empty(0, dtype=str),
            "threshold": bundle.threshold,
            "model_version": bundle.version,
        }
    )


def score_table(bundle: Bundle, frame: pd.DataFrame, *, first_row: int = 1) -> BatchResult:
    """Validate a table of clients row by row and score the valid rows.

    Nothing is silently dropped: every rejected row is in ``errors`` with its field and problem.
    Rows are numbered from ``first_row`` (1 = first data row of a file; use an offset for chunks).
    """
    checked = validate_frame(frame, bundle.schema, first_row=first_row)
    results = _results(bundle, checked.features.index.to_numpy(), checked.client_ids, checked.features)
    return BatchResult(
        results=results,
        errors=checked.errors,
        warnings=checked.warnings,
        ignored_columns=checked.ignored_columns,
        n_rows=checked.n_rows,
        target=checked.target,
        features=checked.features,
    )


def score_records(bundle: Bundle, records: Sequence[Any]) -> BatchResult:
    """Validate JSON-like records one by one (strict types) and score the valid ones together.

    Rows are numbered from 1 in the order given; invalid records are reported, never dropped silently.
    """
    errors: list[RowError] = []
    warnings: list[RowError] = []
    valid_rows, ids, values = [], [], []
    for i, record in enumerate(records, start=1):
        try:
            valid = validate_record(record, bundle.schema)
        except RecordValidationError as exc:
            errors += [RowError(i, e.field, e.problem, e.value) for e in exc.errors]
            continue
        warnings += [RowError(i, w.field, w.message, w.value) for w in valid.warnings]
        valid_rows.append(i)
        ids.append(valid.client_id)
        values.append(valid.values)
    features = pd.DataFrame(values, columns=bundle.schema.names)
    features.index = pd.Index(valid_rows, dtype=int)
    return BatchResult(
        results=_results(bundle, np.asarray(valid_rows), ids, features),
        errors=errors,
        warnings=warnings,
        ignored_columns=[],
        n_rows=len(records),
        features=features,
    )
