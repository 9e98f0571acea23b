"""Dual kernels, Gaussian moments and quadrature for the K → ∞ replica calculations.

Replica calculations at K → ∞ replace the overlap q in the energetic term by the centred, normalised
activation kernel (the "Δ(q)" of Annesi, Malatesta & Zamponi, SciPost Phys. 18, 118 (2025), arXiv
2410.06717)::

    κ(q) = (E[g(u) g(v)] − E[g]²) / Var g,     (u, v) standard Gaussians with correlation q.

The kernels, their derivatives and the moments are those of :mod:`depthlab.activations` (``RELU``, ``SIGN``,
``LINEAR`` carry ``kernel``, ``kernel_derivative`` and ``moments``); this module only looks them up by the
calculator's activation names.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy.special import roots_hermitenorm

from depthlab.committee.theory.machine import activation as _activation


@lru_cache(maxsize=16)
def gauss_hermite(n: int = 201) -> tuple[np.ndarray, np.ndarray]:
    """Nodes x and weights w, shape [n], with Σ w f(x) ≈ E[f(z)] for z ~ N(0, 1) (probabilists' Hermite).

    Exact for polynomials of degree ≤ 2n − 1; the weights are normalised to sum to 1.
    """
    x, w = roots_hermitenorm(n)  # Golub–Welsch / asymptotic; stable beyond n ≈ 300 unlike hermegauss
    w = w / w.sum()
    x.setflags(write=False)
    w.setflags(write=False)
    return x, w


def kernel(q: np.ndarray | float, activation: str) -> np.ndarray:
    """Centred, normalised activation kernel κ(q), elementwise, κ(1) = 1, κ(0) = 0.

    * ReLU: ``[sin θ + (π − θ) cos θ − 1] / (π − 1)`` with ``θ = arccos q`` (degree-1 arc-cosine kernel of
      Cho & Saul, 2009, centred by E[relu]² = 1/(2π) and divided by Var relu = (π − 1)/(2π)).
    * sign: ``(2/π) arcsin q``.
    * linear: ``q``.
    """
    return _activation(activation).kernel(q)  # type: ignore[misc]


def kernel_derivative(q: np.ndarray | float, activation: str) -> np.ndarray:
    """dκ/dq, elementwise: ReLU ``(π − arccos q)/(π − 1)``, sign ``2/(π √(1 − q²))``, linear 1."""
    return _activation(activation).kernel_derivative(q)  # type: ignore[misc]


def kernel_slope_at_one(activation: str) -> float:
    """κ′(1) = E[g′(z)²] / Var g(z): π/(π − 1) for ReLU, 1 for linear, ∞ for sign (g′ is a delta function)."""
    with np.errstate(divide="ignore"):
        return float(_activation(activation).kernel_derivative(1.0))  # type: ignore[misc]


def activation_moments(activation: str) -> dict[str, float]:
    """Closed-form moments for z ~ N(0,1): ``mean`` E[g], ``var`` Var g, ``dg2`` E[g′²] (∞ for sign)."""
    m = _activation(activation).moments
    assert m is not None  # every calculator activation carries its moments
    return {"mean": m.mean, "var": m.var, "dg2": m.dg2}
