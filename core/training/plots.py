"""Figures logged to MLflow (matplotlib, no display)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from sklearn.metrics import roc_curve  # noqa: E402

BLUE, VERMILLION, GREY = "#0072B2", "#D55E00", "#555555"


def cost_curve_figure(curve: pd.DataFrame, threshold: float) -> Figure:
    """Cost per client against the threshold, with the chosen threshold."""
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(curve["threshold"], curve["cost_per_client"], color=BLUE)
    ax.axvline(threshold, color=VERMILLION, linestyle="--", label=f"threshold {threshold:.3f}")
    ax.set(
        xlabel="threshold (refuse when probability ≥ threshold)",
        ylabel="cost per client (10·FN + 1·FP) / n",
        xlim=(0, 1),
    )
    ax.legend()
    fig.tight_layout()
    return fig


def roc_figure(y: np.ndarray, proba: np.ndarray, auc: float) -> Figure:
    """ROC curve on the held-out test set."""
    fpr, tpr, _ = roc_curve(y, proba)
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot(fpr, tpr, color=BLUE, label=f"AUC {auc:.3f}")
    ax.plot([0, 1], [0, 1], color=GREY, linestyle=":")
    ax.set(xlabel="false positive rate", ylabel="true positive rate")
    ax.legend()
    fig.tight_layout()
    return fig


def importance_figure(importance: pd.Series, top: int = 20) -> Figure:
    """Mean |SHAP| of the most important features."""
    top_imp = importance.head(top)[::-1]
    fig, ax = plt.subplots(figsize=(7, 0.3 * len(top_imp) + 1))
    ax.barh(top_imp.index, top_imp.to_numpy(), color=BLUE)
    ax.set(xlabel="mean |SHAP| (log-odds)")
    fig.tight_layout()
    return fig


def calibration_figure(table: pd.DataFrame) -> Figure:
    """Observed default rate against mean predicted probability, per decile."""
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot(table["predicted"], table["observed"], "o-", color=BLUE)
    lim = max(table["predicted"].max(), table["observed"].max()) * 1.05
    ax.plot([0, lim], [0, lim], color=GREY, linestyle=":")
    ax.set(xlabel="mean predicted probability", ylabel="observed default rate")
    fig.tight_layout()
    return fig


def close(fig: Figure) -> None:
    """Release a figure."""
    plt.close(fig)
