"""Thin adapter from the experiment side to the theory modules of :mod:`depthlab.angles`.

The experiments, CLI and study only need a few predictions, always as arrays indexed by layer ``0 … L`` (index 0 is
the input angle θ_0). Keeping the translation here means the experiment code does not depend on the exact return
types of the theory functions (Algorithm 1, Approximation 2, Theorem 1, eq. 12 of Jakub & Nica, arXiv 2302.09712).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


def _get(obj: Any, *names: str) -> Any:
    """The first of ``names`` present in a dict-like or attribute-bearing object."""
    for n in names:
        if isinstance(obj, dict) and n in obj:
            return obj[n]
        if not isinstance(obj, dict) and hasattr(obj, n):
            return getattr(obj, n)
    raise KeyError(f"none of {names} in theory output (keys: {list(obj) if isinstance(obj, dict) else dir(obj)})")


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
    from depthlab.angles.finite import predict_mean_path

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


@dataclass
class Density:
    """Approximation 2: density of ln sin²θ_ℓ on a grid, per layer.

    Attributes:
        grid: ``(G,)`` values of x = ln sin²θ.
        pdf: ``(L+1, G)`` densities (row 0 is the input layer's point mass, may be empty).
        mean, sd: ``(L+1,)`` moments of the propagated densities.
    """

    grid: np.ndarray
    pdf: np.ndarray
    mean: np.ndarray
    sd: np.ndarray

    def cdf(self, layer: int) -> Callable[[np.ndarray], np.ndarray]:
        """CDF of layer ``layer`` by trapezoidal integration of the grid density (normalised to 1)."""
        p = self.pdf[layer]
        c = np.concatenate([[0.0], np.cumsum(0.5 * (p[1:] + p[:-1]) * np.diff(self.grid))])
        c = c / c[-1]
        grid = self.grid
        return lambda x: np.interp(x, grid, c, left=0.0, right=1.0)


def density(theta0: float, widths: Sequence[int], grid: np.ndarray | None = None) -> Density:
    """Approximation 2 propagated layer by layer (theory module's ``predict_density``)."""
    from depthlab.angles.finite import predict_density

    kw = {} if grid is None else {"grid": grid}
    out = predict_density(theta0, list(widths), **kw)
    g = np.asarray(_get(out, "grid", "x"), dtype=float)
    pdf = np.asarray(_get(out, "densities", "density", "pdf"), dtype=float)
    mean = np.asarray(_get(out, "mean", "means"), dtype=float)
    sd = np.asarray(_get(out, "sd", "sds", "std"), dtype=float)
    if pdf.shape[0] == len(widths):
        pdf = np.vstack([np.zeros_like(g), pdf])
        mean = np.concatenate([[math.log(math.sin(theta0) ** 2)], mean])
        sd = np.concatenate([[0.0], sd])
    return Density(grid=g, pdf=pdf, mean=mean, sd=sd)
