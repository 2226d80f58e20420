"""Compact decision log: the inputs of a batch in one payload, shared by its decisions.

A decision logged from a chunk of a file (or an API batch) used to carry ~9 kB of canonical JSON
(its application and feature vector), which capped ``pad score`` at a few thousand rows per second.
Now a chunk writes one ``decision_inputs`` row (every application as given and every feature vector,
column by column, Arrow IPC with lz4: ``core.store.inputs``) and each decision points at its row in it
(``inputs_id``, ``inputs_row``), with the payload's SHA-256 as its ``input_hash``. Rows written before
keep their JSON columns and their hashes: the chain hashes the two new columns only where they are set.
``decision_inputs`` is append-only, as ``decisions`` is.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_SQLITE_APPEND_ONLY = [
    "CREATE TRIGGER decision_inputs_no_update BEFORE UPDATE ON decision_inputs "
    "BEGIN SELECT RAISE(ABORT, 'the decision log is append-only: UPDATE refused'); END",
    "CREATE TRIGGER decision_inputs_no_delete BEFORE DELETE ON decision_inputs "
    "BEGIN SELECT RAISE(ABORT, 'the decision log is append-only: DELETE refused'); END",
]
_PG_APPEND_ONLY = [  # the function of migration 0001
    "CREATE TRIGGER decision_inputs_no_update BEFORE UPDATE OR DELETE ON decision_inputs "
    "FOR EACH ROW EXECUTE FUNCTION decisions_append_only()",
    "CREATE TRIGGER decision_inputs_no_truncate BEFORE TRUNCATE ON decision_inputs "
    "FOR EACH STATEMENT EXECUTE FUNCTION decisions_append_only()",
]


def upgrade() -> None:
    op.create_table(
        "decision_inputs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("payload", sa.LargeBinary, nullable=False),
    )
    # plain ADD COLUMN: the table keeps its rows and its triggers (SQLite allows a reference on a
    # column added with a null default, but Alembic only writes it in a copy-and-move)
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("ALTER TABLE decisions ADD COLUMN inputs_id VARCHAR(32) REFERENCES decision_inputs (id)")
    else:
        op.add_column("decisions", sa.Column("inputs_id", sa.String(32), sa.ForeignKey("decision_inputs.id")))
    op.add_column("decisions", sa.Column("inputs_row", sa.Integer))
    for statement in {"sqlite": _SQLITE_APPEND_ONLY, "postgresql": _PG_APPEND_ONLY}.get(dialect, []):
        op.execute(statement)


def downgrade() -> None:
    # the compact rows lose their inputs: downgrade only a log that has none (or a copy)
    op.drop_column("decisions", "inputs_row")
    op.drop_column("decisions", "inputs_id")
    op.drop_table("decision_inputs")
