"""Population stability index (PSI) of one feature between a reference and a current population.

PSI = Σ over bins of (cur% − ref%) · ln(cur% / ref%), with the shares as fractions of each population.
Bins come from the reference only, so that a report compares every current population on the same
grid:

- numeric: the reference's quantiles (``bins`` of them, 10 by default) give the inner edges; equal
  edges are merged (a discrete or constant column gets fewer bins), the first and last bins are
  open-ended so that values outside the reference's range are counted, and each bin is closed on
  the right (``lower < x <= upper``), so tied values always fall together;
- categorical: one bin per category seen in the reference, plus ``(other)`` for categories the
  reference never had;
- both: missing values form their own bin, ``(missing)``: a feature that goes missing more often has
  drifted too.

An empty bin would make the logarithm infinite; each share is floored at :data:`SHARE_FLOOR` (1e-4,
i.e. 0.01 %) before the sum. The floor is not renormalised: it only caps the contribution of a bin
that is empty on one side, and a bin empty on both sides contributes exactly 0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

Band = Literal["stable", "watch", "shift"]
FeatureKind = Literal["numeric", "categorical"]
Shares = Sequence[float] | np.ndarray

#: The usual reading of a PSI: below 0.1 the population is stable, above 0.25 it has shifted.
STABLE_BELOW = 0.1
SHIFT_ABOVE = 0.25
BANDS: tuple[Band, ...] = ("stable", "watch", "shift")
#: Floor on each bin's share before the logarithm (an empty bin would give an infinite PSI).
SHARE_FLOOR = 1e-4
DEFAULT_BINS = 10
OTHER_LABEL = "(other)"
MISSING_LABEL = "(missing)"


@dataclass(frozen=True)
class PSIBin:
    """One bin of a PSI table: the shares are fractions (0-1) of each population, unfloored."""

    label: str
    reference_count: int
    current_count: int
    reference_share: float
    current_share: float
    contribution: float  # this bin's term of the sum (with floored shares)
    lower: float | None = None  # numeric bins: exclusive lower edge, None when open-ended or not numeric
    upper: float | None = None  # numeric bins: inclusive upper edge, None when open-ended or not numeric


@dataclass(frozen=True)
class FeatureDrift:
    """The PSI of one feature, its band and the bin table it was computed from (for plots)."""

    name: str
    kind: FeatureKind
    psi: float
    band: Band
    n_reference: int
    n_current: int
    bins: tuple[PSIBin, ...]
    edges: tuple[float, ...] = ()  # numeric: the inner bin edges (from the reference's quantiles)

    def table(self) -> pd.DataFrame:
        """The bin table: label, lower, upper, counts, shares and contribution, one row per bin."""
        return pd.DataFrame(
            [vars(b) for b in self.bins],
            columns=[
                "label", "lower", "upper", "reference_count", "current_count",
                "reference_share", "current_share", "contribution",
            ],
        )  # fmt: skip


def band(psi: float) -> Band:
    """The band of a PSI: ``stable`` below 0.1, ``watch`` from 0.1 to 0.25, ``shift`` above 0.25."""
    if math.isnan(psi) or psi < 0:
        raise ValueError(f"psi={psi!r} is not a population stability index: it must be a number >= 0.")
    if psi < STABLE_BELOW:
        return "stable"
    return "watch" if psi <= SHIFT_ABOVE else "shift"


def _terms(reference: Shares, current: Shares, floor: float) -> np.ndarray:
    ref = np.maximum(np.asarray(reference, dtype=float), floor)
    cur = np.maximum(np.asarray(current, dtype=float), floor)
    if ref.shape != cur.shape:
        raise ValueError(f"reference has {ref.size} bins and current {cur.size}: they must match.")
    return np.asarray((cur - ref) * np.log(cur / ref), dtype=float)


def psi_from_shares(reference: Shares, current: Shares, *, floor: float = SHARE_FLOOR) -> float:
    """PSI of two share vectors over the same bins (fractions summing to 1; floored at ``floor``)."""
    return float(_terms(reference, current, floor).sum())


def quantile_edges(values: np.ndarray, bins: int = DEFAULT_BINS) -> np.ndarray:
    """Inner bin edges: the reference's 1/bins ... (bins-1)/bins quantiles, observed values, deduplicated.

    ``inverted_cdf`` quantiles are values of the data (no interpolation), so a discrete feature's
    edges sit on its values; with right-closed bins each tie stays in one bin.
    """
    if bins < 1:
        raise ValueError(f"bins={bins} must be at least 1.")
    finite = values[np.isfinite(values)]
    if finite.size == 0 or bins == 1:
        return np.empty(0)
    qs = np.arange(1, bins) / bins
    return np.unique(np.quantile(finite, qs, method="inverted_cdf"))


def _as_float(values: pd.Series, name: str, which: str) -> np.ndarray:
    try:
        return values.astype(float).to_numpy(dtype=float)
    except (TypeError, ValueError):
        coerced = pd.to_numeric(values, errors="coerce")
        bad = values[coerced.isna() & values.notna()]
        raise ValueError(
            f"{name}: the {which} population holds a value that is not a number ({bad.iloc[0]!r}); "
            "a numeric feature takes numbers or missing values only."
        ) from None


def _check_sizes(name: str, reference: pd.Series, current: pd.Series) -> None:
    if len(reference) == 0:
        raise ValueError(f"{name}: the reference population is empty (0 rows): PSI needs a reference.")
    if len(current) == 0:
        raise ValueError(
            f"{name}: the current population is empty (0 rows): there is nothing to compare with the "
            "reference."
        )


def _numeric_label(lower: float | None, upper: float | None) -> str:
    if lower is None and upper is None:
        return "all values"
    if lower is None:
        return f"≤ {upper:.4g}"
    if upper is None:
        return f"> {lower:.4g}"
    return f"({lower:.4g}, {upper:.4g}]"


def _drift(
    name: str,
    kind: FeatureKind,
    labels: list[str],
    ref_counts: np.ndarray,
    cur_counts: np.ndarray,
    bounds: list[tuple[float | None, float | None]],
    edges: tuple[float, ...] = (),
) -> FeatureDrift:
    n_ref, n_cur = int(ref_counts.sum()), int(cur_counts.sum())
    ref_share, cur_share = ref_counts / n_ref, cur_counts / n_cur
    terms = _terms(ref_share, cur_share, SHARE_FLOOR)
    psi = float(terms.sum())
    table = tuple(
        PSIBin(
            label=lab, reference_count=int(rc), current_count=int(cc), reference_share=float(rs),
            current_share=float(cs), contribution=float(t), lower=lo, upper=hi,
        )
        for lab, rc, cc, rs, cs, t, (lo, hi) in zip(
            labels, ref_counts, cur_counts, ref_share, cur_share, terms, bounds, strict=True
        )
    )  # fmt: skip
    return FeatureDrift(name, kind, psi, band(psi), n_ref, n_cur, table, edges)


def numeric_psi(
    reference: pd.Series, current: pd.Series, *, bins: int = DEFAULT_BINS, name: str | None = None
) -> FeatureDrift:
    """PSI of a numeric feature over the reference's quantile bins plus a missing bin.

    Parameters
    ----------
    reference, current
        The feature's values in each population (NaN / None = missing; ±inf fall in the open bins).
    bins
        Number of quantile bins asked for; equal quantiles are merged, so there may be fewer.
    name
        The feature's name, for the result and for error messages (default: the series' name).
    """
    name = str(name if name is not None else reference.name)
    _check_sizes(name, reference, current)
    ref = _as_float(reference, name, "reference")
    cur = _as_float(current, name, "current")
    edges = quantile_edges(ref, bins)
    n_bins = edges.size + 1

    def counts(values: np.ndarray) -> np.ndarray:
        missing = np.isnan(values)
        idx = np.searchsorted(edges, values[~missing], side="left")  # lower < x <= upper
        return np.append(np.bincount(idx, minlength=n_bins), missing.sum())

    lows: list[float | None] = [None, *(float(e) for e in edges)]
    highs: list[float | None] = [*(float(e) for e in edges), None]
    bounds = [*zip(lows, highs, strict=True), (None, None)]
    labels = [*(_numeric_label(lo, hi) for lo, hi in bounds[:-1]), MISSING_LABEL]
    return _drift(name, "numeric", labels, counts(ref), counts(cur), bounds, tuple(float(e) for e in edges))


def categorical_psi(reference: pd.Series, current: pd.Series, *, name: str | None = None) -> FeatureDrift:
    """PSI of a categorical feature: a bin per reference category, ``(other)`` and ``(missing)``.

    Reference categories are listed by decreasing frequency (then by name); values are compared as
    text, so ``1`` and ``"1"`` are the same category.
    """
    name = str(name if name is not None else reference.name)
    _check_sizes(name, reference, current)
    ref = reference[reference.notna()].astype(str)
    frequency = ref.value_counts()
    categories = sorted(frequency.index, key=lambda c: (-int(frequency[c]), c))
    position = {c: i for i, c in enumerate(categories)}

    def counts(values: pd.Series) -> np.ndarray:
        present = values[values.notna()].astype(str)
        idx = present.map(position).fillna(len(categories)).to_numpy(dtype=int)
        missing = len(values) - len(present)
        return np.append(np.bincount(idx, minlength=len(categories) + 1), missing)

    labels = [*categories, OTHER_LABEL, MISSING_LABEL]
    bounds: list[tuple[float | None, float | None]] = [(None, None)] * len(labels)
    return _drift(name, "categorical", labels, counts(reference), counts(current), bounds)


def feature_psi(
    reference: pd.Series,
    current: pd.Series,
    *,
    kind: FeatureKind,
    bins: int = DEFAULT_BINS,
    name: str | None = None,
) -> FeatureDrift:
    """PSI of one feature of either kind (see :func:`numeric_psi` and :func:`categorical_psi`)."""
    if kind == "categorical":
        return categorical_psi(reference, current, name=name)
    if kind == "numeric":
        return numeric_psi(reference, current, bins=bins, name=name)
    raise ValueError(f"kind={kind!r} is not a feature kind. It should be one of: ['numeric', 'categorical'].")
