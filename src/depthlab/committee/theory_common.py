"""Shared pieces of the committee-machine capacity calculator: input checks, Gaussian quadrature, kernels.

The model (Baldassi, Malatesta & Zecchina, PRL 123, 170602 (2019), arXiv 1907.07578; the architecture as in
``/work/shared/notes/baldassi-relu-capacity.md`` §1): a tree committee machine with K hidden units, each
seeing its own N/K inputs, output ``sign(Σ_l c_l g(λ_l))`` with fixed ``c_l = +1`` for the first K/2 units
and ``−1`` for the rest (ReLU, K even), or ``c_l = +1`` for all units (sign, K odd). ``linear`` (g(λ) = λ) is
the perceptron control: for any K the machine is a single perceptron, so its capacity is that of the perceptron.

Replica calculations at K → ∞ replace the overlap q in the energetic term by the centred, normalised
activation kernel (note §3.2; the "Δ(q)" of Annesi, Malatesta & Zamponi, arXiv 2410.06717)::

    κ(q) = (E[g(u) g(v)] − E[g]²) / Var g,     (u, v) standard Gaussians with correlation q.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import numpy as np
from scipy.special import roots_hermitenorm

from depthlab.errors import InputError

#: Activations the calculator knows.
ACTIVATIONS = ("relu", "sign", "linear")
#: Weight priors the calculator knows.
WEIGHTS = ("spherical", "binary")
INF = float("inf")


def check_activation(activation: Any) -> str:
    """Return the activation name in lower case, or raise :class:`InputError` listing the choices."""
    if not isinstance(activation, str) or activation.lower() not in ACTIVATIONS:
        raise InputError(f"unknown activation {activation!r}; choose one of: {', '.join(ACTIVATIONS)}")
    return activation.lower()


def check_weights(weights: Any) -> str:
    """Return the weight prior in lower case, or raise :class:`InputError` listing the choices."""
    if not isinstance(weights, str) or weights.lower() not in WEIGHTS:
        raise InputError(f"unknown weights {weights!r}; choose one of: {', '.join(WEIGHTS)}")
    return weights.lower()


def check_k(K: Any, activation: str) -> float | int:
    """Validate the number of hidden units K for ``activation``.

    Args:
        K: a positive integer, or ``float('inf')`` (also the strings ``"inf"``/``"infinity"``) for K → ∞.
        activation: an already checked activation name.

    Returns:
        ``int`` K, or ``math.inf``.

    Raises:
        InputError: K < 1, not an integer, odd K for ReLU (the ± output split needs K even), even K
            for sign (the majority vote with c_l = +1 needs K odd to avoid ties).
    """
    if isinstance(K, str):
        if K.strip().lower() in ("inf", "infinity", "∞"):
            return INF
        try:
            K = int(K)
        except ValueError:
            raise InputError(f"K must be a positive integer or 'inf', got {K!r}") from None
    if isinstance(K, bool):
        raise InputError(f"K must be a positive integer or inf, got {K!r}")
    if isinstance(K, float):
        if math.isinf(K) and K > 0:
            return INF
        if not math.isfinite(K) or K != int(K):
            raise InputError(f"K must be a positive integer or inf, got {K!r}")
        K = int(K)
    if not isinstance(K, int | np.integer):
        raise InputError(f"K must be a positive integer or inf, got {K!r}")
    K = int(K)
    if K < 1:
        raise InputError(f"K (number of hidden units) must be ≥ 1, got {K}")
    if activation == "relu" and K % 2:
        raise InputError(
            f"ReLU committee machines need an even K (output weights +1 for half the units, −1 for the other "
            f"half), got K={K}; use K={K + 1} or K={K - 1 if K > 1 else 2}"
        )
    if activation == "sign" and K % 2 == 0:
        raise InputError(
            f"sign committee machines need an odd K (majority vote with all output weights +1, no ties), "
            f"got K={K}; "
            f"use K={K - 1} or K={K + 1}"
        )
    return K


def output_weights(K: int, activation: str) -> np.ndarray:
    """Fixed second-layer weights c, shape [K]: ±1 halves for ReLU (and linear with even K), all +1
    otherwise."""
    if activation == "relu" or (activation == "linear" and K % 2 == 0):
        return np.where(np.arange(K) < K // 2, 1.0, -1.0)
    return np.ones(K)


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
    q = np.clip(np.asarray(q, dtype=np.float64), -1.0, 1.0)
    if activation == "relu":
        th = np.arccos(q)
        return (np.sin(th) + (np.pi - th) * np.cos(th) - 1.0) / (np.pi - 1.0)
    if activation == "sign":
        return (2.0 / np.pi) * np.arcsin(q)
    return q.copy()


def kernel_derivative(q: np.ndarray | float, activation: str) -> np.ndarray:
    """dκ/dq, elementwise: ReLU ``(π − arccos q)/(π − 1)``, sign ``2/(π √(1 − q²))``, linear 1."""
    q = np.clip(np.asarray(q, dtype=np.float64), -1.0, 1.0)
    if activation == "relu":
        return (np.pi - np.arccos(q)) / (np.pi - 1.0)
    if activation == "sign":
        with np.errstate(divide="ignore"):
            return 2.0 / (np.pi * np.sqrt(1.0 - q * q))
    return np.ones_like(q)


def kernel_slope_at_one(activation: str) -> float:
    """κ′(1) = E[g′(z)²] / Var g(z): π/(π − 1) for ReLU, 1 for linear, ∞ for sign (g′ is a delta function)."""
    if activation == "relu":
        return math.pi / (math.pi - 1.0)
    if activation == "sign":
        return INF
    return 1.0


def activation_moments(activation: str) -> dict[str, float]:
    """Closed-form moments for z ~ N(0,1): ``mean`` E[g], ``var`` Var g, ``dg2`` E[g′²] (∞ for sign)."""
    if activation == "relu":
        return {"mean": 1.0 / math.sqrt(2 * math.pi), "var": 0.5 - 1.0 / (2 * math.pi), "dg2": 0.5}
    if activation == "sign":
        return {"mean": 0.0, "var": 1.0, "dg2": INF}
    return {"mean": 0.0, "var": 1.0, "dg2": 1.0}
