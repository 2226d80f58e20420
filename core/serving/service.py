"""The scoring service: one per bundle, used by the command line, the dashboard and the API alike.

An input (a record, a list of records or a table of text cells) is validated against the bundle's
contract; for an ``application`` bundle the row-wise features are computed by the training code
(:func:`core.features.application.application_features`) and the history aggregates are read from
a :class:`HistorySource` by client id (missing for a new applicant); the model's feature vector is
scored, and — in the same call, on the same matrix — explained with exact TreeSHAP.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal, Protocol

import numpy as np
import pandas as pd
import polars as pl
from catboost import Pool

from core.config import get_settings
from core.errors import ConfigError
from core.features.application import CANONICAL, application_features, application_row
from core.features.build import to_pandas
from core.features.history import HISTORY_SUMMARY
from core.features.registry import NO_HISTORY
from core.serving.bundle import Bundle
from core.serving.explain import Explainer
from core.serving.points import PointsScale
from core.serving.records import check_records
from core.serving.review import GreyZone, grey_zone_of
from core.serving.schema import ID_COLUMN, to_model_frame
from core.serving.treeshap import LeafShap, UnsupportedModel
from core.serving.validation import (
    DuplicateIds,
    FieldWarning,
    RowError,
    validate_frame,
    validate_record,
)

Decision = Literal["ACCEPTED", "REFUSED"]
HistoryStatus = Literal["known", "none", "not_applicable"]
Direction = Literal["default", "repayment"]
log = logging.getLogger(__name__)
#: Largest difference to CatBoost's own ``ShapValues`` the per-leaf tables may show on the reference.
SHAP_TOLERANCE = 1e-9


def decide(probability: float | np.ndarray, threshold: float) -> Any:
    """REFUSED when the probability of default is >= the threshold, else ACCEPTED."""
    return np.where(np.asarray(probability) >= threshold, "REFUSED", "ACCEPTED")


class HistorySource(Protocol):
    """Where a known client's history aggregates come from (the bundle's reference, a store...)."""

    def lookup(self, ids: Sequence[int | None], names: Sequence[str]) -> tuple[pd.DataFrame, np.ndarray]:
        """History features ``names`` of each id (NaN rows for unknown ids) and a known-id mask."""
        ...


class FrameHistory:
    """History aggregates held in a frame with a ``SK_ID_CURR`` column (reference data, a file...)."""

    def __init__(self, frame: pd.DataFrame) -> None:
        ids = frame[ID_COLUMN].astype("int64")
        self._frame = frame.set_index(ids.to_numpy())
        self._frame = self._frame[~self._frame.index.duplicated()]
        self._cache: dict[tuple[str, ...], dict[int, list[float]]] = {}

    def lookup(self, ids: Sequence[int | None], names: Sequence[str]) -> tuple[pd.DataFrame, np.ndarray]:
        """See :class:`HistorySource`."""
        keys = [(-1 if i is None else int(i)) for i in ids]
        if len(keys) == 1:  # the online path: a dictionary look-up, no reindexing
            rows = self._rows(tuple(names))
            hit = rows.get(keys[0])
            values = pd.DataFrame([hit if hit is not None else [math.nan] * len(names)], columns=list(names))
            return values, np.array([hit is not None])
        present = np.isin(np.asarray(keys, dtype=np.int64), self._frame.index.to_numpy())
        values = self._frame.reindex(keys)[list(names)].astype(float)
        return values.reset_index(drop=True), present

    def lookup_one(self, client_id: int, names: Sequence[str]) -> list[float] | None:
        """History features ``names`` of one client (None when the id is unknown)."""
        return self._rows(tuple(names)).get(int(client_id))

    def _rows(self, names: tuple[str, ...]) -> dict[int, list[float]]:
        cached = self._cache.get(names)
        if cached is None:
            matrix = self._frame[list(names)].astype(float).to_numpy()
            cached = {int(i): list(map(float, r)) for i, r in zip(self._frame.index, matrix, strict=True)}
            self._cache[names] = cached
        return cached

    def ids(self) -> list[int]:
        """Every client id held."""
        return [int(i) for i in self._frame.index]

    def row(self, client_id: int) -> pd.Series | None:
        """The stored row of ``client_id`` (None when absent)."""
        if client_id not in self._frame.index:
            return None
        return self._frame.loc[client_id]


@dataclass(frozen=True)
class Reason:
    """One factor of a decision, as data (sentences are rendered by the presentation layer)."""

    feature: str
    value: Any
    contribution: float  # log-odds of default; > 0 pushes toward default
    direction: Direction
    percentile: float | None  # share (0-100) of the reference population below the value


@dataclass(frozen=True)
class ScoringResult:
    """The score of one application (or feature record): see :mod:`core.serving.contract`."""

    client_id: int | None
    probability: float
    decision: Decision
    threshold: float
    bundle_name: str
    bundle_version: str
    model_sha256: str | None
    history: HistoryStatus
    warnings: tuple[FieldWarning, ...] = ()
    missing_fields: tuple[str, ...] = ()
    features: dict[str, Any] = field(default_factory=dict)
    base_value: float | None = None
    raw_score: float | None = None
    shap: np.ndarray | None = field(default=None, repr=False, compare=False)  # schema order, log-odds
    toward_default: tuple[Reason, ...] = ()
    toward_repayment: tuple[Reason, ...] = ()
    _contributions: Callable[[], pd.DataFrame] | None = field(default=None, repr=False, compare=False)
    points_score: int | None = None  # core.serving.points
    points_band: str | None = None
    review_status: str | None = None  # core.serving.review: "to_review", "not_required"; None: no grey zone

    @cached_property
    def contributions(self) -> pd.DataFrame | None:
        """Every feature's value, SHAP value and reference percentile, by |SHAP| descending (built on
        first use: the online path needs only the reasons)."""
        return None if self._contributions is None else self._contributions()


@dataclass
class BatchScoring:
    """Scores of the valid rows of a table or list, and the row-level report of the others."""

    results: pd.DataFrame  # row, SK_ID_CURR (exact ints or None), probability, decision, threshold, history
    errors: list[RowError]
    warnings: list[RowError]
    ignored_columns: list[str]
    n_rows: int
    reasons: list[tuple[tuple[Reason, ...], tuple[Reason, ...]]] | None = None
    target: pd.Series | None = None
    features: pd.DataFrame = field(default_factory=pd.DataFrame)
    absent_columns: list[str] = field(default_factory=list)

    @property
    def n_scored(self) -> int:
        """Number of rows scored."""
        return len(self.results)

    def labelled(self) -> tuple[np.ndarray, np.ndarray, int]:
        """The labels (0/1) and probabilities of the scored rows that have a ``TARGET``, and the number
        of scored rows without one (an empty cell of a labelled file)."""
        if self.target is None:
            return np.empty(0, dtype=int), np.empty(0), len(self.results)
        target = pd.to_numeric(self.target, errors="coerce").to_numpy(dtype=float)
        known = ~np.isnan(target)
        proba = self.results["probability"].to_numpy(dtype=float)
        return target[known].astype(int), proba[known], int((~known).sum())

    def errors_frame(self) -> pd.DataFrame:
        """The validation report as a table: row, field, problem, value."""
        return pd.DataFrame(
            [
                (e.row, e.field, e.problem, None if e.value is None else str(e.value)[:200])
                for e in self.errors
            ],
            columns=["row", "field", "problem", "value"],
            dtype=object,  # problems stay Problems (pandas' text dtype would make them plain English strings)
        )


_CONFIGURED: Any = object()  # "read it from the settings"


class ScoringService:
    """Validate, compute features, score and explain, for one bundle; thread-safe after construction.

    ``points`` (the points scale) and ``grey_zone`` (the band sent to review; None: no grey zone) come
    from the settings when not given (``POINTS_*``, ``REVIEW_BAND``, ``REVIEW_COST``).
    """

    def __init__(
        self,
        bundle: Bundle,
        *,
        history: HistorySource | None = None,
        points: PointsScale | None = None,
        grey_zone: GreyZone | None = _CONFIGURED,
    ) -> None:
        self.bundle = bundle
        self.points, self.grey_zone = _policy(bundle, points, grey_zone)
        self.schema = bundle.schema
        self.explainer = Explainer(bundle)
        self._history_names = self.schema.history_features
        if history is None and bundle.reference is not None and self.schema.contract == "application":
            history = FrameHistory(bundle.reference)
        self.history = history
        self._cat_set = set(self.schema.categorical)
        self._cat_idx = [i for i, n in enumerate(self.schema.names) if n in self._cat_set]
        self._model_sha = bundle.hashes.get("model.cbm") or next(iter(bundle.hashes.values()), None)
        names = list(self.schema.names)
        hist = set(self._history_names)
        self._app_idx = np.array([i for i, n in enumerate(names) if n not in hist], dtype=np.int64)
        self._hist_idx = np.array([i for i, n in enumerate(names) if n in hist], dtype=np.int64)
        self._shap_lock = threading.Lock()
        self._leaf_shap: LeafShap | None = None
        self._leaf_shap_ready = False

    def leaf_shap(self) -> LeafShap | None:
        """The model's per-leaf SHAP tables (:mod:`core.serving.treeshap`), built once and checked
        against CatBoost's own ``ShapValues`` on the reference sample; None (CatBoost computes each
        explanation) when the model is not supported or the check fails."""
        if not self._leaf_shap_ready:
            with self._shap_lock:
                if not self._leaf_shap_ready:
                    self._leaf_shap = self._build_leaf_shap()
                    self._leaf_shap_ready = True
        return self._leaf_shap

    def _build_leaf_shap(self) -> LeafShap | None:
        try:
            tables = LeafShap.from_model(self.bundle.model)
        except (UnsupportedModel, KeyError, ValueError) as exc:
            log.warning("explanations by CatBoost's ShapValues: %s", exc)
            return None
        ref = self.bundle.reference
        if ref is not None and len(ref) and set(self.schema.names) <= set(ref.columns):
            pool = Pool(
                to_model_frame(ref[self.schema.names].head(256), self.schema),
                cat_features=self.schema.categorical,
            )
            expected = np.asarray(
                self.bundle.model.get_feature_importance(pool, type="ShapValues"), dtype=float
            )
            got = tables.values(self.bundle.model.calc_leaf_indexes(pool))
            gap = max(
                float(np.abs(got - expected[:, :-1]).max()), abs(tables.expected_value - expected[0, -1])
            )
            if not gap <= SHAP_TOLERANCE:
                log.warning(
                    "per-leaf SHAP differs from CatBoost's by %.3g: CatBoost computes explanations", gap
                )
                return None
        return tables

    @property
    def model_sha256(self) -> str | None:
        """SHA-256 of the model file the service scores with."""
        return self._model_sha

    # ------------------------------------------------------------------ records
    def record_of(self, client_id: int) -> dict[str, Any] | None:
        """The contract record of a reference client (raw application or features), None if unknown."""
        ref = self.bundle.reference
        if ref is None:
            return None
        rows = ref[ref[ID_COLUMN].astype("int64") == int(client_id)]
        if rows.empty:
            return None
        row = rows.iloc[0]
        record: dict[str, Any] = {ID_COLUMN: int(client_id)}
        for spec in self.schema.fields:
            value = json_value(row[spec.name]) if spec.name in row.index else None
            if spec.kind == "boolean" and value is not None:
                value = bool(value)
            elif spec.kind == "numeric" and value is not None:
                value = float(value)
            record[spec.name] = value
        return record

    def example_record(self) -> dict[str, Any]:
        """A real example payload: the first reference client, or the medians and modes of the schema."""
        ref = self.bundle.reference
        if ref is not None and len(ref):
            found = self.record_of(int(ref[ID_COLUMN].iloc[0]))
            if found is not None:
                return found
        record: dict[str, Any] = {ID_COLUMN: 100001}
        for spec in self.schema.fields:
            if spec.kind == "categorical":
                record[spec.name] = spec.mode
            elif spec.kind == "boolean":
                record[spec.name] = False
            else:
                record[spec.name] = spec.median
        return record

    def history_summary(self, client_id: int | None) -> dict[str, Any] | None:
        """A known client's history in a few figures (name -> value), None when no history is known."""
        ref = self.bundle.reference
        if ref is None or client_id is None or self.schema.contract != "application":
            return None
        rows = ref[ref[ID_COLUMN].astype("int64") == int(client_id)]
        if rows.empty:
            return None
        names = [c for c in HISTORY_SUMMARY if c in rows.columns]
        out = {n: json_value(rows.iloc[0][n]) for n in names}
        # figures over an empty part of a known history are zero, not unknown
        for name, parent in HISTORY_SUMMARY.items():
            if name in out and out[name] is None and parent is not None and out.get(parent) == 0:
                out[name] = 0
        return out

    def known_ids(self) -> list[int]:
        """Ids of the clients whose application and history the service holds (the reference sample)."""
        ref = self.bundle.reference
        return [] if ref is None else [int(i) for i in ref[ID_COLUMN]]

    # ------------------------------------------------------------------ features
    def features_of(
        self, inputs: pd.DataFrame, ids: Sequence[int | None]
    ) -> tuple[pd.DataFrame, list[HistoryStatus]]:
        """The model's feature vectors of validated inputs, and whether each client's history was known."""
        if self.schema.contract == "features":
            return inputs[self.schema.names].reset_index(drop=True), ["not_applicable"] * len(inputs)
        app = inputs.reset_index(drop=True).copy()
        app[ID_COLUMN] = pd.array([None if i is None else int(i) for i in ids], dtype="Int64")
        rows = to_pandas(
            application_features(pl.from_pandas(app, schema_overrides=_overrides(app))).collect(
                engine="in-memory"
            )
        )
        return self._assemble(rows, ids)

    def _assemble(
        self, rows: pd.DataFrame, ids: Sequence[int | None]
    ) -> tuple[pd.DataFrame, list[HistoryStatus]]:
        out = pd.DataFrame({n: rows[n] for n in self.schema.names if n not in set(self._history_names)})
        known = np.zeros(len(rows), dtype=bool)
        if self._history_names:
            if self.history is not None:
                hist, known = self.history.lookup(list(ids), self._history_names)
            else:
                hist = pd.DataFrame(np.nan, index=range(len(rows)), columns=self._history_names)
            for n in self._history_names:
                out[n] = hist[n].to_numpy()
        status: list[HistoryStatus] = ["known" if k else "none" for k in known]
        return out[self.schema.names], status

    def _one_row(
        self, values: Mapping[str, Any], client_id: int | None
    ) -> tuple[dict[str, Any], HistoryStatus]:
        """The model's feature vector of one validated record (no pandas: the online path)."""
        if self.schema.contract == "features":
            return {n: values.get(n) for n in self.schema.names}, "not_applicable"
        row = application_row({**values, ID_COLUMN: client_id})
        history: HistoryStatus = "none"
        hist_values: dict[str, Any] = {}
        if self._history_names and self.history is not None and client_id is not None:
            one = getattr(self.history, "lookup_one", None)
            if one is not None:  # a dictionary look-up, no frame
                found = one(client_id, self._history_names)
            else:
                frame, known = self.history.lookup([client_id], self._history_names)
                found = [frame[n].iloc[0] for n in self._history_names] if bool(known[0]) else None
            if found is not None:
                history = "known"
                hist_values = dict(zip(self._history_names, found, strict=True))
        hist = set(self._history_names)
        out = {n: (hist_values.get(n) if n in hist else row[n]) for n in self.schema.names}
        return {n: plain_value(v) for n, v in out.items()}, history

    def _matrix_row(self, features: Mapping[str, Any]) -> list[Any]:
        """One row of the model matrix, as :func:`to_model_frame` makes it (floats, category strings)."""
        cats = self._cat_set
        token = self.schema.missing_category
        out: list[Any] = []
        for n in self.schema.names:
            v = features.get(n)
            if n in cats:
                out.append(token if v is None else str(v))
            else:
                out.append(math.nan if v is None else float(v))
        return out

    # ------------------------------------------------------------------ one record
    def score(self, record: Any, *, explain: bool = True, top_k: int = 5) -> ScoringResult:
        """Validate, score and (by default) explain one record; raises RecordValidationError."""
        valid = validate_record(record, self.schema)
        features, history = self._one_row(valid.values, valid.client_id)
        row = [self._matrix_row(features)]
        p = float(self.bundle.model.predict_proba(row)[0, 1])  # a plain list: CatBoost's one-row floor
        shap = base = None
        default: list[Reason] = []
        repay: list[Reason] = []
        if explain:
            values, base = self._shap_of(row)
            shap = values[0]
            default, repay = self._reasons_of(features, shap, top_k, history)
        points = self.points.point(p)
        return ScoringResult(
            client_id=valid.client_id,
            probability=p,
            points_score=points,
            points_band=self.points.band(points),
            review_status=None if self.grey_zone is None else self.grey_zone.status(p),
            decision=str(decide(p, self.bundle.threshold)),  # type: ignore[arg-type]
            threshold=self.bundle.threshold,
            bundle_name=self.bundle.name,
            bundle_version=self.bundle.version,
            model_sha256=self._model_sha,
            history=history,
            warnings=tuple(valid.warnings),
            missing_fields=tuple(valid.missing),
            features=features,
            base_value=base,
            raw_score=None if shap is None else float(shap.sum() + (base or 0.0)),
            shap=shap,
            toward_default=tuple(default),
            toward_repayment=tuple(repay),
            _contributions=None if shap is None else (lambda: self._contributions(features, shap)),
        )

    # ------------------------------------------------------------------ many
    def score_records(self, records: Sequence[Any], *, explain: bool = False, top_k: int = 3) -> BatchScoring:
        """Validate JSON-like records one by one (strict types) and score the valid ones together.

        Rows are numbered from 1 in the order given; invalid records are reported, never dropped silently.
        """
        checked = check_records(records, self.schema)  # column-wise; validate_record judges the rest
        rows, ids, errors, warnings = checked.rows, checked.client_ids, checked.errors, list(checked.warnings)
        inputs = pd.DataFrame(checked.columns, columns=[s.name for s in self.schema.fields])
        warnings += DuplicateIds().warnings(rows, ids)
        warnings.sort(key=lambda w: w.row)
        features, history = (
            self.features_of(inputs, ids) if rows else (pd.DataFrame(columns=self.schema.names), [])
        )
        return self._batch(rows, ids, features, history, errors, warnings, len(records), explain, top_k)

    def score_frame(
        self, frame: pd.DataFrame, *, first_row: int = 1, explain: bool = False, top_k: int = 3,
        seen_ids: DuplicateIds | None = None,
    ) -> BatchScoring:  # fmt: skip
        """Validate a table of text cells row by row and score the valid rows (see validate_frame).

        A row whose client id an earlier row has (in this table, or in the earlier chunks of a file
        sharing ``seen_ids``) is scored with a warning."""
        checked = validate_frame(frame, self.schema, first_row=first_row)
        ids = list(checked.client_ids)
        twice = (seen_ids or DuplicateIds()).warnings(list(checked.features.index), ids)
        if twice:
            checked.warnings = sorted([*checked.warnings, *twice], key=lambda w: w.row)
        features, history = (
            self.features_of(checked.features, ids)
            if len(checked.features)
            else (pd.DataFrame(columns=self.schema.names), [])
        )
        batch = self._batch(
            list(checked.features.index), ids, features, history, checked.errors, checked.warnings,
            checked.n_rows, explain, top_k,
        )  # fmt: skip
        batch.ignored_columns = checked.ignored_columns
        batch.absent_columns = checked.absent_columns
        batch.target = checked.target.reset_index(drop=True) if checked.target is not None else None
        return batch

    def _batch(
        self, rows: list[int], ids: list[int | None], features: pd.DataFrame, history: list[HistoryStatus],
        errors: list[RowError], warnings: list[RowError], n_rows: int, explain: bool, top_k: int,
    ) -> BatchScoring:  # fmt: skip
        proba, shap, _ = self._predict(features, explain) if len(features) else (np.empty(0), None, None)
        results = pd.DataFrame(
            {
                "row": np.asarray(rows, dtype=int),
                ID_COLUMN: pd.Series(ids, dtype=object).to_numpy(),
                "probability": proba,
                "decision": decide(proba, self.bundle.threshold) if len(proba) else np.empty(0, dtype=str),
                "threshold": self.bundle.threshold,
                "history": pd.Series(history, dtype=object).to_numpy(),
            }
        )
        self._add_policy(results)
        reasons = None
        if explain:
            reasons = []
            if shap is not None:
                reasons = self._reasons_many(features, shap, top_k, history)
        return BatchScoring(
            results=results, errors=errors, warnings=warnings, ignored_columns=[], n_rows=n_rows,
            reasons=reasons, features=features.set_axis(rows[: len(features)]) if len(features) else features,
        )  # fmt: skip

    def _add_policy(self, results: pd.DataFrame) -> None:
        """The points, band and review status of each scored row (columns of the batch result)."""
        proba = results["probability"].to_numpy(dtype=float)
        points = self.points.points(proba)
        results["points_score"] = points
        results["points_band"] = pd.Series(self.points.bands_of(points), dtype=object).to_numpy()
        results["review_status"] = (
            np.full(len(proba), None, dtype=object)
            if self.grey_zone is None
            else self.grey_zone.statuses(proba).astype(object)
        )

    # ------------------------------------------------------------------ model
    def probabilities(self, features: pd.DataFrame) -> np.ndarray:
        """Probability of default of each row of model feature vectors (as :meth:`features_of` makes
        them, or the bundle's reference holds them); no validation, no explanation."""
        if not len(features):
            return np.empty(0)
        proba, _, _ = self._predict(features[self.schema.names], explain=False)
        return proba

    def _predict(
        self, features: pd.DataFrame, explain: bool
    ) -> tuple[np.ndarray, np.ndarray | None, float | None]:
        pool = Pool(to_model_frame(features, self.schema), cat_features=self.schema.categorical)
        proba = np.asarray(self.bundle.model.predict_proba(pool)[:, 1], dtype=float)
        if not explain:
            return proba, None, None
        shap, base = self._shap_of(pool)
        return proba, shap, base

    def _shap_of(self, data: Pool | list[list[Any]]) -> tuple[np.ndarray, float]:
        """Exact SHAP values (rows x features, log-odds) and the base value of model rows: the
        per-leaf tables when the model has them, CatBoost's ``ShapValues`` otherwise."""
        tables = self.leaf_shap()
        if tables is not None:
            # one row: one thread (CatBoost's thread pool costs more than the row: 0.7 ms vs 0.14 ms)
            threads = 1 if isinstance(data, list) and len(data) == 1 else -1
            leaves = self.bundle.model.calc_leaf_indexes(data, thread_count=threads)
            return tables.values(leaves), tables.expected_value
        pool = (
            data
            if isinstance(data, Pool)
            else Pool(data, cat_features=self._cat_idx, feature_names=self.schema.names)
        )
        out = np.asarray(self.bundle.model.get_feature_importance(pool, type="ShapValues"), dtype=float)
        return out[:, :-1], float(out[0, -1])

    def _reasons_of(
        self, values: Mapping[str, Any], shap_row: np.ndarray, top_k: int, history: HistoryStatus = "known"
    ) -> tuple[list[Reason], list[Reason]]:
        """The ``top_k`` factors toward default and toward repayment, by |SHAP| (ties: schema order).

        An unknown history is one fact, not ninety: its features' SHAP values add up to one reason."""
        names = self.schema.names
        if history == "none" and len(self._hist_idx):
            index = [*self._app_idx.tolist(), -1]
            shap = np.append(shap_row[self._app_idx], sum(shap_row[self._hist_idx].tolist()))
        else:
            index, shap = list(range(len(names))), shap_row
        up: list[Reason] = []
        down: list[Reason] = []
        for k in np.argsort(-np.abs(shap), kind="stable").tolist():
            contribution = float(shap[k])
            side = up if contribution > 0 else down if contribution < 0 else None
            if side is None or len(side) >= top_k:
                if len(up) >= top_k and len(down) >= top_k:
                    break
                continue
            direction: Direction = "default" if contribution > 0 else "repayment"
            if index[k] < 0:
                side.append(Reason(NO_HISTORY, None, contribution, direction, None))
                continue
            name = names[index[k]]
            value = plain_value(values[name])
            side.append(Reason(name, value, contribution, direction, self._percentile(name, value)))
        return up, down

    def _history_lump(self, shap: np.ndarray) -> np.ndarray:
        """Per row, the SHAP values of the history features added up from the first to the last, as
        :meth:`_reasons_of` adds them for one row (the same double)."""
        total = np.zeros(len(shap))
        for j in self._hist_idx.tolist():
            total += shap[:, j]
        return total

    def _reasons_many(
        self, features: pd.DataFrame, shap: np.ndarray, top_k: int, history: Sequence[HistoryStatus]
    ) -> list[tuple[tuple[Reason, ...], tuple[Reason, ...]]]:
        """:meth:`_reasons_of` for every row of a batch, the ranking done on the whole matrix."""
        names = self.schema.names
        lump = np.array([h == "none" for h in history], dtype=bool) & bool(len(self._hist_idx))
        # candidates: every feature, or (history unknown) the application features + one lump column
        k = len(names)
        cand = np.concatenate([shap, self._history_lump(shap)[:, None]], axis=1)
        hidden = np.zeros_like(cand, dtype=bool)
        hidden[np.ix_(lump, self._hist_idx)] = True
        hidden[~lump, k] = True
        ranked = np.where(hidden, 0.0, cand)
        order = np.argsort(-np.abs(ranked), axis=1, kind="stable")
        ordered = np.take_along_axis(ranked, order, axis=1)
        keep = np.zeros_like(ordered, dtype=bool)
        for sign in (ordered > 0, ordered < 0):
            keep |= sign & (np.cumsum(sign, axis=1) <= top_k)
        rows, slots = np.nonzero(keep)  # row-major: each row's reasons in rank order
        cols = order[rows, slots]
        values: list[Any] = [None] * len(rows)
        pct: list[float | None] = [None] * len(rows)
        for j in np.unique(cols[cols < k]).tolist():  # one column at a time: its cells, its percentiles
            at = np.nonzero(cols == j)[0]
            cells = [plain_value(v) for v in features.iloc[:, j].to_numpy(dtype=object)[rows[at]]]
            for i, v, p in zip(at.tolist(), cells, self.explainer.percentiles(names[j], cells), strict=True):
                values[i] = v
                pct[i] = None if p is None or math.isnan(p) else float(p)
        out: list[tuple[list[Reason], list[Reason]]] = [([], []) for _ in range(len(shap))]
        for i, (r, c) in enumerate(zip(rows.tolist(), cols.tolist(), strict=True)):
            contribution = float(ranked[r, c])
            up = contribution > 0
            reason = (
                Reason(NO_HISTORY, None, contribution, "default" if up else "repayment", None)
                if c == k
                else Reason(names[c], values[i], contribution, "default" if up else "repayment", pct[i])
            )
            out[r][0 if up else 1].append(reason)
        return [(tuple(d), tuple(u)) for d, u in out]

    def _percentile(self, name: str, value: Any) -> float | None:
        pct = self.explainer.percentile(name, value)
        return None if pct is None or math.isnan(pct) else float(pct)

    def _contributions(self, values: Mapping[str, Any], shap_row: np.ndarray) -> pd.DataFrame:
        names = self.schema.names
        vals = [plain_value(values[n]) for n in names]
        frame = pd.DataFrame(
            {
                "feature": names,
                "value": pd.Series(vals, dtype=object),
                "shap": shap_row,
                "percentile": [self.explainer.percentile(n, v) for n, v in zip(names, vals, strict=True)],
            }
        )
        order = np.argsort(-np.abs(shap_row), kind="stable")
        return frame.iloc[order].reset_index(drop=True)


def _policy(
    bundle: Bundle, points: PointsScale | None, grey_zone: GreyZone | None
) -> tuple[PointsScale, GreyZone | None]:
    """The points scale and the grey zone of a service: as given, else from the settings."""
    if points is not None and grey_zone is not _CONFIGURED:
        return points, grey_zone
    settings = get_settings()
    try:
        scale = points or PointsScale(
            base_points=settings.POINTS_BASE, base_odds=settings.POINTS_BASE_ODDS, pdo=settings.POINTS_PDO
        )
        zone = (
            grey_zone_of(bundle, band=settings.REVIEW_BAND, review_cost=settings.REVIEW_COST)
            if grey_zone is _CONFIGURED
            else grey_zone
        )
    except ValueError as exc:
        raise ConfigError(f"Invalid configuration: {exc}") from None
    return scale, zone


def json_value(value: Any) -> Any:
    """A value JSON can carry: numpy scalars unwrapped; NaN, infinities and pandas NA as null."""
    value = plain_value(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _overrides(frame: pd.DataFrame) -> dict[str, pl.DataType]:
    return {c: CANONICAL[c] for c in frame.columns if c in CANONICAL}


def plain_value(value: Any) -> Any:
    """A Python value: numpy scalars unwrapped, NaN and pandas NA as None."""
    if value is None or value is pd.NA:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value
