"""SHAP explanations from CatBoost's own exact TreeSHAP, reason codes, global importance."""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from core.serving.bundle import Bundle
from core.serving.presentation import YEAR_FIELDS, format_value, label
from core.serving.schema import ID_COLUMN
from core.serving.scoring import ScoreResult, decide, model_pool
from core.serving.validation import validate_record

Direction = Literal["default", "repayment"]
#: Reference rows used for global SHAP (exact TreeSHAP is ~0.1 ms/row in batches).
GLOBAL_SHAP_ROWS = 5000


@dataclass(frozen=True)
class ShapMatrix:
    """SHAP values in log-odds: ``values.sum(axis=1) + base_value == raw`` for every row."""

    values: np.ndarray  # n x k
    base_value: float
    raw: np.ndarray  # model raw prediction (log-odds of default)
    feature_names: list[str]


def shap_values(bundle: Bundle, features: pd.DataFrame) -> ShapMatrix:
    """Exact SHAP values (CatBoost TreeSHAP, log-odds) for each row of validated features."""
    pool = model_pool(bundle, features)
    out = np.asarray(bundle.model.get_feature_importance(pool, type="ShapValues"), dtype=float)
    values, base = out[:, :-1], float(out[0, -1])
    return ShapMatrix(
        values=values, base_value=base, raw=values.sum(axis=1) + base, feature_names=list(bundle.schema.names)
    )


@dataclass(frozen=True)
class ReasonCode:
    """One factor of a decision, in plain language."""

    feature: str
    value: Any
    contribution: float  # log-odds; > 0 pushes toward default
    direction: Direction
    percentile: float | None  # share (0-100) of the reference population below the value
    text_fr: str
    text_en: str

    def text(self, lang: str = "fr") -> str:
        """The sentence in ``lang``."""
        return self.text_fr if lang == "fr" else self.text_en


@dataclass(frozen=True)
class LocalExplanation:
    """A client's score with its full SHAP explanation and reason codes."""

    score: ScoreResult
    base_value: float
    raw_prediction: float
    contributions: pd.DataFrame  # feature, value, shap, percentile — sorted by |shap| desc
    toward_default: list[ReasonCode]
    toward_repayment: list[ReasonCode]


class Explainer:
    """Explanations for one bundle; reference statistics and global SHAP computed once, thread-safe."""

    def __init__(self, bundle: Bundle) -> None:
        self.bundle = bundle
        self._lock = threading.Lock()
        self._global: ShapMatrix | None = None
        self._global_rows: pd.DataFrame | None = None
        self._sorted: dict[str, np.ndarray] = {}
        ref = bundle.reference
        if ref is not None:
            for spec in bundle.schema.features:
                if spec.kind != "categorical":
                    col = pd.to_numeric(ref[spec.name], errors="coerce").to_numpy(dtype=float)
                    self._sorted[spec.name] = np.sort(col[np.isfinite(col)])

    # ---------------------------------------------------------------- population
    def percentile(self, feature: str, value: Any) -> float | None:
        """Percentage of reference clients with a lower value (numeric) or the same category."""
        ref = self.bundle.reference
        if ref is None or value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        if isinstance(value, str) or self.bundle.schema.get(feature).kind == "boolean":
            col = ref[feature]
            same = (
                col.astype(str) == value
                if isinstance(value, str)
                else pd.to_numeric(col, errors="coerce") == value
            )
            return float(same.mean() * 100)
        arr = self._sorted.get(feature)
        if arr is None or arr.size == 0:
            return None
        below = np.searchsorted(arr, value, side="left")
        equal = np.searchsorted(arr, value, side="right") - below
        return float((below + equal / 2) / arr.size * 100)

    # ---------------------------------------------------------------- local
    def explain_record(self, record: Mapping[str, Any], *, top_k: int = 5) -> LocalExplanation:
        """Validate, score and explain one client (raises RecordValidationError on bad input)."""
        valid = validate_record(record, self.bundle.schema)
        features = pd.DataFrame([valid.values])
        shap = shap_values(self.bundle, features)
        proba = float(1 / (1 + math.exp(-shap.raw[0])))
        score = ScoreResult(
            probability=proba,
            decision=str(decide(proba, self.bundle.threshold)),  # type: ignore[arg-type]
            threshold=self.bundle.threshold,
            model_version=self.bundle.version,
            client_id=valid.client_id,
            warnings=tuple(valid.warnings),
        )
        contributions = self._contributions(valid.values, shap.values[0])
        default, repay = self._reasons(contributions, top_k)
        return LocalExplanation(
            score=score,
            base_value=shap.base_value,
            raw_prediction=float(shap.raw[0]),
            contributions=contributions,
            toward_default=default,
            toward_repayment=repay,
        )

    def reasons_for_frame(
        self, features: pd.DataFrame, *, top_k: int = 3
    ) -> list[tuple[list[ReasonCode], list[ReasonCode]]]:
        """Reason codes (toward default, toward repayment) for each row of validated features."""
        if features.empty:
            return []
        shap = shap_values(self.bundle, features)
        records = features.to_dict(orient="records")
        return [
            self._reasons(self._contributions(rec, row), top_k)
            for rec, row in zip(records, shap.values, strict=True)
        ]

    def _contributions(self, values: Mapping[str, Any], shap_row: np.ndarray) -> pd.DataFrame:
        names = self.bundle.schema.names
        vals = [values[n] for n in names]
        frame = pd.DataFrame(
            {
                "feature": names,
                "value": pd.Series(vals, dtype=object),
                "shap": shap_row,
                "percentile": [self.percentile(n, v) for n, v in zip(names, vals, strict=True)],
            }
        )
        order = np.argsort(-np.abs(shap_row), kind="stable")
        return frame.iloc[order].reset_index(drop=True)

    def _reasons(self, contributions: pd.DataFrame, top_k: int) -> tuple[list[ReasonCode], list[ReasonCode]]:
        up = contributions[contributions["shap"] > 0].head(top_k)
        down = contributions[contributions["shap"] < 0].head(top_k)
        return [self._reason(r, "default") for r in up.itertuples()], [
            self._reason(r, "repayment") for r in down.itertuples()
        ]

    def _reason(self, row: Any, direction: Direction) -> ReasonCode:
        value = row.value
        if isinstance(value, float) and math.isnan(value):
            value = None
        pct = (
            None
            if row.percentile is None or (isinstance(row.percentile, float) and math.isnan(row.percentile))
            else float(row.percentile)
        )
        share = isinstance(value, str) or self.bundle.schema.get(row.feature).kind == "boolean"
        return ReasonCode(
            feature=row.feature,
            value=value,
            contribution=float(row.shap),
            direction=direction,
            percentile=pct,
            text_fr=_sentence(row.feature, value, pct, direction, "fr", share=share),
            text_en=_sentence(row.feature, value, pct, direction, "en", share=share),
        )

    # ---------------------------------------------------------------- global
    def global_shap(self) -> tuple[ShapMatrix, pd.DataFrame]:
        """SHAP matrix over (up to GLOBAL_SHAP_ROWS of) the reference sample, computed once."""
        if self.bundle.reference is None:
            raise ValueError("this bundle has no reference data, so global SHAP is unavailable.")
        with self._lock:
            if self._global is None:
                ref = self.bundle.reference
                rows = (
                    ref.sample(n=min(GLOBAL_SHAP_ROWS, len(ref)), random_state=0)
                    if len(ref) > GLOBAL_SHAP_ROWS
                    else ref
                )
                rows = rows.reset_index(drop=True)
                self._global = shap_values(self.bundle, rows[self.bundle.schema.names])
                self._global_rows = rows
        assert self._global_rows is not None
        return self._global, self._global_rows

    def global_importance(self) -> pd.DataFrame:
        """Mean |SHAP| per feature over the reference sample: feature, mean_abs_shap, rank."""
        shap, _ = self.global_shap()
        imp = pd.DataFrame({"feature": shap.feature_names, "mean_abs_shap": np.abs(shap.values).mean(axis=0)})
        imp = imp.sort_values("mean_abs_shap", ascending=False, kind="stable").reset_index(drop=True)
        imp["rank"] = np.arange(1, len(imp) + 1)
        return imp

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


def _sentence(
    feature: str,
    value: Any,
    pct: float | None,
    direction: Direction,
    lang: Literal["fr", "en"],
    *,
    share: bool,
) -> str:
    name = label(feature, lang)
    shown = format_value(feature, value, lang)
    effect = {
        ("fr", "default"): "augmente le risque de défaut",
        ("fr", "repayment"): "réduit le risque de défaut",
        ("en", "default"): "raises the risk of default",
        ("en", "repayment"): "lowers the risk of default",
    }[(lang, direction)]
    where = ""
    if pct is not None and value is not None:
        if share:
            where = f" (comme {pct:.0f} % des clients)" if lang == "fr" else f" (like {pct:.0f}% of clients)"
        else:
            higher = pct >= 50
            part = min(pct if higher else 100 - pct, 99.0)  # never "higher than 100 % of clients"
            if feature in YEAR_FIELDS:  # days are negative: more days back = older / longer
                higher = not higher
            if lang == "fr":
                where = f" ({'supérieur' if higher else 'inférieur'} à {part:.0f} % des clients)"
            else:
                where = f" ({'higher' if higher else 'lower'} than {part:.0f}% of clients)"
    sep = " : " if lang == "fr" else ": "
    return f"{name}{sep}{shown}{where} — {effect}"
