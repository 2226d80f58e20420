"""The grey zone: applications whose probability lies close to the threshold go to a person.

The review status is kept apart from the model's decision: ``decision`` stays what the threshold
says (legacy callers read it as before), and ``review_status`` says ``"to_review"`` when the
probability lies in ``[low, high)`` — a band that contains the threshold — else ``"not_required"``.
The band is configured (``REVIEW_BAND``) or, by default, the one that minimises
``10·FN + 1·FP + c·reviews`` on the bundle's validation set (``c`` = ``REVIEW_COST``, see
:func:`core.cost.optimal_review_band`); without a validation set and no configured band there is
no grey zone (``review_status`` is null). A band that sends nobody to review (a review costs more
than any error it avoids) is an empty band: every status is ``not_required``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from core.cost import ReviewBand, optimal_review_band, review_band_at
from core.serving.bundle import Bundle
from core.serving.schema import TARGET_COLUMN

ReviewStatus = Literal["to_review", "not_required"]
TO_REVIEW: ReviewStatus = "to_review"
NOT_REQUIRED: ReviewStatus = "not_required"
#: the default cost of one review, in units of a refused good client (FP = 1, FN = 10): on the demo
#: bundle's validation set it sends about 8 % of applications to review (README, "Grey zone")
DEFAULT_REVIEW_COST = 0.9


@dataclass(frozen=True)
class GreyZone:
    """The band ``[low, high)`` of probabilities sent to review, and where it comes from."""

    low: float
    high: float
    source: Literal["optimised", "configured"]
    review_cost: float
    validation: ReviewBand | None = None  # what the band does on the bundle's validation set

    def status(self, probability: float) -> ReviewStatus:
        """``to_review`` inside the band, else ``not_required``."""
        return TO_REVIEW if self.low <= probability < self.high else NOT_REQUIRED

    def statuses(self, probability: np.ndarray) -> np.ndarray:
        """The status of each probability."""
        p = np.asarray(probability, dtype=float)
        return np.where((p >= self.low) & (p < self.high), TO_REVIEW, NOT_REQUIRED)

    def describe(self) -> str:
        """One line: the band and how it was chosen."""
        how = (
            f"minimises 10·FN + 1·FP + {self.review_cost:g}·reviews on the validation set"
            if self.source == "optimised"
            else "configured (REVIEW_BAND)"
        )
        return f"review when {self.low:.4f} <= probability < {self.high:.4f} ({how})"


def parse_band(text: str) -> tuple[float, float] | None:
    """``REVIEW_BAND``: ``"off"`` (no grey zone, None) or ``"LOW,HIGH"`` (probabilities)."""
    text = text.strip().lower()
    if text in ("off", "none", "0"):
        return None
    parts = [p.strip() for p in text.replace(";", ",").split(",")]
    try:
        low, high = (float(p) for p in parts)
    except ValueError:
        raise ValueError(
            f"REVIEW_BAND={text!r} is not valid: write 'off' or two probabilities 'LOW,HIGH' (e.g. '0.06,0.11')."
        ) from None
    if not 0 <= low <= high <= 1:
        raise ValueError(f"REVIEW_BAND={text!r} is not valid: it needs 0 <= LOW <= HIGH <= 1.")
    return low, high


def grey_zone_of(
    bundle: Bundle, *, band: str | None = None, review_cost: float = DEFAULT_REVIEW_COST
) -> GreyZone | None:
    """The bundle's grey zone: ``band`` when configured (``"off"``: none), else the cost-optimal band on
    its validation set (None when it has none)."""
    validation = bundle.validation
    labelled = validation is not None and {"probability", TARGET_COLUMN} <= set(validation.columns)
    if band is not None and band.strip():
        bounds = parse_band(band)
        if bounds is None:
            return None
        low, high = bounds
        if not low <= bundle.threshold <= high:
            raise ValueError(
                f"REVIEW_BAND={band!r} does not contain the bundle's threshold {bundle.threshold:.4f}: "
                "the grey zone is a band around the threshold."
            )
        checked = None
        if labelled:
            assert validation is not None
            checked = review_band_at(
                validation[TARGET_COLUMN].to_numpy(), validation["probability"].to_numpy(), bundle.threshold,
                low=low, high=high, review_cost=review_cost, weights=bundle.cost_weights,
            )  # fmt: skip
        return GreyZone(low, high, "configured", review_cost, checked)
    if not labelled:
        return None
    assert validation is not None
    best = optimal_review_band(
        validation[TARGET_COLUMN].to_numpy(), validation["probability"].to_numpy(), bundle.threshold,
        review_cost=review_cost, weights=bundle.cost_weights,
    )  # fmt: skip
    return GreyZone(best.low, best.high, "optimised", review_cost, best)
