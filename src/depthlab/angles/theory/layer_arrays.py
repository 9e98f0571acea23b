"""The predictions the experiments need, as float64 arrays indexed by layer ``0 … L`` (index 0: the input θ_0).

A thin layer over Algorithm 1, Approximation 2, Theorem 1 and eq. 12 of Jakub & Nica (arXiv 2302.09712), so that
the simulators' tables, the CLI and the training link read every prediction in the same shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from depthlab.angles.theory.finite import mu, sigma2
from depthlab.angles.theory.finite import rho as _rho
from depthlab.angles.theory.infinite import infinite_width_angles
from depthlab.angles.theory.predict import DensityPrediction, predict_density, predict_mean_path


def mu_sigma2(theta: Any, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Theorem 1: μ(θ, n) and σ²(θ, n), the one-step conditional mean and variance of ln sin²θ_{ℓ+1}."""
    return np.asarray(mu(theta, n), dtype=float), np.asarray(sigma2(theta, n), dtype=float)


def rho(n: int) -> float:
    """The width correction ρ(n) (eq. 2)."""
    return float(np.asarray(_rho(n)))


def mean_path(theta0: float, widths: Sequence[int]) -> np.ndarray:
    """Algorithm 1: predicted E ln sin²θ_ℓ for ℓ = 0 … L, shape ``(L+1,)``."""
    return np.asarray(predict_mean_path(theta0, list(widths))["mean_log_sin2"], dtype=float)


def infinite_theta(theta0: float, depth: int) -> np.ndarray:
    """Eq. 12 iterated: infinite-width angles θ_0 … θ_L, shape ``(L+1,)``."""
    return np.asarray(infinite_width_angles(theta0, depth), dtype=float)


def infinite_log_sin2(theta0: float, depth: int) -> np.ndarray:
    """ln sin² of :func:`infinite_theta`, shape ``(L+1,)``."""
    return 2.0 * np.log(np.sin(infinite_theta(theta0, depth)))


def density(theta0: float, widths: Sequence[int], grid: np.ndarray | None = None) -> DensityPrediction:
    """Approximation 2 propagated layer by layer (:func:`predict_density`; has ``mean``, ``sd``, ``cdf(layer)``)."""
    return predict_density(theta0, list(widths), grid)


def approx1_path(theta0: float, widths: Sequence[int]) -> np.ndarray:
    """Approximation 1 (eq. 1) iterated, shape ``(L+1,)`` (small-θ law)."""
    return np.asarray(predict_mean_path(theta0, list(widths))["approx1_log_sin2"], dtype=float)
