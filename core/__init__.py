"""Prêt à dépenser scoring library: features, bundle, validation, the scoring service, cost maths.

The flow: raw Home Credit tables (``core.data``) -> features (``core.features``: registry,
row-wise application features, history aggregates) -> a trained bundle (``core.training``) ->
the scoring service (``core.serving``) -> a page, a route or a command (``dashboard/``, ``api/``,
``core.cli``). This module is the public API that ``dashboard/`` and ``api/`` import; it never
imports a UI framework.
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
from core.features.registry import NO_HISTORY, SECTIONS, FieldInfo, registry
from core.serving.bundle import Bundle, Manifest, Provenance, load_bundle, load_legacy_bundle, save_bundle
from core.serving.contract import (
    CONTRACT_VERSION,
    TABLE_COLUMNS,
    LegacyScoreOut,
    ScoreOut,
    results_table,
    score_out,
)
from core.serving.explain import Explainer, ShapMatrix, importance_of, shap_values
from core.serving.presentation import (
    category_label,
    days_to_years,
    field_info,
    format_value,
    in_years,
    label,
    problem_text,
    reason_sentence,
    years_to_days,
)
from core.serving.schema import MISSING_CATEGORY, FeatureSchema, FeatureSpec, infer_schema, to_model_frame
from core.serving.service import (
    BatchScoring,
    FrameHistory,
    HistorySource,
    Reason,
    ScoringResult,
    ScoringService,
    decide,
    json_value,
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
    "CONTRACT_VERSION",
    "DEMO_BUNDLE_DIR",
    "MISSING_CATEGORY",
    "NO_HISTORY",
    "SECTIONS",
    "TABLE_COLUMNS",
    "BatchScoring",
    "Bundle",
    "BundleError",
    "ConfigError",
    "ConfusionAtThreshold",
    "CostWeights",
    "Explainer",
    "FeatureSchema",
    "FeatureSpec",
    "FieldError",
    "FieldInfo",
    "FieldWarning",
    "FileValidationError",
    "FrameHistory",
    "FrameValidation",
    "HistorySource",
    "LegacyScoreOut",
    "Manifest",
    "Provenance",
    "Reason",
    "RecordValidationError",
    "RowError",
    "ScoreOut",
    "ScoringResult",
    "ScoringService",
    "Settings",
    "ShapMatrix",
    "ValidRecord",
    "bootstrap_cost_band",
    "category_label",
    "confusion_at",
    "cost_curve",
    "days_to_years",
    "decide",
    "field_info",
    "format_value",
    "get_settings",
    "importance_of",
    "in_years",
    "infer_schema",
    "json_value",
    "label",
    "load_bundle",
    "load_configured_bundle",
    "load_legacy_bundle",
    "load_settings",
    "neutralise_formulas",
    "optimal_threshold",
    "problem_text",
    "read_clients_csv",
    "reason_sentence",
    "record_model",
    "registry",
    "results_table",
    "save_bundle",
    "score_out",
    "shap_values",
    "to_model_frame",
    "to_safe_csv",
    "validate_frame",
    "validate_record",
    "years_to_days",
]
