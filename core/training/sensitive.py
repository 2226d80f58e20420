"""Sensitive application fields: which model features carry them, and leaving them out of training."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from core.features.application import APPLICATION_FIELDS, DERIVED

#: Fields describing a protected characteristic (gender, age, family situation) or a close proxy.
SENSITIVE_FIELDS: tuple[str, ...] = ("CODE_GENDER", "DAYS_BIRTH", "NAME_FAMILY_STATUS", "CNT_CHILDREN")
#: Fields whose exclusion cost a training run measures when none is excluded (gender and age).
DEFAULT_EXCLUSION: tuple[str, ...] = ("CODE_GENDER", "DAYS_BIRTH")


def parse_fields(text: str | Sequence[str] | None) -> tuple[str, ...]:
    """``"CODE_GENDER,DAYS_BIRTH"`` (or a list) -> checked raw application field names."""
    if text is None:
        return ()
    names = [n.strip() for n in (text.split(",") if isinstance(text, str) else text)]
    names = [n for n in names if n]
    unknown = [n for n in names if n not in APPLICATION_FIELDS]
    if unknown:
        raise ValueError(
            f"--exclude: {', '.join(map(repr, unknown))} is not a raw application field; "
            f"it should be one of the application columns, e.g. {', '.join(SENSITIVE_FIELDS)}."
        )
    return tuple(dict.fromkeys(names))


def carriers(fields: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Each model feature that is, or is computed from, one of ``fields`` -> the fields it carries."""
    wanted = set(fields)
    out: dict[str, tuple[str, ...]] = {f: (f,) for f in wanted}
    for d in DERIVED:
        hit = tuple(f for f in d.inputs if f in wanted)
        if hit:
            out[d.name] = hit
    return out


def sensitive_inputs(features: Iterable[str]) -> dict[str, list[str]]:
    """Sensitive field -> the model features that carry it (only fields the model uses)."""
    carry = carriers(SENSITIVE_FIELDS)
    out: dict[str, list[str]] = {}
    for feat in features:
        for field in carry.get(feat, ()):
            out.setdefault(field, []).append(feat)
    return out
