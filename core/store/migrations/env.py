"""Alembic environment: migrations run on the connection the store passes (never from a URL here)."""

from __future__ import annotations

from alembic import context

from core.store.tables import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
context.run_migrations()
