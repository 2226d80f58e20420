"""Exact TreeSHAP for CatBoost's oblivious trees, precomputed per leaf.

Every node of one level of an oblivious tree tests the same condition, so the leaf a client reaches
fixes the client's side at every node: the path-dependent TreeSHAP values of a tree are a function
of the leaf alone. :class:`LeafShap` computes them once per (tree, leaf) when a bundle is first
explained — as CatBoost prepares its own ``ShapValues`` — and an explanation becomes CatBoost's leaf
indices plus a sum of at most ``depth`` numbers per tree (microseconds instead of milliseconds).

The values are CatBoost's, by construction and by test (``tests/core/serving/test_treeshap.py``):
- the root tests the tree's *last* split (leaf index bit ``i`` is split ``i``), covers are the
  training leaf weights stored in the model, and a node with no weight contributes nothing;
- a split belongs to a *player*: a numeric split to its feature, a one-hot split to its categorical
  feature, a CTR split to the set of categorical features of its projection (the binarized numeric
  parts of a combination are not players); splits with the same set are one player, and a player's
  Shapley value is shared equally by its features.
"""

from __future__ import annotations

import json
import math
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from catboost import CatBoostClassifier


class UnsupportedModel(ValueError):
    """The model is not one this module explains exactly (non-oblivious trees, several outputs)."""


@dataclass(frozen=True)
class LeafShap:
    """Per-leaf SHAP tables of a CatBoost model: ``values(leaves).sum(1) + expected_value == raw``."""

    features: np.ndarray  # (trees, width) int: the flat feature of each slot; n_features = padding
    table: np.ndarray  # (trees, max leaves, width) float64: SHAP of each slot, per leaf
    expected_value: float  # the model's bias plus every tree's weighted mean leaf value
    n_features: int

    @classmethod
    def from_model(cls, model: CatBoostClassifier) -> LeafShap:
        """Build the tables from the model's own description (its JSON export)."""
        with tempfile.TemporaryDirectory(prefix="pad-shap-") as tmp:
            path = Path(tmp) / "model.json"
            model.save_model(str(path), format="json")
            description = json.loads(path.read_text(encoding="utf-8"))
        return cls.from_description(description)

    @classmethod
    def from_description(cls, model: dict[str, Any]) -> LeafShap:
        """Build the tables from a CatBoost JSON model description."""
        trees = model.get("oblivious_trees")
        if not trees:
            raise UnsupportedModel("the model has no oblivious trees")
        if any(len(t["leaf_values"]) != 1 << len(t.get("splits") or []) for t in trees):
            raise UnsupportedModel("the model has several outputs per leaf")
        info = model["features_info"]
        player_of = _player_function(info)
        n_features = _flat_feature_count(info)
        scale, bias = model.get("scale_and_bias", [1.0, [0.0]])
        if scale != 1:
            raise UnsupportedModel(f"the model's scale is {scale}, not 1")
        per_tree = [
            _tree_shap(
                np.asarray(t["leaf_values"], dtype=float),
                np.asarray(t["leaf_weights"], dtype=float),
                [player_of(s) for s in t.get("splits") or []],  # a stump has no splits
            )
            for t in trees
        ]
        width = max(1, max(len(feats) for feats, _, _ in per_tree))
        leaves = max(table.shape[0] for _, table, _ in per_tree)
        features = np.full((len(trees), width), n_features, dtype=np.int64)
        table = np.zeros((len(trees), leaves, width))
        for t, (feats, values, _) in enumerate(per_tree):
            features[t, : len(feats)] = feats
            table[t, : values.shape[0], : len(feats)] = values
        expected = float(np.asarray(bias, dtype=float).reshape(-1)[0]) + sum(m for _, _, m in per_tree)
        return cls(features=features, table=table, expected_value=expected, n_features=n_features)

    def values(self, leaves: np.ndarray) -> np.ndarray:
        """SHAP values (rows x features, log-odds) of rows given their leaf index in every tree."""
        leaves = np.asarray(leaves, dtype=np.int64)
        n_trees = self.features.shape[0]
        if leaves.ndim != 2 or leaves.shape[1] != n_trees:
            raise ValueError(f"expected leaf indices of shape (rows, {n_trees}), got {leaves.shape}")
        if leaves.shape[0] == 1:  # the online path: one gather, one weighted count
            slots = self.table[np.arange(n_trees), leaves[0]]
            row = np.bincount(self.features.ravel(), slots.ravel(), minlength=self.n_features + 1)
            return row[None, : self.n_features]
        out = np.zeros((self.n_features + 1, leaves.shape[0]))  # features x rows: contiguous adds
        for t in range(n_trees):  # features are distinct within a tree (padding only repeats)
            out[self.features[t]] += self.table[t][leaves[:, t]].T
        return out[: self.n_features].T


def _flat_feature_count(info: dict[str, Any]) -> int:
    flat = [
        f["flat_feature_index"]
        for kind in ("float_features", "categorical_features")
        for f in info.get(kind, [])
    ]
    return max(flat) + 1 if flat else 0


def _player_function(info: dict[str, Any]) -> Any:
    """split description -> frozenset of flat feature indices (the split's player)."""
    floats = {f["feature_index"]: f["flat_feature_index"] for f in info.get("float_features", [])}
    cats = {f["feature_index"]: f["flat_feature_index"] for f in info.get("categorical_features", [])}
    # binary features are numbered: every float border, then one-hot values, then CTR borders
    start = sum(len(f.get("borders") or []) for f in info.get("float_features", []))
    start += sum(len(f.get("values") or []) for f in info.get("categorical_features", []))
    ctr_ranges: list[tuple[int, int, dict[str, Any]]] = []
    for ctr in info.get("ctrs", []):
        ctr_ranges.append((start, start + len(ctr["borders"]), ctr))
        start += len(ctr["borders"])

    def player(split: dict[str, Any]) -> frozenset[int]:
        kind = split["split_type"]
        if kind == "FloatFeature":
            return frozenset([floats[split["float_feature_index"]]])
        if kind == "OneHotFeature":
            return frozenset([cats[split["cat_feature_index"]]])
        if kind == "OnlineCtr":
            index = split["split_index"]
            for lo, hi, ctr in ctr_ranges:
                if lo <= index < hi:
                    if not math.isclose(
                        ctr["borders"][index - lo], split["border"], rel_tol=1e-6, abs_tol=1e-9
                    ):
                        raise UnsupportedModel(f"CTR split {index} does not match its border")
                    return frozenset(
                        cats[e["cat_feature_index"]]
                        for e in ctr["elements"]
                        if e["combination_element"] == "cat_feature_value"
                    )
            raise UnsupportedModel(f"CTR split {index} is not described in the model")
        raise UnsupportedModel(f"split type {kind!r} is not supported")

    return player


def _tree_shap(
    values: np.ndarray, weights: np.ndarray, split_players: Sequence[frozenset[int]]
) -> tuple[list[int], np.ndarray, float]:
    """Flat features touched by one tree, their SHAP value for every leaf, and the tree's mean value."""
    depth = len(split_players)
    players = list(dict.fromkeys(split_players))
    level_player = [players.index(p) for p in split_players]
    n_leaves = 1 << depth
    leaves = np.arange(n_leaves)
    covers = [np.bincount(leaves >> (depth - d), weights=weights, minlength=1 << d) for d in range(depth + 1)]
    total = covers[0][0]
    mean = float((weights * values).sum() / total) if total > 0 else 0.0
    # worth[mask, leaf]: the tree's expected value when the players of ``mask`` take the leaf's
    # values and the others follow the covers (path-dependent TreeSHAP). Unrolled, it is the sum of
    # the leaves l agreeing with ``leaf`` on the known splits, each weighted by the cover ratios
    # child / parent along l at the unknown splits: every mask and leaf at once.
    masks = np.arange(1 << len(players))
    ratio = np.zeros((depth, n_leaves))  # the cover ratio child / parent of split bit b along each leaf
    for b in range(depth):
        d = depth - 1 - b  # the split of bit b is between depth d and d + 1
        child, parent = covers[d + 1][leaves >> b], covers[d][leaves >> (b + 1)]
        np.divide(child, parent, out=ratio[b], where=parent > 0)
    known = ((masks[:, None] >> np.asarray(level_player, dtype=np.int64)[None, :]) & 1).astype(bool)
    weight = np.where(known[:, :, None], 1.0, ratio[None]).prod(axis=1)  # (masks, leaves)
    known_bits = (known * (1 << np.arange(depth))[None, :]).sum(axis=1)  # (masks,)
    keys = leaves[None, :] & known_bits[:, None]  # leaves agreeing on the known splits share a key
    flat = (masks[:, None] * n_leaves + keys).ravel()
    grouped = np.bincount(flat, weights=(values[None, :] * weight).ravel(), minlength=masks.size * n_leaves)
    worth = grouped.reshape(masks.size, n_leaves)[masks[:, None], keys]  # (masks, leaves)
    phi = worth.T @ _shapley_weights(len(players))  # (leaves, players)
    features = sorted({f for p in players for f in p})
    out = np.zeros((n_leaves, len(features)))
    for i, p in enumerate(players):
        for f in p:
            out[:, features.index(f)] += phi[:, i] / len(p)
    return features, out, mean


@lru_cache(maxsize=16)
def _shapley_weights(n: int) -> np.ndarray:
    """(2**n, n) matrix W with phi = worth @ W: Shapley weights of every coalition for every player."""
    weights = np.zeros((1 << n, n))
    for i in range(n):
        for mask in range(1 << n):
            if mask >> i & 1:
                continue
            size = bin(mask).count("1")
            w = math.factorial(size) * math.factorial(n - size - 1) / math.factorial(n)
            weights[mask | 1 << i, i] += w
            weights[mask, i] -= w
    return weights
