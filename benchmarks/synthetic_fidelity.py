"""How close is the synthetic generator to the real samples? Prints per-column fidelity and AUCs.

- marginals: KS statistic (numeric) and total-variation distance (categorical) between the synthetic
  and the real application_train, and the missing-rate difference;
- the key figure: ROC AUC on the REAL application sample of a CatBoost model trained only on
  synthetic data (application features), next to its AUC on held-out synthetic data and a model
  trained on the real data itself (5-fold cross-validation).
Usage: python benchmarks/synthetic_fidelity.py [--clients 30000] [--data ../shared/data/homecredit]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
from catboost import CatBoostClassifier
from scipy import stats
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, train_test_split

from core.data import generate, load_table
from core.data.tables import TABLES
from core.features.build import APP_CATEGORICAL, build_features

REPO = Path(__file__).resolve().parent.parent


def fidelity(real: pd.DataFrame, syn: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for col, kind in TABLES["application_train"][2:]:
        miss = abs(real[col].isna().mean() - syn[col].isna().mean())
        if kind == "category":
            p = real[col].astype(object).fillna("NA").value_counts(normalize=True)
            q = syn[col].astype(object).fillna("NA").value_counts(normalize=True)
            dist = 0.5 * p.subtract(q, fill_value=0).abs().sum()
            rows.append((col, "TV", dist, miss))
        else:
            # round: the loader reads decimals as float32, which would split equal values apart
            a, b = real[col].dropna().astype(float).round(6), syn[col].dropna().astype(float).round(6)
            dist = stats.ks_2samp(a, b).statistic if len(a) and len(b) else np.nan
            rows.append((col, "KS", dist, miss))
    return pd.DataFrame(rows, columns=["column", "metric", "distance", "missing_diff"])


def _xy(features: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    app_cols = [
        c
        for c in features.columns
        if not c.startswith(("BUREAU_", "PREV_", "INST_")) and c not in ("SK_ID_CURR", "TARGET")
    ]
    x = features[app_cols].copy()
    for c in APP_CATEGORICAL:
        x[c] = x[c].astype(object).where(x[c].notna(), "Missing").astype(str)
    return x, features["TARGET"].astype(int).to_numpy()


def _model() -> CatBoostClassifier:
    return CatBoostClassifier(
        iterations=500,
        learning_rate=0.05,
        depth=6,
        verbose=False,
        thread_count=2,
        random_seed=0,
        allow_writing_files=False,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=30_000)
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "homecredit")
    args = parser.parse_args()
    real = load_table(args.data, "application_train")
    t0 = time.perf_counter()
    syn_tables = generate(args.clients, 0, test_fraction=0.0)
    print(f"generated {args.clients} synthetic clients (8 tables) in {time.perf_counter() - t0:.1f}s")
    syn = syn_tables["application_train"]
    fid = fidelity(real, syn)
    for metric in ("KS", "TV"):
        d = fid[fid["metric"] == metric]["distance"].dropna()
        print(
            f"{metric}: median {d.median():.3f}, 90th pct {d.quantile(0.9):.3f}, max {d.max():.3f} over {len(d)} columns"
        )
    print(
        f"missing-rate difference: median {fid['missing_diff'].median():.3f}, max {fid['missing_diff'].max():.3f}"
    )
    print("worst columns:\n" + fid.sort_values("distance", ascending=False).head(8).to_string(index=False))
    print(f"default rate: synthetic {syn['TARGET'].mean():.4f}, real sample {real['TARGET'].mean():.4f}")

    xs, ys = _xy(build_features({"application_train": syn}))
    xr, yr = _xy(build_features({"application_train": real}))
    xtr, xte, ytr, yte = train_test_split(xs, ys, test_size=0.25, stratify=ys, random_state=0)
    model = _model().fit(xtr, ytr, cat_features=APP_CATEGORICAL)
    auc_syn = roc_auc_score(yte, model.predict_proba(xte)[:, 1])
    auc_real = roc_auc_score(yr, model.predict_proba(xr[xtr.columns])[:, 1])
    oof = np.zeros(len(yr))
    for tr, va in StratifiedKFold(5, shuffle=True, random_state=0).split(xr, yr):
        oof[va] = (
            _model().fit(xr.iloc[tr], yr[tr], cat_features=APP_CATEGORICAL).predict_proba(xr.iloc[va])[:, 1]
        )
    print(
        f"AUC of a model trained on synthetic data: on held-out synthetic {auc_syn:.4f}, on the REAL sample {auc_real:.4f}"
    )
    print(f"AUC of the same model trained on the real sample (5-fold CV): {roc_auc_score(yr, oof):.4f}")

    full = build_features(syn_tables)
    xa = full.drop(columns=["SK_ID_CURR", "TARGET"]).copy()
    for c in APP_CATEGORICAL:
        xa[c] = xa[c].astype(object).where(xa[c].notna(), "Missing").astype(str)
    ya = full["TARGET"].astype(int).to_numpy()
    atr, ate, btr, bte = train_test_split(xa, ya, test_size=0.25, stratify=ya, random_state=0)
    auc_all = roc_auc_score(
        bte, _model().fit(atr, btr, cat_features=APP_CATEGORICAL).predict_proba(ate)[:, 1]
    )
    print(f"AUC on held-out synthetic data with all {xa.shape[1]} multi-table features: {auc_all:.4f}")


if __name__ == "__main__":
    main()
