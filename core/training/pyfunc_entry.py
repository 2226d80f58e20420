"""MLflow "models from code" entry point: the scorer pyfunc, rebuilt from code at load (no pickle)."""

import mlflow.models

from core.training.pyfunc import ScorerModel

mlflow.models.set_model(ScorerModel())
