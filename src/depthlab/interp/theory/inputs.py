"""Validation of interpolation data: finite values, matching shapes, distinct points.

Every error names the problem and what to change (depthlab standard); nothing here raises from inside NumPy.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from depthlab.errors import InputError
from depthlab.validate import as_array


def as_points(X: Any, name: str = "X") -> np.ndarray:
    """Points as a finite float64 array of shape ``(N, d)``; a 1-D array is read as N points in R^1."""
    arr = as_array(X, name, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise InputError(f"{name} must have shape (N, d) (N points in R^d), got shape {arr.shape}")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise InputError(f"{name} is empty (shape {arr.shape}); give at least one point with at least one coordinate")
    return arr


def as_targets(Y: Any, n_points: int, name: str = "Y") -> np.ndarray:
    """Targets as a finite float64 array of shape ``(N, m)`` (a vector is one output)."""
    arr = as_array(Y, name, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise InputError(f"{name} must have shape (N,) or (N, m), got shape {arr.shape}")
    if arr.shape[0] != n_points:
        raise InputError(
            f"dimension mismatch: X has {n_points} points but {name} has {arr.shape[0]} rows; "
            "give one target (row) per point"
        )
    if arr.shape[1] == 0:
        raise InputError(f"{name} has no output columns (shape {arr.shape})")
    return arr


def duplicate_groups(X: np.ndarray) -> list[list[int]]:
    """Groups of indices of identical rows of X (each group has ≥ 2 indices), in order of first occurrence."""
    _, inverse, counts = np.unique(X, axis=0, return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1)
    groups: dict[int, list[int]] = {}
    for i, g in enumerate(inverse):
        if counts[g] > 1:
            groups.setdefault(int(g), []).append(i)
    return sorted(groups.values(), key=lambda g: g[0])


def check_distinct(X: np.ndarray, Y: np.ndarray | None = None, name: str = "X") -> None:
    """Raise :class:`InputError` naming the duplicate points (and whether their targets conflict)."""
    groups = duplicate_groups(X)
    if not groups:
        return
    shown = "; ".join(
        "points "
        + ", ".join(str(i) for i in g)
        + (
            ""
            if Y is None
            else (
                " (targets differ: no function can interpolate them)"
                if np.ptp(Y[g], axis=0).max() > 0
                else " (same target)"
            )
        )
        for g in groups[:5]
    )
    more = f" and {len(groups) - 5} more group(s)" if len(groups) > 5 else ""
    raise InputError(
        f"{name} has {sum(len(g) for g in groups)} duplicate points in {len(groups)} group(s): "
        f"{shown}{more}. The constructions need distinct points: remove or merge the duplicates"
    )


def prepare(X: Any, Y: Any) -> tuple[np.ndarray, np.ndarray]:
    """Validated ``(X (N, d), Y (N, m))`` with distinct points."""
    x = as_points(X)
    y = as_targets(Y, x.shape[0])
    check_distinct(x, y)
    return x, y


def as_labels(labels: Any, n_points: int, name: str = "labels") -> np.ndarray:
    """Integer class labels ``0..K-1`` of shape ``(N,)``."""
    arr = as_array(labels, name, dtype=np.float64)
    if arr.ndim != 1 or arr.shape[0] != n_points:
        raise InputError(f"dimension mismatch: {name} must have shape ({n_points},), got {arr.shape}")
    if np.any(arr != np.round(arr)) or np.any(arr < 0):
        raise InputError(f"{name} must be non-negative integers 0..K-1")
    return arr.astype(np.int64)
