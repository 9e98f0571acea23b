"""Which tree committee machines the capacity calculator knows, its input checks and the fixed output weights.

The model (Baldassi, Malatesta & Zecchina, PRL 123, 170602 (2019), arXiv 1907.07578, "Model" paragraph; output
weights and error convention as in the authors' simulation code, RRRMC.jl ``src/graphs/CommReLU.jl``): a tree
committee machine with K hidden units, each seeing its own N/K inputs, output ``sign(Σ_l c_l g(λ_l))`` with
fixed ``c_l = +1`` for the first K/2 units and ``−1`` for the rest (ReLU, K even), or ``c_l = +1`` for all
units (sign, K odd). ``linear`` (g(λ) = λ) is the perceptron control: for any K the machine is a single
perceptron, so its capacity is that of the perceptron. The activations themselves (functions, Gaussian
moments, dual kernels) are :mod:`depthlab.activations`' ``RELU``, ``SIGN`` and ``LINEAR``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from depthlab.activations import LINEAR, RELU, SIGN, Activation
from depthlab.errors import InputError

#: The activations the calculator knows, by name (each carries its moments and dual kernel).
KNOWN: dict[str, Activation] = {a.name: a for a in (RELU, SIGN, LINEAR)}
#: Activation names the calculator knows.
ACTIVATIONS: tuple[str, ...] = tuple(KNOWN)
#: Weight priors the calculator knows.
WEIGHTS = ("spherical", "binary")
INF = float("inf")


def check_activation(activation: Any) -> str:
    """Return the activation name in lower case, or raise :class:`InputError` listing the choices."""
    if not isinstance(activation, str) or activation.lower() not in KNOWN:
        raise InputError(f"unknown activation {activation!r}; choose one of: {', '.join(ACTIVATIONS)}")
    return activation.lower()


def activation(name: str) -> Activation:
    """The :class:`~depthlab.activations.Activation` of a calculator activation name (checked)."""
    return KNOWN[check_activation(name)]


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
    """Fixed second-layer weights c, shape [K], float64: the one definition of the convention.

    ReLU: ``c_l = +1`` for l < K/2 and ``−1`` otherwise (CommReLU.jl: ``c = 2(2k ≤ K) − 1``); the split
    centres Σ_l c_l relu(λ_l), whose terms have mean E relu(z) = 1/√(2π) > 0. Sign: all +1 (majority vote).
    Linear with even K: the ± halves as well (any signs give the same perceptron, the sign of c_l being
    absorbed into W_l); odd K: all +1.
    """
    if activation == RELU.name or (activation == LINEAR.name and K % 2 == 0):
        return np.where(np.arange(K) < K // 2, 1.0, -1.0)
    return np.ones(K)
