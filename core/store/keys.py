"""API keys: only their SHA-256 is kept (environment ``API_KEYS`` or the database); a key is shown once.

A key is 32 random bytes (URL-safe text prefixed ``pad_``): a fast hash is enough for such a secret
and is compared in constant time. Roles: ``officer`` (look up and score clients, see their own
decisions), ``analyst`` and ``auditor`` (list and export every decision).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from core.store import tables as t

Role = Literal["officer", "analyst", "auditor"]
ROLES: tuple[Role, ...] = ("officer", "analyst", "auditor")
#: roles that may list and export every decision
READ_ALL: frozenset[str] = frozenset({"analyst", "auditor"})
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")
_REFRESH_S = 5.0


class ApiKeyError(ValueError):
    """A key could not be created or parsed (bad name, role, duplicate)."""


@dataclass(frozen=True)
class Principal:
    """Who a valid key belongs to."""

    name: str
    role: Role


def key_hash(key: str) -> str:
    """The stored form of a key."""
    return hashlib.sha256(key.encode()).hexdigest()


def parse_env_keys(text: str) -> dict[str, Principal]:
    """``name:role:sha256, ...`` -> hash -> principal; a malformed entry raises naming its position."""
    out: dict[str, Principal] = {}
    for i, entry in enumerate(p.strip() for p in text.split(",")):
        if not entry:
            continue
        parts = entry.split(":")
        if len(parts) != 3 or not re.fullmatch(r"[0-9a-f]{64}", parts[2]) or parts[1] not in ROLES:
            raise ApiKeyError(
                f"API_KEYS entry {i + 1} is not 'name:role:sha256-hex' with role one of {list(ROLES)} "
                "(the hash is printed by `pad keys create`)."
            )
        out[parts[2]] = Principal(parts[0], parts[1])  # type: ignore[arg-type]
    return out


class KeyRing:
    """The valid keys: from the environment and the database (re-read every few seconds)."""

    def __init__(self, engine: Engine | None, env_keys: str | None = None) -> None:
        self.engine = engine
        self._env = parse_env_keys(env_keys) if env_keys else {}
        self._db: dict[str, Principal] = {}
        self._ever = False
        self._read_at = float("-inf")

    @property
    def enabled(self) -> bool:
        """True once any key was configured or created (even if all are revoked since: revoking the
        last key closes the API, it never reopens it to everyone)."""
        self._refresh()
        return bool(self._env or self._db or self._ever)

    def authenticate(self, presented: str | None) -> Principal | None:
        """The principal of a presented key, None when it is not valid."""
        if not presented:
            return None
        self._refresh()
        digest = key_hash(presented.strip())
        for known, principal in (*self._env.items(), *self._db.items()):
            if hmac.compare_digest(known, digest):
                return principal
        return None

    def create(self, name: str, role: str = "officer") -> str:
        """A new key for ``name`` stored as its hash; the key itself is returned once, never stored."""
        if not _NAME.match(name or ""):
            raise ApiKeyError(f"key name {name!r} is not valid: 1-64 letters, digits, '_', '.', '@' or '-'.")
        if role not in ROLES:
            raise ApiKeyError(f"role={role!r} is not valid; use one of {list(ROLES)}.")
        if self.engine is None:
            raise ApiKeyError("keys are created in the database; no database is configured.")
        key = "pad_" + secrets.token_urlsafe(32)
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    insert(t.api_keys).values(
                        name=name, role=role, key_sha256=key_hash(key), created_at=_now()
                    )
                )
        except IntegrityError:
            raise ApiKeyError(
                f"a key named {name!r} already exists; revoke it or choose another name."
            ) from None
        self._read_at = float("-inf")
        return key

    def revoke(self, name: str) -> bool:
        """Revoke the key ``name``; False when there is no such active key."""
        if self.engine is None:
            return False
        k = t.api_keys
        with self.engine.begin() as conn:
            done = conn.execute(
                update(k).where(k.c.name == name, k.c.revoked_at.is_(None)).values(revoked_at=_now())
            ).rowcount
        self._read_at = float("-inf")
        return bool(done)

    def names(self) -> list[tuple[str, str, bool]]:
        """(name, role, active) of the database keys."""
        if self.engine is None:
            return []
        k = t.api_keys
        with self.engine.connect() as conn:
            rows = conn.execute(select(k.c.name, k.c.role, k.c.revoked_at).order_by(k.c.name)).all()
        return [(n, r, rev is None) for n, r, rev in rows]

    def _refresh(self) -> None:
        if self.engine is None or time.monotonic() - self._read_at < _REFRESH_S:
            return
        k = t.api_keys
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(k.c.name, k.c.role, k.c.key_sha256).where(k.c.revoked_at.is_(None))
            ).all()
            self._ever = bool(rows) or conn.execute(select(k.c.name).limit(1)).first() is not None
        self._db = {h: Principal(n, r) for n, r, h in rows}
        self._read_at = time.monotonic()


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
