"""Thin adapter from the experiment side to the theory modules of :mod:`depthlab.angles`.

The experiments, CLI and study only need a few predictions, always as arrays indexed by layer ``0 … L`` (index 0 is
the input angle θ_0). Keeping the translation here means the experiment code does not depend on the exact return
types of the theory functions (Algorithm 1, Approximation 2, Theorem 1, eq. 12 of Jakub & Nica, arXiv 2302.09712).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from depthlab.angles.predict import DensityPrediction


def _get(obj: Any, *names: str) -> Any:
    """The first of ``names`` present in a dict-like or attribute-bearing object."""
    for n in names:
        if isinstance(obj, dict) and n in obj:
            return obj[n]
        if not isinstance(obj, dict) and hasattr(obj, n):
            return getattr(obj, n)
    raise KeyError(
        f"none of {names} in theory output (keys: {list(obj) if isinstance(obj, dict) else dir(obj)})"
    )


def mu_sigma2(theta: Any, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Theorem 1: μ(θ, n) and σ²(θ, n), the one-step conditional mean and variance of ln sin²θ_{ℓ+1}."""
    from depthlab.angles.finite import mu, sigma2

    return np.asarray(mu(theta, n), dtype=float), np.asarray(sigma2(theta, n), dtype=float)


def rho(n: int) -> float:
    """The width correction ρ(n) (eq. 2)."""
    from depthlab.angles.finite import rho as _rho

    return float(np.asarray(_rho(n)))


def mean_path(theta0: float, widths: Sequence[int]) -> np.ndarray:
    """Algorithm 1: predicted E ln sin²θ_ℓ for ℓ = 0 … L, shape ``(L+1,)``."""
    from depthlab.angles.predict import predict_mean_path

    out = predict_mean_path(theta0, list(widths))
    arr = np.asarray(_get(out, "mean_log_sin2", "log_sin2", "mean"), dtype=float)
    if arr.shape[0] == len(widths):  # without the input layer
        arr = np.concatenate([[math.log(math.sin(theta0) ** 2)], arr])
    return arr


def infinite_theta(theta0: float, depth: int) -> np.ndarray:
    """Eq. 12 iterated: infinite-width angles θ_0 … θ_L, shape ``(L+1,)``."""
    from depthlab.angles.infinite import infinite_width_angles

    return np.asarray(infinite_width_angles(theta0, depth), dtype=float)


def infinite_log_sin2(theta0: float, depth: int) -> np.ndarray:
    """ln sin² of :func:`infinite_theta`, shape ``(L+1,)``."""
    return 2.0 * np.log(np.sin(infinite_theta(theta0, depth)))


def density(theta0: float, widths: Sequence[int], grid: np.ndarray | None = None) -> DensityPrediction:
    """Approximation 2 propagated layer by layer (``predict_density``; has ``mean``, ``sd``,
    ``cdf(layer)``)."""
    from depthlab.angles.predict import predict_density

    return predict_density(theta0, list(widths), grid)


def approx1_path(theta0: float, widths: Sequence[int]) -> np.ndarray:
    """Approximation 1 (eq. 1) iterated, shape ``(L+1,)`` (small-θ law)."""
    from depthlab.angles.predict import predict_mean_path

    return np.asarray(predict_mean_path(theta0, list(widths))["approx1_log_sin2"], dtype=float)
