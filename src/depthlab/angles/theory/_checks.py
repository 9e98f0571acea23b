"""Input validation shared by the angle-theory modules.

Every public function of :mod:`depthlab.angles` validates its arguments here and raises
:class:`depthlab.errors.InputError` with a message that names the argument and says what to change.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from depthlab.errors import InputError


def check_theta(theta: Any, name: str = "theta") -> np.ndarray:
    """Angles as a float64 array (any shape), each finite and in [0, π].

    Raises:
        InputError: non-numeric input, NaN/Inf, or an angle outside [0, π].
    """
    try:
        arr = np.asarray(theta, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(
            f"{name} must be a real number or array of angles in radians, got {theta!r}"
        ) from None
    if not np.all(np.isfinite(arr)):
        raise InputError(f"{name} contains NaN or Inf; angles must be finite numbers in [0, π]")
    if arr.size and (arr.min() < 0.0 or arr.max() > np.pi):
        bad = arr[(arr < 0.0) | (arr > np.pi)].ravel()[0]
        raise InputError(
            f"{name} must lie in [0, π] (an angle between two vectors, in radians), got {bad!r}; "
            "reduce it modulo 2π and fold it into [0, π]"
        )
    return arr


def check_scalar_theta(theta: Any, name: str = "theta0") -> float:
    """One angle in [0, π] as a Python float."""
    arr = check_theta(theta, name)
    if arr.ndim != 0 and arr.size != 1:
        raise InputError(f"{name} must be a single angle, got an array of shape {arr.shape}")
    return float(arr.reshape(()))


def check_width(n: Any, name: str = "width") -> np.ndarray:
    """Layer width(s) as a float64 array of integer values ≥ 2 (any shape).

    Theorem 1 divides by n − 1, and one neuron cannot carry an angle, so widths below 2 are refused.
    """
    try:
        arr = np.asarray(n, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be an integer ≥ 2 (number of neurons), got {n!r}") from None
    if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
        raise InputError(f"{name} must be an integer ≥ 2 (number of neurons), got {n!r}")
    if arr.size and arr.min() < 2:
        raise InputError(
            f"{name} must be ≥ 2 (the finite-width law divides by n − 1), got {int(arr.min())}; "
            "use a wider layer"
        )
    return arr


def check_widths(widths: Any, name: str = "widths") -> tuple[int, ...]:
    """A non-empty sequence of layer widths (integers ≥ 2), or a single width meaning one layer."""
    if isinstance(widths, int | np.integer):
        widths = [int(widths)]
    if isinstance(widths, str) or not isinstance(widths, Iterable | np.ndarray):
        raise InputError(f"{name} must be a sequence of layer widths (integers ≥ 2), got {widths!r}")
    vals = list(np.asarray(widths, dtype=object).ravel()) if isinstance(widths, np.ndarray) else list(widths)
    if not vals:
        raise InputError(f"{name} is empty: give one width per layer (depth ≥ 1)")
    out = []
    for i, w in enumerate(vals):
        if isinstance(w, bool) or not isinstance(w, int | np.integer | float | np.floating):
            raise InputError(f"{name}[{i}] must be an integer ≥ 2, got {w!r}")
        if not np.isfinite(w) or float(w) != int(w):
            raise InputError(f"{name}[{i}] must be an integer ≥ 2, got {w!r}")
        if int(w) < 2:
            raise InputError(f"{name}[{i}] must be ≥ 2 (the finite-width law divides by n − 1), got {int(w)}")
        out.append(int(w))
    return tuple(out)


def check_depth(depth: Any, name: str = "depth") -> int:
    """A depth (number of layers) ≥ 1."""
    if isinstance(depth, bool) or not isinstance(depth, int | np.integer):
        raise InputError(f"{name} must be an integer ≥ 1 (number of layers), got {depth!r}")
    if int(depth) < 1:
        raise InputError(f"{name} must be ≥ 1 (number of layers), got {int(depth)}")
    return int(depth)


def check_order(k: Any, name: str) -> int:
    """A moment order a or b: an integer ≥ 0."""
    if isinstance(k, bool) or not isinstance(k, int | np.integer):
        raise InputError(f"{name} must be a non-negative integer (a moment order), got {k!r}")
    if int(k) < 0:
        raise InputError(f"{name} must be ≥ 0 (a moment order), got {int(k)}")
    return int(k)
