"""Initial store: Kaggle client tables, history aggregates, loads, append-only decision log, API keys.

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from core.data.tables import TABLES

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_KIND = {
    "id": sa.BigInteger,
    "int": sa.BigInteger,
    "target": sa.Integer,
    "float": sa.Float,
    "category": sa.Text,
}
_HISTORY = {
    "bureau": "SK_ID_CURR",
    "bureau_balance": "SK_ID_BUREAU",
    "previous_application": "SK_ID_CURR",
    "POS_CASH_balance": "SK_ID_CURR",
    "installments_payments": "SK_ID_CURR",
    "credit_card_balance": "SK_ID_CURR",
}

_SQLITE_APPEND_ONLY = [
    "CREATE TRIGGER decisions_no_update BEFORE UPDATE ON decisions "
    "BEGIN SELECT RAISE(ABORT, 'the decision log is append-only: UPDATE refused'); END",
    "CREATE TRIGGER decisions_no_delete BEFORE DELETE ON decisions "
    "BEGIN SELECT RAISE(ABORT, 'the decision log is append-only: DELETE refused'); END",
]
_PG_APPEND_ONLY = [
    "CREATE FUNCTION decisions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'the decision log is append-only: % refused', TG_OP; END $$",
    "CREATE TRIGGER decisions_no_update BEFORE UPDATE OR DELETE ON decisions "
    "FOR EACH ROW EXECUTE FUNCTION decisions_append_only()",
    "CREATE TRIGGER decisions_no_truncate BEFORE TRUNCATE ON decisions "
    "FOR EACH STATEMENT EXECUTE FUNCTION decisions_append_only()",
]


def _kaggle(table: str, source: str) -> list[sa.Column]:
    cols: list[sa.Column] = []
    for name, kind in TABLES[source]:
        primary = table == "application" and name == "SK_ID_CURR"
        nullable = not primary and (kind in ("float", "category", "target") or table == "application")
        cols.append(sa.Column(name, _KIND[kind], primary_key=primary, nullable=nullable))
    return cols


def upgrade() -> None:
    op.create_table("application", *_kaggle("application", "application_train"))
    for table, key in _HISTORY.items():
        op.create_table(table, *_kaggle(table, table))
        op.create_index(f"ix_{table.lower()}_{key.lower()}", table, [key])
    op.create_table(
        "store_loads",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("finished_at", sa.DateTime),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("counts", sa.Text),
        sa.Column("code_version", sa.String(64)),
    )
    op.create_table(
        "feature_sets",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("names", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "client_features",
        sa.Column("SK_ID_CURR", sa.BigInteger, primary_key=True),
        sa.Column("feature_set_id", sa.Integer, sa.ForeignKey("feature_sets.id"), nullable=False),
        sa.Column("vector", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "decisions",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("decision_id", sa.String(32), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("client_id", sa.BigInteger),
        sa.Column("application", sa.Text),
        sa.Column("features", sa.Text),
        sa.Column("input_hash", sa.String(64)),
        sa.Column("bundle_name", sa.Text),
        sa.Column("bundle_version", sa.Text),
        sa.Column("bundle_hash", sa.String(64)),
        sa.Column("probability", sa.Float),
        sa.Column("threshold", sa.Float),
        sa.Column("decision", sa.String(16)),
        sa.Column("reasons", sa.Text),
        sa.Column("errors", sa.Text),
        sa.Column("officer", sa.Text, nullable=False),
        sa.Column("authenticated", sa.Boolean, nullable=False),
        sa.Column("latency_ms", sa.Float),
        sa.Column("overrides", sa.String(32), sa.ForeignKey("decisions.decision_id")),
        sa.Column("override_reason", sa.Text),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("row_hash", sa.String(64), nullable=False),
    )
    for col in ("created_at", "client_id", "overrides", "officer"):
        op.create_index(f"ix_decisions_{col}", "decisions", [col])
    op.create_table(
        "api_keys",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("key_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("revoked_at", sa.DateTime),
    )
    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": _SQLITE_APPEND_ONLY, "postgresql": _PG_APPEND_ONLY}.get(dialect, []):
        op.execute(statement)


def downgrade() -> None:
    for table in ("api_keys", "decisions", "client_features", "feature_sets", "store_loads", *_HISTORY):
        op.drop_table(table)
    op.drop_table("application")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS decisions_append_only()")
