"""Population statistics and global explanations of a bundle: percentiles, global SHAP, dependence.

Local explanations (one client) are computed by the scoring service in the same call as the score.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from core.serving.bundle import Bundle
from core.serving.global_shap import GLOBAL_SHAP_ROWS, reference_sample, shap_array, stored_shap
from core.serving.schema import ID_COLUMN

if TYPE_CHECKING:
    import shap

__all__ = ["GLOBAL_SHAP_ROWS", "Explainer", "ShapMatrix", "importance_of", "shap_explanation", "shap_values"]


def importance_of(shap: ShapMatrix) -> pd.DataFrame:
    """Mean |SHAP| per feature: feature, mean_abs_shap, rank (1 = most important)."""
    imp = pd.DataFrame({"feature": shap.feature_names, "mean_abs_shap": np.abs(shap.values).mean(axis=0)})
    imp = imp.sort_values("mean_abs_shap", ascending=False, kind="stable").reset_index(drop=True)
    imp["rank"] = np.arange(1, len(imp) + 1)
    return imp


@dataclass(frozen=True)
class ShapMatrix:
    """SHAP values in log-odds: ``values.sum(axis=1) + base_value == raw`` for every row."""

    values: np.ndarray  # n x k
    base_value: float
    raw: np.ndarray  # model raw prediction (log-odds of default)
    feature_names: list[str]

    def to_explanation(self, data: pd.DataFrame | None = None) -> shap.Explanation:
        """These values as a ``shap.Explanation``, for shap's plots in an analyst's notebook.

        Parameters
        ----------
        data
            The feature rows the values explain (shown by ``shap.plots.waterfall``, ``beeswarm``...).

        Returns
        -------
        shap.Explanation
            ``values`` (n x k, log-odds), ``base_values`` (n), ``data`` and ``feature_names``.
        """
        import shap  # here: slow to import, and only notebooks need it

        return shap.Explanation(
            values=self.values,
            base_values=np.full(len(self.values), self.base_value),
            data=None if data is None else data[self.feature_names].to_numpy(dtype=object),
            feature_names=list(self.feature_names),
        )


def shap_explanation(bundle: Bundle, features: pd.DataFrame) -> shap.Explanation:
    """The bundle's exact SHAP values (log-odds of default) of feature rows, as a ``shap.Explanation``.

    For notebooks: ``shap.plots.waterfall(shap_explanation(bundle, rows)[0])``; ``features`` are
    model features, as in ``bundle.reference``.
    """
    return shap_values(bundle, features).to_explanation(features)


def shap_values(bundle: Bundle, features: pd.DataFrame) -> ShapMatrix:
    """Exact SHAP values (CatBoost TreeSHAP, log-odds) for each row of validated features."""
    values, base = shap_array(bundle.model, bundle.schema, features)
    return ShapMatrix(
        values=values, base_value=base, raw=values.sum(axis=1) + base, feature_names=list(bundle.schema.names)
    )


class Explainer:
    """Explanations for one bundle; reference statistics and global SHAP computed once, thread-safe."""

    def __init__(self, bundle: Bundle) -> None:
        self.bundle = bundle
        self._lock = threading.Lock()
        self._global: ShapMatrix | None = None
        self._global_rows: pd.DataFrame | None = None
        self._sorted: dict[str, np.ndarray] = {}
        self._shares: dict[str, dict[Any, float]] = {}  # category or flag value -> % of the reference
        self._kinds = {spec.name: spec.kind for spec in bundle.schema.features}
        ref = bundle.reference
        if ref is not None:
            for spec in bundle.schema.features:
                col = ref[spec.name]
                if spec.kind == "categorical":
                    self._shares[spec.name] = (col.astype(str).value_counts() / len(col) * 100).to_dict()
                    continue
                values = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)
                self._sorted[spec.name] = np.sort(values[np.isfinite(values)])
                if spec.kind == "boolean":
                    self._shares[spec.name] = (pd.Series(values).value_counts() / len(col) * 100).to_dict()

    # ---------------------------------------------------------------- population
    def percentile(self, feature: str, value: Any) -> float | None:
        """Percentage of reference clients with a lower value (numeric) or the same category."""
        ref = self.bundle.reference
        if ref is None or value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        if isinstance(value, str) or self._kinds.get(feature) == "boolean":
            shares = self._shares.get(feature, {})
            return float(shares.get(value if isinstance(value, str) else float(value), 0.0))
        arr = self._sorted.get(feature)
        if arr is None or arr.size == 0:
            return None
        below = np.searchsorted(arr, value, side="left")
        equal = np.searchsorted(arr, value, side="right") - below
        return float((below + equal / 2) / arr.size * 100)

    def percentiles(self, feature: str, values: Sequence[Any]) -> list[float | None]:
        """:meth:`percentile` of many values of one feature (one ``searchsorted`` for numbers)."""
        arr = self._sorted.get(feature)
        numeric = self._kinds.get(feature) == "numeric" and arr is not None and arr.size > 0
        if self.bundle.reference is None or not numeric or any(isinstance(v, str) for v in values):
            return [self.percentile(feature, v) for v in values]
        assert arr is not None
        x = np.array([np.nan if v is None else float(v) for v in values], dtype=float)
        below = np.searchsorted(arr, x, side="left")
        equal = np.searchsorted(arr, x, side="right") - below
        out = (below + equal / 2) / arr.size * 100
        return [None if math.isnan(v) else float(p) for v, p in zip(x.tolist(), out.tolist(), strict=True)]

    # ---------------------------------------------------------------- global
    def global_shap(self) -> tuple[ShapMatrix, pd.DataFrame]:
        """SHAP matrix over (up to GLOBAL_SHAP_ROWS of) the reference sample and those rows, once.

        Read from the bundle when it carries them (computed at export, checked against the model's raw
        predictions), else computed here.
        """
        bundle = self.bundle
        if bundle.reference is None:
            raise ValueError("this bundle has no reference data, so global SHAP is unavailable.")
        with self._lock:
            if self._global is None:
                names = list(bundle.schema.names)
                stored = (
                    None
                    if bundle.global_shap is None
                    else stored_shap(bundle.global_shap, bundle.model, bundle.schema, bundle.reference)
                )
                if stored is not None:
                    values, base, rows = stored
                    self._global = ShapMatrix(values, base, values.sum(axis=1) + base, names)
                else:
                    rows = reference_sample(bundle.reference)
                    self._global = shap_values(bundle, rows[names])
                self._global_rows = rows
        assert self._global_rows is not None
        return self._global, self._global_rows

    def global_importance(self) -> pd.DataFrame:
        """Mean |SHAP| per feature over the reference sample: feature, mean_abs_shap, rank."""
        shap, _ = self.global_shap()
        return importance_of(shap)

    def population_shap(self, features: pd.DataFrame) -> ShapMatrix:
        """SHAP matrix over a population the caller brings (e.g. uploaded clients of a legacy bundle
        without reference data), at most GLOBAL_SHAP_ROWS rows (a seeded sample beyond)."""
        rows = (
            features.sample(n=GLOBAL_SHAP_ROWS, random_state=0)
            if len(features) > GLOBAL_SHAP_ROWS
            else features
        )
        return shap_values(self.bundle, rows[self.bundle.schema.names])

    def dependence(self, feature: str) -> pd.DataFrame:
        """Per-client value and SHAP of ``feature`` over the reference sample (dependence plot data)."""
        shap, rows = self.global_shap()
        j = shap.feature_names.index(feature)
        return pd.DataFrame(
            {
                ID_COLUMN: rows[ID_COLUMN].to_numpy(),
                "value": rows[feature].to_numpy(),
                "shap": shap.values[:, j],
            }
        )
