"""The points score: a scorecard reading of the probability of default, with its bands.

``points = offset + factor · ln(odds)``, where ``odds = (1 - p) / p`` are the odds of *repaying*
(p = probability of default) and ``factor = PDO / ln 2``: every ``PDO`` points the odds double.
The anchor fixes ``offset``: ``base_points`` at odds ``base_odds`` to 1. Defaults (documented in the
README): 600 points at odds 50:1, 20 points to double the odds, scores kept within 300–850, and five
bands A (lowest risk) to E cut at 600, 575, 550 and 525 points (probabilities of default of about
2 %, 4.5 %, 10 % and 21 %). More points always means a lower probability (the score is monotone).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

#: band cut-offs, highest first: a score of at least ``points`` is in the band (below the last: "E")
DEFAULT_BANDS: tuple[tuple[int, str], ...] = ((600, "A"), (575, "B"), (550, "C"), (525, "D"))
LAST_BAND = "E"
#: probabilities are kept within [EPS, 1 - EPS] so that the odds are finite
EPS = 1e-9


@dataclass(frozen=True)
class PointsScale:
    """How a probability of default becomes points (see the module docstring)."""

    base_points: float = 600.0
    base_odds: float = 50.0
    pdo: float = 20.0
    min_points: int = 300
    max_points: int = 850
    bands: tuple[tuple[int, str], ...] = DEFAULT_BANDS
    last_band: str = LAST_BAND

    def __post_init__(self) -> None:
        if not self.pdo > 0:
            raise ValueError(f"pdo={self.pdo!r} is not valid: the points to double the odds must be > 0.")
        if not self.base_odds > 0:
            raise ValueError(
                f"base_odds={self.base_odds!r} is not valid: odds must be > 0 (e.g. 50 for 50:1)."
            )
        if self.min_points >= self.max_points:
            raise ValueError(f"min_points={self.min_points} must be below max_points={self.max_points}.")
        cuts = [c for c, _ in self.bands]
        if cuts != sorted(cuts, reverse=True) or len(set(cuts)) != len(cuts):
            raise ValueError(f"band cut-offs {cuts} must be distinct and in decreasing order.")

    @property
    def factor(self) -> float:
        """Points per unit of log-odds: ``pdo / ln 2``."""
        return self.pdo / math.log(2)

    @property
    def offset(self) -> float:
        """Points at odds 1:1 (``base_points - factor · ln(base_odds)``)."""
        return self.base_points - self.factor * math.log(self.base_odds)

    def points(self, probability: float | np.ndarray) -> np.ndarray:
        """The points of each probability of default (integers, within [min_points, max_points])."""
        p = np.clip(np.asarray(probability, dtype=float), EPS, 1 - EPS)
        raw = self.offset + self.factor * (np.log1p(-p) - np.log(p))
        return np.clip(np.rint(raw), self.min_points, self.max_points).astype(np.int64)

    def point(self, probability: float) -> int:
        """The points of one probability of default."""
        return int(self.points(probability))

    def band(self, points: int) -> str:
        """The band of a score: the first cut-off it reaches, else the last band."""
        for cut, name in self.bands:
            if points >= cut:
                return name
        return self.last_band

    def bands_of(self, points: np.ndarray) -> list[str]:
        """The band of each score."""
        return [self.band(int(x)) for x in np.asarray(points).tolist()]

    def probability_at(self, points: float) -> float:
        """The probability of default a score stands for (the inverse, before rounding)."""
        odds = math.exp((points - self.offset) / self.factor)
        return 1.0 / (1.0 + odds)

    def describe(self) -> list[dict[str, Any]]:
        """Each band with its point range and the probabilities of default it covers, best first."""
        out: list[dict[str, Any]] = []
        upper: int | None = None
        for cut, name in [*self.bands, (self.min_points, self.last_band)]:
            out.append(
                {
                    "band": name,
                    "min_points": cut,
                    "max_points": self.max_points if upper is None else upper - 1,
                    "max_probability": self.probability_at(cut - 0.5),
                    "min_probability": 0.0 if upper is None else self.probability_at(upper - 0.5),
                }
            )
            upper = cut
        return out
