"""Feature engineering: the eight Home Credit tables -> one row per client (polars engine).

Names follow the original project's convention so its models' features can be rebuilt:
application columns as is plus domain ratios; ``BUREAU_<col>_<STAT>`` (bureau + bureau_balance);
``PREV_<col>_<STAT>`` over previous applications, where ``POS_*``, ``INST_*`` and ``CC_*`` columns are
first aggregated per previous loan (so ``PREV_INST_AMT_PAYMENT_MIN_MEAN`` is the mean over a client's
previous loans of each loan's smallest payment); ``<TABLE>_<categorical>_<value>`` counts.
TARGET is carried through, never used.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd
import polars as pl

from core.data.tables import DAYS_SENTINEL

log = logging.getLogger(__name__)

ID = "SK_ID_CURR"
STATS = ("MEAN", "MIN", "MAX", "SUM", "STD")
#: Application categorical columns kept as text features.
APP_CATEGORICAL = (
    "NAME_CONTRACT_TYPE", "CODE_GENDER", "FLAG_OWN_CAR", "FLAG_OWN_REALTY", "NAME_TYPE_SUITE",
    "NAME_INCOME_TYPE", "NAME_EDUCATION_TYPE", "NAME_FAMILY_STATUS", "NAME_HOUSING_TYPE",
    "OCCUPATION_TYPE", "WEEKDAY_APPR_PROCESS_START", "ORGANIZATION_TYPE", "FONDKAPREMONT_MODE",
    "HOUSETYPE_MODE", "WALLSMATERIAL_MODE", "EMERGENCYSTATE_MODE",
)  # fmt: skip


def _stat(expr: pl.Expr, stat: str) -> pl.Expr:
    return {"MEAN": expr.mean(), "MIN": expr.min(), "MAX": expr.max(), "SUM": expr.sum(), "STD": expr.std()}[
        stat
    ]


def _aggs(cols: Sequence[str], prefix: str, stats: Sequence[str] = STATS) -> list[pl.Expr]:
    return [_stat(pl.col(c), s).alias(f"{prefix}{c}_{s}") for c in cols for s in stats]


def _numeric(frame: pl.LazyFrame, exclude: Sequence[str] = ()) -> list[str]:
    schema = frame.collect_schema()
    return [c for c, t in schema.items() if t.is_numeric() and c not in exclude and not c.startswith("SK_ID")]


def _no_sentinel(cols: Sequence[str]) -> list[pl.Expr]:
    return [pl.when(pl.col(c) == DAYS_SENTINEL).then(None).otherwise(pl.col(c)).alias(c) for c in cols]


def application_features(app: pl.LazyFrame) -> pl.LazyFrame:
    """Application columns (sentinels removed, flags as numbers) plus domain ratios."""
    docs = [c for c in app.collect_schema().names() if c.startswith("FLAG_DOCUMENT_")]
    ext = ["EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3"]
    return app.with_columns(
        (pl.col("DAYS_EMPLOYED") == DAYS_SENTINEL).cast(pl.Int8).alias("DAYS_EMPLOYED_ANOM"),
        *_no_sentinel(["DAYS_EMPLOYED"]),
        (pl.col("FLAG_OWN_CAR") == "Y").cast(pl.Int8).alias("FLAG_OWN_CAR_NUM"),
    ).with_columns(
        (pl.col("AMT_CREDIT") / pl.col("AMT_INCOME_TOTAL")).alias("CREDIT_INCOME_RATIO"),
        (pl.col("AMT_ANNUITY") / pl.col("AMT_INCOME_TOTAL")).alias("ANNUITY_INCOME_RATIO"),
        (pl.col("AMT_ANNUITY") / pl.col("AMT_CREDIT")).alias("CREDIT_TERM_RATIO"),
        (pl.col("AMT_GOODS_PRICE") / pl.col("AMT_CREDIT")).alias("GOODS_CREDIT_RATIO"),
        (pl.col("DAYS_EMPLOYED") / pl.col("DAYS_BIRTH")).alias("EMPLOYED_BIRTH_RATIO"),
        (pl.col("AMT_INCOME_TOTAL") / pl.col("CNT_FAM_MEMBERS")).alias("INCOME_PER_PERSON"),
        pl.mean_horizontal(ext).alias("EXT_SOURCES_MEAN"),
        pl.min_horizontal(ext).alias("EXT_SOURCES_MIN"),
        pl.max_horizontal(ext).alias("EXT_SOURCES_MAX"),
        pl.concat_list(ext).list.drop_nulls().list.std().alias("EXT_SOURCES_STD"),
        (pl.col("EXT_SOURCE_1") * pl.col("EXT_SOURCE_2") * pl.col("EXT_SOURCE_3")).alias("EXT_SOURCES_PROD"),
        pl.sum_horizontal([pl.col(e).is_null().cast(pl.Int8) for e in ext]).alias("EXT_SOURCES_MISSING_CNT"),
        pl.sum_horizontal(docs).alias("FLAG_DOCUMENT_SUM"),
    )


def bureau_features(bureau: pl.LazyFrame, balance: pl.LazyFrame) -> pl.LazyFrame:
    """Credit Bureau history per client: monthly statuses per credit first, then per-client stats."""
    statuses = ["0", "1", "2", "3", "4", "5", "C", "X"]
    per_credit = balance.group_by("SK_ID_BUREAU").agg(
        pl.len().alias("BB_MONTHS_COUNT"),
        pl.col("MONTHS_BALANCE").min().alias("BB_MONTHS_MIN"),
        *[(pl.col("STATUS") == s).mean().alias(f"BB_STATUS_{s}_RATIO") for s in statuses],
        pl.col("STATUS").is_in(["1", "2", "3", "4", "5"]).sum().alias("BB_DPD_COUNT"),
    )
    b = bureau.join(per_credit, on="SK_ID_BUREAU", how="left").with_columns(
        (pl.col("AMT_CREDIT_SUM_DEBT") / pl.col("AMT_CREDIT_SUM")).alias("BUREAU_DEBT_RATIO"),
        (pl.col("DAYS_CREDIT_ENDDATE") - pl.col("DAYS_CREDIT")).alias("BUREAU_CREDIT_DURATION"),
        (pl.col("DAYS_ENDDATE_FACT") - pl.col("DAYS_CREDIT_ENDDATE")).alias("BUREAU_REAL_DELAY"),
        (pl.col("CREDIT_DAY_OVERDUE") > 0).cast(pl.Int8).alias("BUREAU_IS_OVERDUE"),
        (pl.col("CREDIT_ACTIVE") == "Active").cast(pl.Int8).alias("BUREAU_IS_ACTIVE"),
    )
    cols = _numeric(b)
    credit_types = [
        "Consumer credit",
        "Credit card",
        "Car loan",
        "Mortgage",
        "Microloan",
        "Loan for business development",
        "Another type of loan",
    ]
    active = (
        b.filter(pl.col("CREDIT_ACTIVE") == "Active")
        .group_by(ID)
        .agg(
            pl.len().alias("BUREAU_ACTIVE_COUNT"),
            *_aggs(
                [
                    "AMT_CREDIT_SUM",
                    "AMT_CREDIT_SUM_DEBT",
                    "BUREAU_DEBT_RATIO",
                    "CREDIT_DAY_OVERDUE",
                    "DAYS_CREDIT",
                ],
                "BUREAU_ACTIVE_",
                ("MEAN", "MAX", "SUM"),
            ),
        )
    )
    recent = (
        b.filter(pl.col("DAYS_CREDIT") > -730)
        .group_by(ID)
        .agg(
            pl.len().alias("BUREAU_RECENT_COUNT"),
            pl.col("BUREAU_IS_OVERDUE").sum().alias("BUREAU_RECENT_OVERDUE_COUNT"),
        )
    )
    main = b.group_by(ID).agg(
        pl.len().alias("BUREAU_COUNT"),
        *_aggs(cols, "BUREAU_"),
        *[(pl.col("CREDIT_TYPE") == t).sum().alias(f"BUREAU_CREDIT_TYPE_{t}") for t in credit_types],
    )
    return main.join(active, on=ID, how="left").join(recent, on=ID, how="left")


def _per_loan_installments(inst: pl.LazyFrame) -> pl.LazyFrame:
    i = inst.with_columns(
        (pl.col("DAYS_ENTRY_PAYMENT") - pl.col("DAYS_INSTALMENT")).alias("INST_DAYSLATE"),
        (pl.col("AMT_INSTALMENT") - pl.col("AMT_PAYMENT")).alias("INST_PAYMENTDIFF"),
        (pl.col("AMT_PAYMENT") / pl.col("AMT_INSTALMENT")).alias("INST_PAYMENTRATIO"),
    )
    cols = [
        "AMT_PAYMENT",
        "AMT_INSTALMENT",
        "DAYS_ENTRY_PAYMENT",
        "DAYS_INSTALMENT",
        "INST_DAYSLATE",
        "INST_PAYMENTDIFF",
        "INST_PAYMENTRATIO",
    ]
    return i.group_by("SK_ID_PREV").agg(
        pl.len().alias("INST_COUNT"),
        *_aggs(cols, "INST_", ("MIN", "MAX", "MEAN", "SUM")),
        (pl.col("INST_DAYSLATE") > 0).sum().alias("INST_COUNT_LATE"),
        (pl.col("INST_DAYSLATE") < 0).sum().alias("INST_COUNT_EARLY"),
        (pl.col("AMT_PAYMENT") > pl.col("AMT_INSTALMENT")).sum().alias("INST_COUNT_OVERPAID"),
        (pl.col("INST_PAYMENTDIFF") > 0).sum().alias("INST_COUNT_UNDERPAID"),
        (pl.col("INST_DAYSLATE") > 0).mean().alias("INST_RATIO_LATE"),
        (pl.col("INST_DAYSLATE") < 0).mean().alias("INST_RATIO_EARLY"),
    )


def _per_loan_pos(pos: pl.LazyFrame) -> pl.LazyFrame:
    return pos.group_by("SK_ID_PREV").agg(
        pl.len().alias("POS_COUNT"),
        pl.col("MONTHS_BALANCE").max().alias("POS_MONTHS_MAX"),
        pl.col("MONTHS_BALANCE").min().alias("POS_MONTHS_MIN"),
        pl.col("CNT_INSTALMENT_FUTURE").mean().alias("POS_INSTALMENT_FUTURE_MEAN"),
        pl.col("CNT_INSTALMENT_FUTURE").max().alias("POS_INSTALMENT_FUTURE_MAX"),
        *_aggs(["SK_DPD", "SK_DPD_DEF"], "POS_", ("MAX", "MEAN", "SUM")),
        (pl.col("NAME_CONTRACT_STATUS") == "Active").sum().alias("POS_STATUS_ACTIVE"),
        (pl.col("NAME_CONTRACT_STATUS") == "Active").mean().alias("POS_STATUS_ACTIVE_RATIO"),
    )


def _per_loan_cards(cc: pl.LazyFrame) -> pl.LazyFrame:
    c = cc.with_columns(
        (
            pl.col("AMT_BALANCE")
            / pl.when(pl.col("AMT_CREDIT_LIMIT_ACTUAL") > 0).then(pl.col("AMT_CREDIT_LIMIT_ACTUAL"))
        ).alias("CC_UTILIZATION"),
        (pl.col("AMT_BALANCE") > pl.col("AMT_CREDIT_LIMIT_ACTUAL")).cast(pl.Int8).alias("CC_OVER_LIMIT"),
    )
    cols = [
        "AMT_BALANCE",
        "AMT_CREDIT_LIMIT_ACTUAL",
        "AMT_DRAWINGS_ATM_CURRENT",
        "AMT_DRAWINGS_CURRENT",
        "AMT_PAYMENT_CURRENT",
        "CNT_DRAWINGS_ATM_CURRENT",
        "CNT_DRAWINGS_CURRENT",
        "SK_DPD",
        "SK_DPD_DEF",
        "CC_UTILIZATION",
        "CC_OVER_LIMIT",
    ]
    return c.group_by("SK_ID_PREV").agg(
        pl.len().alias("CC_COUNT"), *_aggs(cols, "CC_", ("MEAN", "MAX", "MIN", "STD"))
    )


def previous_features(
    prev: pl.LazyFrame, pos: pl.LazyFrame, inst: pl.LazyFrame, cc: pl.LazyFrame
) -> pl.LazyFrame:
    """Previous applications with their POS/instalment/card histories aggregated per loan, then per client."""
    days = [
        "DAYS_FIRST_DRAWING",
        "DAYS_FIRST_DUE",
        "DAYS_LAST_DUE_1ST_VERSION",
        "DAYS_LAST_DUE",
        "DAYS_TERMINATION",
    ]
    p = (
        prev.with_columns(*_no_sentinel(days))
        .with_columns(
            (
                pl.col("AMT_CREDIT") / pl.when(pl.col("AMT_APPLICATION") > 0).then(pl.col("AMT_APPLICATION"))
            ).alias("PREV_CREDIT_TO_APPLICATION"),
            (
                pl.col("AMT_CREDIT") / pl.when(pl.col("AMT_GOODS_PRICE") > 0).then(pl.col("AMT_GOODS_PRICE"))
            ).alias("PREV_CREDIT_TO_GOODSPRICE"),
            (pl.col("DAYS_FIRST_DUE") - pl.col("DAYS_DECISION")).alias("PREV_DECISION_TO_FIRST_DUE"),
        )
        .join(_per_loan_pos(pos), on="SK_ID_PREV", how="left")
        .join(_per_loan_installments(inst), on="SK_ID_PREV", how="left")
        .join(_per_loan_cards(cc), on="SK_ID_PREV", how="left")
    )
    cols = _numeric(p)
    product_types = ["walk-in", "x-sell", "XNA"]
    statuses = ["Approved", "Refused", "Canceled", "Unused offer"]
    agg = p.group_by(ID).agg(
        pl.len().alias("PREV_COUNT"),
        *_aggs(cols, "PREV_"),
        *[
            (pl.col("NAME_PRODUCT_TYPE") == v).sum().alias(f"PREV_NAME_PRODUCT_TYPE_{v}")
            for v in product_types
        ],
        *[
            (pl.col("NAME_CONTRACT_STATUS") == v).sum().alias(f"PREV_NAME_CONTRACT_STATUS_{v}")
            for v in statuses
        ],
        (pl.col("NAME_CONTRACT_STATUS") == "Refused").mean().alias("PREV_RATIO_REFUSED"),
        (pl.col("NAME_CONTRACT_STATUS") == "Approved").mean().alias("PREV_RATIO_APPROVED"),
    )
    recent = (
        inst.filter(pl.col("DAYS_INSTALMENT") > -365)
        .group_by(ID)
        .agg(
            ((pl.col("DAYS_ENTRY_PAYMENT") - pl.col("DAYS_INSTALMENT")) > 0)
            .mean()
            .alias("INST_RECENT_RATIO_LATE"),
            (pl.col("AMT_INSTALMENT") - pl.col("AMT_PAYMENT")).sum().alias("INST_RECENT_PAYMENTDIFF_SUM"),
        )
    )
    return agg.join(recent, on=ID, how="left")


def _lazy(frame: pd.DataFrame | pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    if isinstance(frame, pl.LazyFrame):
        return frame
    if isinstance(frame, pd.DataFrame):
        frame = pl.from_pandas(frame)
    return frame.lazy()


def build_features(
    tables: Mapping[str, pd.DataFrame | pl.DataFrame | pl.LazyFrame] | Path | str,
) -> pd.DataFrame:
    """One row per client (``SK_ID_CURR``), TARGET kept when present; hundreds of features.

    ``tables`` maps Kaggle table names to frames, or is a folder of Kaggle CSV/parquet files
    (read with :func:`core.data.loaders.load_tables`). Application rows come from
    ``application_train`` and, when given, ``application_test`` (TARGET null there).
    """
    started = time.perf_counter()
    if isinstance(tables, str | Path):
        from core.data.loaders import load_tables

        tables = load_tables(Path(tables))
    lazy = {name: _lazy(frame) for name, frame in tables.items()}
    apps = [lazy[n] for n in ("application_train", "application_test") if n in lazy]
    if not apps:
        raise ValueError("build_features needs application_train or application_test.")
    app = pl.concat(apps, how="diagonal_relaxed")
    out = application_features(app)
    if "bureau" in lazy:
        balance = lazy.get(
            "bureau_balance",
            pl.LazyFrame(schema={"SK_ID_BUREAU": pl.Int64, "MONTHS_BALANCE": pl.Int64, "STATUS": pl.String}),
        )
        out = out.join(bureau_features(lazy["bureau"], balance), on=ID, how="left")
    if "previous_application" in lazy:
        needed = ("POS_CASH_balance", "installments_payments", "credit_card_balance")
        missing = [n for n in needed if n not in lazy]
        if missing:
            raise ValueError(f"previous_application needs {', '.join(missing)} too.")
        parts = [lazy[n] for n in needed]
        out = out.join(previous_features(lazy["previous_application"], *parts), on=ID, how="left")
    frame = out.sort(ID).collect().to_pandas()
    # a client with no bureau or previous rows has zero of them, not an unknown number
    counts = [
        c
        for c in frame.columns
        if c in ("BUREAU_COUNT", "PREV_COUNT", "BUREAU_ACTIVE_COUNT", "BUREAU_RECENT_COUNT")
    ]
    frame[counts] = frame[counts].fillna(0)
    for col in APP_CATEGORICAL:
        if col in frame.columns:
            frame[col] = frame[col].astype(object).where(frame[col].notna(), None)
    log.info(
        "built %d features for %d clients in %.1fs",
        frame.shape[1] - 1,
        len(frame),
        time.perf_counter() - started,
    )
    return frame
