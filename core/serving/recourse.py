"""Recourse: the few small, plausible changes a refused client can make that the model would accept.

The search acts only on fields the registry marks "the client can act on it" and that are amounts —
the credit amount, the annuity and the price of the goods financed (``NAME_CONTRACT_TYPE`` is
actionable too, but changing it is another product, not a small change); never age, gender,
family or credit history. Candidates are a grid of round amounts per *family* of changed fields
(credit alone, annuity alone, credit and annuity, credit and goods price, all three), filtered by
the plausibility rules of :class:`Plausibility` (learnt from the bundle's reference clients), their
derived features recomputed by the application-feature code
(:func:`core.features.application.application_features`, the batch path of training) and scored
together by the real model in one call; the nearest accepted candidate of each family is refined on
a finer grid, and the up to three nearest families are kept (a family is dropped when a family
changing a subset of its fields is as near). Each option offered is scored again through the full
validated path (:meth:`ScoringService.score`) and kept only if it is ACCEPTED there.

Distance: the sum over the changed fields of |proposed - current| / current (a 10 % smaller credit
is 0.10; a 10 % smaller credit with a 5 % higher annuity is 0.15).
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
import polars as pl

from core.features.application import CANONICAL, DERIVED, application_features
from core.serving.presentation import Lang, format_value, label
from core.serving.schema import to_model_frame
from core.serving.service import ScoringService
from core.serving.validation import validate_record

CREDIT, ANNUITY, GOODS, INCOME = "AMT_CREDIT", "AMT_ANNUITY", "AMT_GOODS_PRICE", "AMT_INCOME_TOTAL"
AMOUNTS: tuple[str, ...] = (CREDIT, ANNUITY, GOODS)
#: the families of changed fields searched, nearest-first when distances tie (fewer fields first)
FAMILIES: tuple[tuple[str, ...], ...] = (
    (CREDIT,), (ANNUITY,), (CREDIT, ANNUITY), (CREDIT, GOODS), (CREDIT, ANNUITY, GOODS),
)  # fmt: skip
#: largest relative change searched per field: a credit or a price halved at most, an annuity ±50 %
MAX_DECREASE = 0.5
MAX_ANNUITY_CHANGE = 0.5
#: share of reference clients left out at each end of a plausible range (0.5 % each side)
TAIL = 0.005
MAX_OPTIONS = 3
#: how far under the threshold an option must bring the probability (probability points): an option
#: landing at 7.99 % against 8.00 % would turn into a refusal with the next rounding of an amount
MARGIN = 0.005
#: points per changed field of the coarse grid and of the refinement around its optimum (by family size)
COARSE = {1: 40, 2: 20, 3: 12}
FINE = {1: 11, 2: 7, 3: 5}
Status = Literal["found", "none", "not_refused", "not_applicable"]


@dataclass(frozen=True)
class Plausibility:
    """What a plausible application looks like, as the bundle's reference clients show it.

    ``term`` is ``AMT_CREDIT / AMT_ANNUITY`` (the number of annuities the credit amounts to; the
    application table has no term); ``goods_share`` is ``AMT_GOODS_PRICE / AMT_CREDIT`` (the data
    never shows goods dearer than the credit); ``effort`` is ``AMT_ANNUITY / AMT_INCOME_TOTAL``.
    Each range holds 99 % of the reference clients (0.5 % left out at each end); a client's own
    current value is always plausible, so that a change never has to repair what it does not touch.
    """

    term: tuple[float, float]
    goods_share: tuple[float, float]
    max_effort: float
    amounts: Mapping[str, tuple[float, float]]  # field -> [lo, hi]: registry bounds within training's

    @classmethod
    def of(cls, service: ScoringService) -> Plausibility:
        """The rules of the service's bundle (its reference sample; the schema's ranges without one)."""
        schema = service.schema
        amounts: dict[str, tuple[float, float]] = {}
        for name in AMOUNTS:
            try:
                spec = schema.get(name)
            except KeyError:
                continue
            lo = max(_num(spec.domain_min, 0.0), _num(spec.min, 0.0), _num(spec.info and spec.info.lo, 0.0))
            hi = min(_num(spec.domain_max, math.inf), _num(spec.max, math.inf),
                     _num(spec.info and spec.info.hi, math.inf))  # fmt: skip
            amounts[name] = (lo, hi)
        ref = service.bundle.reference
        if ref is not None and {CREDIT, ANNUITY, GOODS, INCOME} <= set(ref.columns):
            c, a, g, i = (
                pd.to_numeric(ref[n], errors="coerce").to_numpy(dtype=float)
                for n in (CREDIT, ANNUITY, GOODS, INCOME)
            )
            with np.errstate(divide="ignore", invalid="ignore"):
                term, share, effort = c / a, g / c, a / i
            return cls(
                term=_range(term), goods_share=(_range(share)[0], float(np.nanmax(share[np.isfinite(share)]))),
                max_effort=_range(effort)[1], amounts=amounts,
            )  # fmt: skip
        return cls(term=_range_of(schema, "CREDIT_TERM_RATIO", inverse=True),
                   goods_share=_range_of(schema, "GOODS_CREDIT_RATIO"),
                   max_effort=_range_of(schema, "ANNUITY_INCOME_RATIO")[1], amounts=amounts)  # fmt: skip

    def mask(self, c: np.ndarray, a: np.ndarray, g: np.ndarray, income: float | None,
             current: Mapping[str, float | None]) -> np.ndarray:  # fmt: skip
        """Which candidates (credit ``c``, annuity ``a``, goods price ``g``; NaN = not given) are plausible."""
        ok = np.ones(len(c), dtype=bool)
        for name, values in ((CREDIT, c), (ANNUITY, a), (GOODS, g)):
            lo, hi = self.amounts.get(name, (0.0, math.inf))
            cur = current.get(name)
            if cur is not None:  # the client's own value is within its bounds by definition
                lo, hi = min(lo, cur), max(hi, cur)
            ok &= np.isnan(values) | ((values > 0) & (values >= lo) & (values <= hi))
        with np.errstate(divide="ignore", invalid="ignore"):
            term, share = c / a, g / c
        ok &= _within(term, self.term, _ratio(current, CREDIT, ANNUITY))
        ok &= np.isnan(share) | _within(share, self.goods_share, _ratio(current, GOODS, CREDIT))
        if income:
            cur_effort = _ratio(current, ANNUITY, INCOME)
            ok &= a / income <= max(self.max_effort, cur_effort if cur_effort is not None else 0.0)
        return ok


@dataclass(frozen=True)
class Change:
    """One field changed: its current and proposed values."""

    field: str
    current: float
    proposed: float

    @property
    def relative(self) -> float:
        """(proposed - current) / current."""
        return (self.proposed - self.current) / self.current


@dataclass(frozen=True)
class RecourseOption:
    """A set of changes the model accepts: the probability of default it gives, its distance."""

    changes: tuple[Change, ...]
    probability: float
    distance: float
    term: float | None  # AMT_CREDIT / AMT_ANNUITY after the changes

    @property
    def fields(self) -> tuple[str, ...]:
        """The fields it changes."""
        return tuple(c.field for c in self.changes)

    def record(self) -> dict[str, Any]:
        """The option as JSON-ready data (the decision log, the contract)."""
        return {
            "changes": [
                {"field": c.field, "current": c.current, "proposed": c.proposed} for c in self.changes
            ],
            "probability": self.probability,
            "distance": round(self.distance, 6),
            "term": None if self.term is None else round(self.term, 4),
        }


@dataclass(frozen=True)
class Recourse:
    """What the search found for one application."""

    status: Status
    options: tuple[RecourseOption, ...]
    probability: float
    threshold: float
    candidates: int
    elapsed_ms: float
    rules: Plausibility | None = None

    def records(self) -> list[dict[str, Any]]:
        """The options as JSON-ready data."""
        return [o.record() for o in self.options]


class RecourseFinder:
    """The recourse search of one scoring service (thread-safe: it holds only read-only rules)."""

    def __init__(self, service: ScoringService, *, margin: float = MARGIN) -> None:
        if not 0 <= margin < 1:
            raise ValueError(f"recourse margin: {margin} is not a probability in [0, 1)")
        self.service = service
        self.margin = margin
        schema = service.schema
        self.applicable = schema.contract == "application"
        actionable = {
            s.name for s in schema.inputs if s.info is not None and s.info.actionable and s.kind == "numeric"
        }
        self.fields = tuple(n for n in AMOUNTS if n in actionable)
        self.families = tuple(f for f in FAMILIES if set(f) <= set(self.fields))
        self.rules = Plausibility.of(service) if self.applicable else None
        touched = set(AMOUNTS)
        self._derived = [d for d in DERIVED if touched & set(d.inputs) and d.name in set(schema.names)]
        self._inputs = sorted({i for d in self._derived for i in d.inputs} | touched)
        self._direct = [n for n in AMOUNTS if n in set(schema.names)]

    def find(self, record: Any, *, max_options: int = MAX_OPTIONS) -> Recourse:
        """Up to ``max_options`` recourse options for ``record`` (raises RecordValidationError)."""
        started = time.perf_counter()
        service = self.service
        base = service.score(record, explain=False)
        th = base.threshold

        def done(status: Status, options: tuple[RecourseOption, ...] = (), n: int = 0) -> Recourse:
            ms = (time.perf_counter() - started) * 1000
            return Recourse(status, options, base.probability, th, n, ms, self.rules)

        if not self.applicable or self.rules is None or not self.families:
            return done("not_applicable")
        if base.decision != "REFUSED":
            return done("not_refused")
        valid = validate_record(record, service.schema)
        current = {n: _float(valid.values.get(n)) for n in (*AMOUNTS, INCOME)}
        if current[CREDIT] is None or current[ANNUITY] is None:
            return done("none")
        base_row = to_model_frame(pd.DataFrame([base.features]), service.schema)
        families = [f for f in self.families if all(current[n] is not None for n in f)]
        coarse = {f: self._grid(f, current, fine=None) for f in families}
        target = th - self.margin  # an option's probability must stay below this
        found, n = self._nearest(coarse, current, valid.values, base_row, target)
        fine = {f: self._grid(f, current, fine=found[f][1]) for f in found}
        refined, m = self._nearest(fine, current, valid.values, base_row, target)
        best = {f: refined[f] if f in refined and refined[f][0] < found[f][0] else found[f] for f in found}
        options = self._options(best, current, record, max_options, target)
        return done("found" if options else "none", options, n + m)

    # ------------------------------------------------------------------ candidates
    def _grid(self, family: tuple[str, ...], current: Mapping[str, float | None],
              fine: np.ndarray | None) -> np.ndarray:  # fmt: skip
        """Candidates (rows of credit, annuity, goods price) changing exactly the fields of ``family``."""
        axes = []
        for name in AMOUNTS:
            cur = current[name]
            if name not in family or cur is None:
                axes.append(np.array([math.nan if cur is None else cur]))
                continue
            lo, hi = (-MAX_ANNUITY_CHANGE, MAX_ANNUITY_CHANGE) if name == ANNUITY else (-MAX_DECREASE, 0.0)
            k = COARSE[len(family)]
            if fine is None:
                rel = np.linspace(lo, hi, k + 1)
            else:  # around the coarse optimum, one coarse step each side, finer
                at = (fine[AMOUNTS.index(name)] - cur) / cur
                step = (hi - lo) / k
                rel = np.clip(np.linspace(at - step, at + step, FINE[len(family)]), lo, hi)
            values = np.unique(_round(cur * (1 + rel), name))
            axes.append(values[values != _round(np.array([cur]), name)[0]])
        if any(len(a) == 0 for a in axes):
            return np.empty((0, 3))
        return np.array(list(itertools.product(*axes)), dtype=float)

    def _nearest(
        self, grids: Mapping[tuple[str, ...], np.ndarray], current: Mapping[str, float | None],
        values: Mapping[str, Any], base_row: pd.DataFrame, below: float,
    ) -> tuple[dict[tuple[str, ...], tuple[float, np.ndarray, float]], int]:  # fmt: skip
        """Per family, the nearest candidate scored under ``below`` of its grid (distance, amounts, probability), all
        families scored in one call of the model; and the number of candidates scored."""
        assert self.rules is not None
        kept = {}
        for family, grid in grids.items():
            if len(grid):
                grid = grid[self.rules.mask(grid[:, 0], grid[:, 1], grid[:, 2], current[INCOME], current)]
            if len(grid):
                kept[family] = grid
        if not kept:
            return {}, 0
        every = np.concatenate(list(kept.values()))
        proba = self.service.probabilities(self._features(every, values, base_row))
        out: dict[tuple[str, ...], tuple[float, np.ndarray, float]] = {}
        start = 0
        for family, grid in kept.items():
            p = proba[start : start + len(grid)]
            start += len(grid)
            accepted = np.flatnonzero(p < below)
            if len(accepted):
                dist = _distance(grid[accepted], current, family)
                i = int(np.argmin(dist))
                out[family] = (float(dist[i]), grid[accepted[i]], float(p[accepted[i]]))
        return out, len(every)

    def _features(self, grid: np.ndarray, values: Mapping[str, Any], base_row: pd.DataFrame) -> pd.DataFrame:
        """The model's feature vectors of the candidates: the client's own row (``base_row``, a model
        frame), with the amounts and the derived features that read them recomputed by the training
        code (:func:`application_features`); history unchanged."""
        n = len(grid)
        columns: dict[str, Any] = {}
        for name in self._inputs:
            if name in AMOUNTS:
                columns[name] = pl.Series(name, grid[:, AMOUNTS.index(name)], dtype=pl.Float64).fill_nan(None)
            else:
                columns[name] = pl.repeat(values.get(name), n, dtype=CANONICAL[name], eager=True)
        app = application_features(pl.DataFrame(columns)).collect(engine="in-memory")
        frame = base_row.iloc[np.zeros(n, dtype=np.int64)].reset_index(drop=True)
        for name in [*self._direct, *(d.name for d in self._derived)]:
            frame[name] = app[name].to_numpy().astype(float)
        return frame

    # ------------------------------------------------------------------ options
    def _options(
        self, best: Mapping[tuple[str, ...], tuple[float, np.ndarray, float]],
        current: Mapping[str, float | None], record: Any, max_options: int, target: float,
    ) -> tuple[RecourseOption, ...]:  # fmt: skip
        """The nearest families (one option each; none dominated by a subset family), each checked again
        through the full validated scoring path: accepted, with a probability below ``target``."""
        order = sorted(best, key=lambda f: (best[f][0], len(f)))
        kept: list[RecourseOption] = []
        for family in order:
            dist, amounts, _ = best[family]
            if any(set(o.fields) < set(family) and o.distance <= dist for o in kept):
                continue
            changes = tuple(
                Change(name, float(current[name]), float(amounts[AMOUNTS.index(name)]))  # type: ignore[arg-type]
                for name in AMOUNTS
                if name in family
            )
            check = self.service.score(apply(record, changes), explain=False)
            if check.decision != "ACCEPTED" or not check.probability < target:
                continue
            c, a = amounts[0], amounts[1]
            kept.append(RecourseOption(changes, check.probability, dist, float(c / a) if a else None))
            if len(kept) == max_options:
                break
        return tuple(kept)


def apply(record: Any, changes: Sequence[Change]) -> dict[str, Any]:
    """``record`` with the proposed values of ``changes`` (the client id and other fields as they are)."""
    out = dict(record)
    for c in changes:
        out[c.field] = c.proposed
    return out


# ---------------------------------------------------------------------- sentences
_PHRASES = {
    ("fr", CREDIT): "un crédit de {new} au lieu de {old}",
    ("en", CREDIT): "a credit of {new} instead of {old}",
    ("fr", ANNUITY): "une échéance de {new} au lieu de {old}",
    ("en", ANNUITY): "an annuity of {new} instead of {old}",
    ("fr", GOODS): "un bien financé de {new} au lieu de {old}",
    ("en", GOODS): "goods priced {new} instead of {old}",
}


def option_sentence(
    changes: Sequence[Mapping[str, Any] | Change], lang: Lang = "fr", schema: Any = None
) -> str:
    """One option in a sentence: "With a credit of 380,000 € instead of 450,000 € and ..., the application
    would be accepted." (``changes``: :class:`Change` objects or their logged dicts)."""
    parts = []
    for c in changes:
        name, old, new = (
            (c.field, c.current, c.proposed)
            if isinstance(c, Change)
            else (c["field"], c["current"], c["proposed"])
        )
        old_s, new_s = format_value(name, old, lang, schema), format_value(name, new, lang, schema)
        phrase = _PHRASES.get((lang, name))
        if phrase is None:
            sep = " : " if lang == "fr" else ": "
            phrase = (
                label(name, lang, schema)
                + sep
                + ("{new} au lieu de {old}" if lang == "fr" else "{new} instead of {old}")
            )
        parts.append(phrase.format(new=new_s, old=old_s))
    joined = (
        parts[0]
        if len(parts) == 1
        else ", ".join(parts[:-1]) + (" et " if lang == "fr" else " and ") + parts[-1]
    )
    if lang == "fr":
        return f"Avec {joined}, la demande serait acceptée."
    return f"With {joined}, the application would be accepted."


def none_sentence(lang: Lang = "fr") -> str:
    """The plain statement when no change within the bounds turns the decision."""
    if lang == "fr":
        return (
            "Aucune modification du montant du crédit (jusqu'à −50 %), de l'échéance (±50 %) ou du prix "
            "du bien, dans les limites plausibles observées chez nos clients, ne suffit à faire accepter "
            "cette demande."
        )
    return (
        "No change of the credit amount (down to −50%), the annuity (±50%) or the goods price, within "
        "the plausible limits seen among our clients, is enough for this application to be accepted."
    )


# ---------------------------------------------------------------------- helpers
def _distance(grid: np.ndarray, current: Mapping[str, float | None], family: tuple[str, ...]) -> np.ndarray:
    total = np.zeros(len(grid))
    for name in family:
        cur = float(current[name])  # type: ignore[arg-type]
        total += np.abs(grid[:, AMOUNTS.index(name)] - cur) / cur
    return total


def _round(values: np.ndarray, name: str) -> np.ndarray:
    """Amounts a person would propose: credit and price to the thousand, annuity to the hundred
    (ten below 5 000)."""
    step = (
        np.where(values >= 5000, 100.0, 10.0) if name == ANNUITY else np.where(values >= 20000, 1000.0, 100.0)
    )
    return np.asarray(np.round(values / step) * step, dtype=float)


def _within(x: np.ndarray, bounds: tuple[float, float], current: float | None) -> np.ndarray:
    lo, hi = bounds
    if current is not None and math.isfinite(current):
        lo, hi = min(lo, current), max(hi, current)
    return np.asarray((x >= lo) & (x <= hi), dtype=bool)


def _ratio(current: Mapping[str, float | None], num: str, den: str) -> float | None:
    n, d = current.get(num), current.get(den)
    return None if n is None or not d else n / d


def _range(x: np.ndarray) -> tuple[float, float]:
    x = x[np.isfinite(x)]
    if not len(x):
        return (0.0, math.inf)
    lo, hi = np.quantile(x, [TAIL, 1 - TAIL])
    return float(lo), float(hi)


def _range_of(schema: Any, name: str, *, inverse: bool = False) -> tuple[float, float]:
    try:
        spec = schema.get(name)
    except KeyError:
        return (0.0, math.inf)
    lo, hi = _num(spec.min, 0.0), _num(spec.max, math.inf)
    if inverse:
        return (1 / hi if hi and math.isfinite(hi) else 0.0, 1 / lo if lo else math.inf)
    return lo, hi


def _num(x: Any, default: float) -> float:
    return default if x is None else float(x)


def _float(x: Any) -> float | None:
    return None if x is None or isinstance(x, str) else float(x)


__all__ = [
    "Change",
    "Plausibility",
    "Recourse",
    "RecourseFinder",
    "RecourseOption",
    "apply",
    "none_sentence",
    "option_sentence",
]
