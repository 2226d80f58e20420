"""Prêt à dépenser scoring library: bundle, validation, scoring, explanations, cost maths.

This is the public API that ``dashboard/`` and ``api/`` import. It never imports a UI framework.
"""

from core.config import DEMO_BUNDLE_DIR, Settings, get_settings, load_settings
from core.cost import (
    ConfusionAtThreshold,
    CostWeights,
    bootstrap_cost_band,
    confusion_at,
    cost_curve,
    optimal_threshold,
)
from core.errors import (
    BundleError,
    ConfigError,
    FieldError,
    FileValidationError,
    RecordValidationError,
)
from core.export import neutralise_formulas, to_safe_csv
from core.serving.bundle import Bundle, Manifest, Provenance, load_bundle, load_legacy_bundle, save_bundle
from core.serving.explain import Explainer, LocalExplanation, ReasonCode, ShapMatrix, shap_values
from core.serving.presentation import days_to_years, format_value, label, years_to_days
from core.serving.schema import MISSING_CATEGORY, FeatureSchema, FeatureSpec, infer_schema, to_model_frame
from core.serving.scoring import (
    BatchResult,
    ScoreResult,
    predict_proba,
    score_record,
    score_records,
    score_table,
)
from core.serving.source import load_configured_bundle
from core.serving.validation import (
    FieldWarning,
    FrameValidation,
    RowError,
    ValidRecord,
    read_clients_csv,
    record_model,
    validate_frame,
    validate_record,
)

__all__ = [
    "DEMO_BUNDLE_DIR",
    "MISSING_CATEGORY",
    "BatchResult",
    "Bundle",
    "BundleError",
    "ConfigError",
    "ConfusionAtThreshold",
    "CostWeights",
    "Explainer",
    "FeatureSchema",
    "FeatureSpec",
    "FieldError",
    "FieldWarning",
    "FileValidationError",
    "FrameValidation",
    "LocalExplanation",
    "Manifest",
    "Provenance",
    "ReasonCode",
    "RecordValidationError",
    "RowError",
    "ScoreResult",
    "Settings",
    "ShapMatrix",
    "ValidRecord",
    "bootstrap_cost_band",
    "confusion_at",
    "cost_curve",
    "days_to_years",
    "format_value",
    "get_settings",
    "infer_schema",
    "label",
    "load_bundle",
    "load_configured_bundle",
    "load_legacy_bundle",
    "load_settings",
    "neutralise_formulas",
    "optimal_threshold",
    "predict_proba",
    "read_clients_csv",
    "record_model",
    "save_bundle",
    "score_record",
    "score_records",
    "score_table",
    "shap_values",
    "to_model_frame",
    "to_safe_csv",
    "validate_frame",
    "validate_record",
    "years_to_days",
]
