"""Training profiles: how much data, how many models, how long to tune."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ProfileName = Literal["quick", "demo", "full"]


@dataclass(frozen=True)
class Profile:
    """Budget of one training run."""

    name: ProfileName
    synthetic_clients: int  # clients generated when no --data is given
    test_size: float
    n_folds: int
    benchmark_rows: int  # rows (sub-sampled, stratified) used to benchmark model families
    benchmark_models: tuple[str, ...]
    benchmark_trees: int  # trees of the benchmarked boosting/forest models
    n_features: int  # size of the selected feature set
    selection_iterations: int
    optuna_trials: int
    optuna_timeout_s: float
    iterations: int  # CatBoost trees for the tuned/final model
    reference_size: int
    #: share of training clients whose history is hidden (new applicants have none)
    no_history_share: float = 0.3
    #: rounds without progress (on a share of each training fold) before CatBoost stops early;
    #: 0: always ``iterations`` trees. The final model then gets the folds' median, scaled to its data.
    early_stopping_rounds: int = 0
    #: complete Optuna trials before the median pruner stops bad trials after a fold; 0: no pruning
    prune_after_trials: int = 0


PROFILES: dict[str, Profile] = {
    "quick": Profile(
        name="quick",
        synthetic_clients=3000,
        test_size=0.2,
        n_folds=3,
        benchmark_rows=1500,
        benchmark_models=("logistic_regression", "random_forest", "lightgbm", "xgboost", "catboost", "mlp"),
        benchmark_trees=80,
        n_features=40,
        selection_iterations=100,
        optuna_trials=3,
        optuna_timeout_s=60,
        iterations=120,
        reference_size=500,
    ),
    "demo": Profile(
        name="demo",
        synthetic_clients=40_000,
        test_size=0.2,
        n_folds=4,
        benchmark_rows=12_000,
        benchmark_models=("logistic_regression", "random_forest", "lightgbm", "xgboost", "catboost", "mlp"),
        benchmark_trees=300,
        n_features=125,
        selection_iterations=400,
        optuna_trials=8,
        optuna_timeout_s=900,
        iterations=400,
        reference_size=2000,
    ),
    "full": Profile(
        name="full",
        synthetic_clients=307_511,
        test_size=0.2,
        n_folds=5,
        benchmark_rows=60_000,
        benchmark_models=("logistic_regression", "random_forest", "lightgbm", "xgboost", "catboost", "mlp"),
        benchmark_trees=500,
        n_features=125,
        selection_iterations=1000,
        optuna_trials=40,
        optuna_timeout_s=4 * 3600,
        iterations=2000,
        reference_size=5000,
        # 2,000 trees is a ceiling, not a count: each fit stops when 100 rounds bring nothing
        early_stopping_rounds=100,
        prune_after_trials=5,
    ),
}
