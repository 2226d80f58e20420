"""Derive the synthetic generator's calibration (summary statistics only) from the real samples.

Reads the real Home Credit samples (default ``../shared/data/homecredit``) and writes
``core/data/calibration.json``: per-column quantiles, category frequencies and missing rates,
and the Gaussian-copula correlation of the application table (with TARGET's latent variable).
No row of the real data is written.

Usage: python scripts/calibrate_synthetic.py [--data DIR] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from core.data.tables import DAYS_SENTINEL, TABLES

REPO = Path(__file__).resolve().parent.parent
N_QUANTILES = 101
MAX_SUPPORT = 60  # numeric columns with at most this many distinct values are sampled as discrete
SIDE_TABLES = [t for t in TABLES if not t.startswith("application")]


def numeric_summary(col: pd.Series) -> dict:
    values = col.dropna().to_numpy(dtype=float)
    sentinel = values == DAYS_SENTINEL
    out = {
        "missing": round(float(col.isna().mean()), 5),
        "integer": bool(len(values) and np.all(np.mod(values, 1) == 0)),
        "sentinel": round(float(sentinel.mean()), 5) if sentinel.any() else 0.0,
    }
    values = values[~sentinel]
    distinct = np.unique(values)
    if 0 < len(distinct) <= MAX_SUPPORT:  # discrete: keep the frequency table, not interpolated quantiles
        counts = np.array([(values == v).sum() for v in distinct])
        out["support"] = [float(f"{x:.6g}") for x in distinct]
        out["p"] = [round(float(c / counts.sum()), 6) for c in counts]
    elif len(values):
        q = np.quantile(values, np.linspace(0, 1, N_QUANTILES))
        out["q"] = [float(f"{x:.6g}") for x in q]
    return out


def categorical_summary(col: pd.Series, target: pd.Series | None = None) -> dict:
    filled = col.astype(object).where(col.notna(), None)
    counts = filled.value_counts(dropna=False)
    values = [None if (v is None or v != v) else str(v) for v in counts.index]
    freq = (counts / counts.sum()).to_numpy()
    if target is not None:  # order categories by default rate: the copula treats them as ordinal
        rates = [target[filled.isna()].mean() if v is None else target[filled == v].mean() for v in values]
        order = np.argsort(rates, kind="stable")
        values, freq = [values[i] for i in order], freq[order]
    return {"values": values, "p": [round(float(p), 6) for p in freq]}


def normal_scores(col: pd.Series) -> pd.Series:
    ranks = col.rank(method="average")
    n = col.notna().sum()
    return pd.Series(stats.norm.ppf((ranks - 0.5) / n), index=col.index)


def copula(app: pd.DataFrame, numeric: list[str], categorical: dict[str, dict]) -> dict:
    """Correlation of normal scores (pairwise complete); TARGET enters through its latent normal."""
    latent = {c: normal_scores(app[c].where(app[c] != DAYS_SENTINEL, 1e9)) for c in numeric}
    for c, summary in categorical.items():
        code = {v: i for i, v in enumerate(summary["values"])}
        ordinal = app[c].astype(object).map(lambda v, code=code: code.get(None if v != v else str(v)))
        latent[c] = normal_scores(ordinal.astype(float))
    frame = pd.DataFrame(latent)
    corr = frame.corr(min_periods=200).fillna(0.0)
    # TARGET: point-biserial -> latent (biserial) correlation
    y = app["TARGET"].to_numpy(dtype=float)
    p = y.mean()
    factor = np.sqrt(p * (1 - p)) / stats.norm.pdf(stats.norm.ppf(1 - p))
    tcorr = frame.apply(lambda s: np.corrcoef(s[s.notna()], y[s.notna()])[0, 1] * factor)
    tcorr = tcorr.clip(-0.95, 0.95).fillna(0.0)
    names = [*frame.columns, "TARGET"]
    full = np.eye(len(names))
    full[:-1, :-1] = corr.to_numpy()
    full[-1, :-1] = full[:-1, -1] = tcorr.to_numpy()
    # nearest positive-definite matrix by eigenvalue clipping
    w, v = np.linalg.eigh(full)
    full = v @ np.diag(np.clip(w, 1e-3, None)) @ v.T
    d = np.sqrt(np.diag(full))
    full = full / np.outer(d, d)
    return {"columns": names, "corr": [[round(float(x), 4) for x in row] for row in full]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "homecredit")
    parser.add_argument("--out", type=Path, default=REPO / "core" / "data" / "calibration.json")
    args = parser.parse_args()
    app = pd.read_csv(args.data / "application_train.csv")
    kinds = dict(TABLES["application_train"])
    numeric = [c for c, k in kinds.items() if k in ("int", "float")]
    cats = [c for c, k in kinds.items() if k == "category"]
    cat_summary = {c: categorical_summary(app[c], app["TARGET"]) for c in cats}
    calibration: dict = {
        "source": "summary statistics of the real Home Credit samples (no rows)",
        "target_rate": round(float(app["TARGET"].mean()), 5),
        "tables": {
            "application": {
                "numeric": {c: numeric_summary(app[c]) for c in numeric},
                "categorical": cat_summary,
                "copula": copula(app, numeric, cat_summary),
            }
        },
    }
    for table in SIDE_TABLES:
        frame = pd.read_csv(args.data / f"{table}.csv")
        tkinds = dict(TABLES[table])
        calibration["tables"][table] = {
            "numeric": {c: numeric_summary(frame[c]) for c, k in tkinds.items() if k in ("int", "float")},
            "categorical": {c: categorical_summary(frame[c]) for c, k in tkinds.items() if k == "category"},
        }
    args.out.write_text(json.dumps(calibration, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
