"""The store's tables (SQLAlchemy Core): the Kaggle tables as loaded, the materialised history
aggregates, the loads that filled them, the append-only decision log and the API keys.

The schema is created and evolved by the Alembic migrations in ``core/store/migrations``; these
definitions are what the code reads and writes, and a test checks that they match a migrated database.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

from core.data.tables import TABLES, ColumnKind

metadata = MetaData()

#: the client tables of the store: every Kaggle table, applications (train and test) in one
APPLICATION = "application"
HISTORY_TABLES = (
    "bureau",
    "bureau_balance",
    "previous_application",
    "POS_CASH_balance",
    "installments_payments",
    "credit_card_balance",
)
#: the column a client table is looked up by
LOOKUP_KEY = {
    APPLICATION: "SK_ID_CURR",
    "bureau": "SK_ID_CURR",
    "bureau_balance": "SK_ID_BUREAU",
    "previous_application": "SK_ID_CURR",
    "POS_CASH_balance": "SK_ID_CURR",
    "installments_payments": "SK_ID_CURR",
    "credit_card_balance": "SK_ID_CURR",
}


def _sql_type(kind: ColumnKind) -> type:
    return {"id": BigInteger, "int": BigInteger, "target": Integer, "float": Float, "category": Text}[kind]


def _kaggle_columns(table: str) -> list[Column]:
    source = "application_train" if table == APPLICATION else table
    out: list[Column] = []
    for name, kind in TABLES[source]:
        primary = table == APPLICATION and name == "SK_ID_CURR"
        nullable = not primary and (kind in ("float", "category", "target") or table == APPLICATION)
        out.append(Column(name, _sql_type(kind), primary_key=primary, nullable=nullable))
    return out


def _client_table(name: str) -> Table:
    table = Table(name, metadata, *_kaggle_columns(name))
    if name != APPLICATION:
        Index(f"ix_{name.lower()}_{LOOKUP_KEY[name].lower()}", table.c[LOOKUP_KEY[name]])
    return table


client_tables: dict[str, Table] = {n: _client_table(n) for n in (APPLICATION, *HISTORY_TABLES)}
application = client_tables[APPLICATION]

loads = Table(
    "store_loads",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime),
    Column("source", Text, nullable=False),
    Column("status", String(16), nullable=False),  # running | complete | failed
    Column("counts", Text),  # JSON: table -> rows
    Column("code_version", String(64)),
)

#: the names (in order) of a materialised aggregate vector, shared by every client of a load
feature_sets = Table(
    "feature_sets",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("sha256", String(64), nullable=False, unique=True),
    Column("names", Text, nullable=False),  # JSON list
    Column("created_at", DateTime, nullable=False),
)

#: history aggregates per client, as computed by ``core.features.build.history_table``
client_features = Table(
    "client_features",
    metadata,
    Column("SK_ID_CURR", BigInteger, primary_key=True),
    Column("feature_set_id", Integer, ForeignKey("feature_sets.id"), nullable=False),
    Column("vector", LargeBinary, nullable=False),  # zlib(float64 little-endian), NaN = missing
)

#: the inputs of a batch of decisions, one compressed payload (``core.store.inputs``); append-only
decision_inputs = Table(
    "decision_inputs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("created_at", DateTime, nullable=False),  # UTC
    Column("rows", Integer, nullable=False),  # applications in the payload
    Column("sha256", String(64), nullable=False),
    Column("payload", LargeBinary, nullable=False),
)

#: append-only (database triggers refuse UPDATE and DELETE); each row hashes its content and the
#: previous row's hash. ``seq`` is given under the write lock: 1, 2, 3... without gaps.
decisions = Table(
    "decisions",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("decision_id", String(32), nullable=False, unique=True),
    Column("created_at", DateTime, nullable=False),  # UTC
    Column("channel", String(16), nullable=False),  # dashboard | api | cli
    Column("kind", String(16), nullable=False),  # decision | override | refused_input
    Column("client_id", BigInteger),
    Column("application", Text),  # JSON: the input as received
    Column("features", Text),  # JSON: the exact vector the model scored
    Column("input_hash", String(64)),
    Column("bundle_name", Text),
    Column("bundle_version", Text),
    Column("bundle_hash", String(64)),
    Column("probability", Float),
    Column("threshold", Float),
    Column("decision", String(16)),  # ACCEPTED | REFUSED; null for refused inputs
    Column("reasons", Text),  # JSON list
    Column("errors", Text),  # JSON list (refused inputs)
    Column("officer", Text, nullable=False),
    Column("authenticated", Boolean, nullable=False),
    Column("latency_ms", Float),
    Column("overrides", String(32), ForeignKey("decisions.decision_id")),
    Column("override_reason", Text),
    Column("prev_hash", String(64), nullable=False),
    Column("row_hash", String(64), nullable=False),
    # the compact log (migration 0003): a decision of a batch keeps its inputs in a shared payload
    Column("inputs_id", String(32), ForeignKey("decision_inputs.id")),
    Column("inputs_row", Integer),  # its row in the payload
)
#: what the decisions page lists and counts, time first (migration 0002 says why)
Index(
    "ix_decisions_list",
    *(decisions.c[name] for name in (
        "created_at", "seq", "decision_id", "channel", "kind", "client_id", "probability", "threshold",
        "decision", "officer", "authenticated", "latency_ms", "bundle_version", "overrides",
    )),
)  # fmt: skip
Index("ix_decisions_client_id", decisions.c.client_id)
Index("ix_decisions_overrides", decisions.c.overrides)
Index("ix_decisions_officer", decisions.c.officer)

api_keys = Table(
    "api_keys",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("role", String(16), nullable=False),  # officer | analyst | auditor
    Column("key_sha256", String(64), nullable=False, unique=True),
    Column("created_at", DateTime, nullable=False),
    Column("revoked_at", DateTime),
)
