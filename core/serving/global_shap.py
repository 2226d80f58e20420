"""Global SHAP over a bundle's reference sample: computed once at export, stored in the bundle, checked at use.

The insights page (importance, beeswarm, dependence) reads the SHAP values of every reference client;
CatBoost's ``ShapValues`` takes a second or two for them, so the bundle carries them
(``global_shap.parquet``: the client id, one column per model feature, the base value). A table that
does not add up to the model's own raw predictions is not used: the values are computed again.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from catboost import CatBoostClassifier, Pool

from core.serving.schema import ID_COLUMN, FeatureSchema, to_model_frame

log = logging.getLogger(__name__)

#: Reference rows used for global SHAP (a seeded sample beyond).
GLOBAL_SHAP_ROWS = 5000
#: The column of the table holding the model's expected value (the same on every row).
BASE_COLUMN = "__base_value__"
#: Largest gap tolerated between a stored row's SHAP sum and the model's raw prediction (log-odds).
ADDITIVITY_TOLERANCE = 1e-6


def reference_sample(reference: pd.DataFrame) -> pd.DataFrame:
    """The reference rows global SHAP describes: all of them up to GLOBAL_SHAP_ROWS, a seeded sample beyond."""
    rows = (
        reference.sample(n=GLOBAL_SHAP_ROWS, random_state=0)
        if len(reference) > GLOBAL_SHAP_ROWS
        else reference
    )
    return rows.reset_index(drop=True)


def shap_array(
    model: CatBoostClassifier, schema: FeatureSchema, features: pd.DataFrame
) -> tuple[np.ndarray, float]:
    """Exact SHAP values (CatBoost TreeSHAP, log-odds, n x k) of validated feature rows, and the base value."""
    pool = Pool(to_model_frame(features, schema), cat_features=schema.categorical)
    out = np.asarray(model.get_feature_importance(pool, type="ShapValues"), dtype=float)
    return out[:, :-1], float(out[0, -1])


def global_shap_table(
    model: CatBoostClassifier, schema: FeatureSchema, reference: pd.DataFrame
) -> pd.DataFrame:
    """The table stored in a bundle: ``SK_ID_CURR``, one SHAP column per model feature, ``BASE_COLUMN``."""
    rows = reference_sample(reference)
    values, base = shap_array(model, schema, rows[schema.names])
    table = pd.DataFrame(values, columns=list(schema.names))
    table.insert(0, ID_COLUMN, rows[ID_COLUMN].to_numpy())
    table[BASE_COLUMN] = base
    return table


def stored_shap(
    table: pd.DataFrame, model: CatBoostClassifier, schema: FeatureSchema, reference: pd.DataFrame
) -> tuple[np.ndarray, float, pd.DataFrame] | None:
    """SHAP values, base value and reference rows (in the table's order) of a stored table; None when the
    table does not describe this model and reference (other columns, unknown clients, values that do not
    add up to the model's raw predictions)."""
    names = list(schema.names)
    if list(table.columns) != [ID_COLUMN, *names, BASE_COLUMN] or table.empty:
        log.warning("the bundle's global SHAP table does not list the model's features: computed again")
        return None
    ids = table[ID_COLUMN].to_numpy()
    by_id = reference.drop_duplicates(ID_COLUMN).set_index(ID_COLUMN, drop=False)
    if reference[ID_COLUMN].duplicated().any() or not np.isin(ids, by_id.index.to_numpy()).all():
        log.warning(
            "the bundle's global SHAP table names clients its reference does not hold: computed again"
        )
        return None
    rows = by_id.loc[ids].reset_index(drop=True)
    values = table[names].to_numpy(dtype=float)
    base = float(table[BASE_COLUMN].iloc[0])
    pool = Pool(to_model_frame(rows[names], schema), cat_features=schema.categorical)
    raw = np.asarray(model.predict(pool, prediction_type="RawFormulaVal"), dtype=float)
    gap = float(np.abs(values.sum(axis=1) + base - raw).max())
    if not gap <= ADDITIVITY_TOLERANCE:
        log.warning(
            "the bundle's global SHAP values miss the model's predictions by %.3g: computed again", gap
        )
        return None
    return values, base, rows
