"""The few exceptions of the scoring library, each subclassing a built-in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class ConfigError(ValueError):
    """The configuration (environment variables) is invalid or incomplete."""


class BundleError(ValueError):
    """A model bundle is missing, incomplete, or its files do not match the manifest."""


@dataclass(frozen=True)
class FieldError:
    """One problem with one field of one record."""

    field: str
    problem: str
    value: object = None

    def __str__(self) -> str:
        return f"{self.field}: {self.problem}"


class RecordValidationError(ValueError):
    """A client record failed validation; ``errors`` lists every problem at once."""

    def __init__(self, errors: Sequence[FieldError], *, row: int | None = None) -> None:
        self.errors = list(errors)
        self.row = row
        where = f"row {row}: " if row is not None else ""
        super().__init__(where + "; ".join(str(e) for e in self.errors))


class FileValidationError(ValueError):
    """A whole input file cannot be used (e.g. feature columns are missing)."""
