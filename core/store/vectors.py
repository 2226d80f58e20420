"""History aggregate vectors as stored: float64 little-endian, zlib-compressed (NaN = missing)."""

from __future__ import annotations

import hashlib
import json
import zlib

import numpy as np


def encode(values: np.ndarray) -> bytes:
    """One client's aggregate vector as bytes."""
    return zlib.compress(np.ascontiguousarray(values, dtype="<f8").tobytes(), 1)


def decode(blob: bytes) -> np.ndarray:
    """The vector :func:`encode` stored."""
    return np.frombuffer(zlib.decompress(blob), dtype="<f8")


def names_sha(names: list[str]) -> str:
    """The identity of an ordered list of aggregate names."""
    return hashlib.sha256(json.dumps(names).encode()).hexdigest()
