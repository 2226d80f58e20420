"""Decision list: one index covers what the decisions page lists and counts (replaces the time index).

The page filters by period (and decision, channel, officer...), counts by kind and decision, and shows
the newest rows without their application or feature vector. On SQLite a row's short columns come
after those two JSON texts, stored in overflow pages, so reading them walked every row's ~9 kB;
this index holds them (time first, for the period's range), so the list and the counts never read the
table. ``override_reason`` (free text, of override rows only) stays out: the list reads it with the
overrides.

On PostgreSQL the two JSON columns are compressed with lz4 instead of pglz (new rows; where the
server has lz4): a logged row costs the server half the CPU (measured by ``store_bench.py log``).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

LIST_COLUMNS = [
    "created_at", "seq", "decision_id", "channel", "kind", "client_id", "probability", "threshold",
    "decision", "officer", "authenticated", "latency_ms", "bundle_version", "overrides",
]  # fmt: skip


def _compression(method: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    try:
        with bind.begin_nested():  # a server without lz4 (or before 14) keeps pglz
            for column in ("application", "features"):
                bind.exec_driver_sql(f"ALTER TABLE decisions ALTER COLUMN {column} SET COMPRESSION {method}")
    except sa.exc.DBAPIError:
        pass


def upgrade() -> None:
    op.create_index("ix_decisions_list", "decisions", LIST_COLUMNS)
    op.drop_index("ix_decisions_created_at", table_name="decisions")
    _compression("lz4")


def downgrade() -> None:
    _compression("pglz")
    op.create_index("ix_decisions_created_at", "decisions", ["created_at"])
    op.drop_index("ix_decisions_list", table_name="decisions")
