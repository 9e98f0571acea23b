"""RS zero-entropy capacity for binary (±1) weights: the perceptron and the committee machine at K → ∞.

RS free entropy (Gardner & Derrida, J. Phys. A 21, 271 (1988) for the perceptron; at K → ∞ the overlap in the
energetic term is replaced by the kernel κ(q) of :mod:`depthlab.committee.theory.kernels`)::

    φ_RS(q, q̂; α) = −q̂ (1 − q)/2 + E_z ln 2cosh(√q̂ z) + α G_E(q)
    G_E(q)        = E_z ln Φ( z √(κ(q) / (1 − κ(q))) )                (Φ = standard normal CDF)
    saddle:  q = E_z tanh²(√q̂ z),   q̂ = −2α G_E′(q)

The RS entropy φ_RS at the saddle decreases with α; the capacity returned here is the α where it reaches 0
(the "zero-entropy" point). For the binary perceptron this gives α ≈ 0.8331, which coincides with the
Krauth–Mézard (frozen 1RSB) capacity, J. Phys. France 50, 3057 (1989); the RS value where q → 1
(Gardner–Derrida, 4/π ≈ 1.27) is the wrong answer there, and is not what this module computes. Whether
Baldassi et al. quote the analogous zero-entropy value for the committee machines could not be confirmed from
the paper's text (see ``docs/committee-theory.md``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.optimize import brentq
from scipy.special import log_ndtr

from depthlab.committee.theory.kernels import gauss_hermite, kernel, kernel_derivative
from depthlab.committee.theory.machine import check_activation

#: Gauss–Hermite nodes for the one-dimensional Gaussian averages.
NODES_BINARY = 301


@dataclass(frozen=True)
class BinaryRSResult:
    """Zero-entropy RS capacity for binary weights and the saddle point there.

    Attributes:
        alpha: the α where the RS entropy vanishes.
        q: overlap at the saddle; qhat: its conjugate.
        entropy_residual: |φ_RS| at the returned α (solver accuracy).
    """

    alpha: float
    q: float
    qhat: float
    entropy_residual: float


def energetic(q: float, activation: str, nodes: int = NODES_BINARY) -> tuple[float, float]:
    """G_E(q) and dG_E/dq for the K → ∞ kernel of ``activation`` (linear = the perceptron)."""
    x, w = gauss_hermite(nodes)
    k = float(kernel(q, activation))
    dk = float(kernel_derivative(q, activation))
    a = math.sqrt(k / (1.0 - k))
    lp = log_ndtr(a * x)
    ge = float(np.dot(w, lp))
    # d/da E ln Φ(a z) = E[z φ(a z)/Φ(a z)];  da/dκ = 1 / (2 a (1 − κ)²)
    ratio = np.exp(-0.5 * (a * x) ** 2 - 0.5 * math.log(2 * math.pi) - lp)
    dge_da = float(np.dot(w, x * ratio))
    dge = dge_da * dk / (2.0 * a * (1.0 - k) ** 2)
    return ge, dge


def entropic(qhat: float, nodes: int) -> tuple[float, float]:
    """E ln 2cosh(√q̂ z) and E tanh²(√q̂ z)."""
    x, w = gauss_hermite(nodes)
    u = math.sqrt(qhat) * x
    lc = np.logaddexp(u, -u)
    return float(np.dot(w, lc)), float(np.dot(w, np.tanh(u) ** 2))


def rs_saddle(alpha: float, activation: str, nodes: int = NODES_BINARY) -> tuple[float, float, float]:
    """Solve the RS saddle point at load α: returns (q, q̂, φ_RS).

    The fixed point is written as F(q) = E tanh²(√q̂(q) z) − q = 0 with q̂(q) = −2α G_E′(q) and solved with
    brentq on the smallest sign change of F over a grid in (1e-6, 0.99) (the branch connected to q = 0 at α = 0).
    """
    def F(q: float) -> float:
        qh = -2.0 * alpha * energetic(q, activation, nodes)[1]
        return entropic(qh, nodes)[1] - q

    grid = np.linspace(1e-6, 0.99, 100)
    vals = np.array([F(q) for q in grid])
    idx = np.nonzero(np.sign(vals[:-1]) != np.sign(vals[1:]))[0]
    if len(idx) == 0:
        raise RuntimeError(f"no RS saddle found at alpha={alpha} for {activation}")
    i = int(idx[0])
    q = brentq(F, grid[i], grid[i + 1], xtol=1e-14, rtol=1e-14)
    ge, dge = energetic(q, activation, nodes)
    qh = -2.0 * alpha * dge
    lc, _ = entropic(qh, nodes)
    phi = -qh * (1.0 - q) / 2.0 + lc + alpha * ge
    return q, qh, phi


@lru_cache(maxsize=256)
def solve_binary_rs(activation: str, nodes: int = NODES_BINARY) -> BinaryRSResult:
    """Zero-entropy RS capacity for binary weights at K → ∞ (``linear``: the binary perceptron).

    brentq on α ∈ [0.3, 1.2] for φ_RS(α) = 0 (φ_RS(0.3) > 0 > φ_RS(1.2) for all three activations), xtol 1e-12.
    """
    activation = check_activation(activation)
    f = lambda a: rs_saddle(a, activation, nodes)[2]  # noqa: E731
    alpha = brentq(f, 0.3, 1.2, xtol=1e-12, rtol=1e-12)
    q, qh, phi = rs_saddle(alpha, activation, nodes)
    return BinaryRSResult(alpha=alpha, q=q, qhat=qh, entropy_residual=abs(phi))


def alpha_binary_rs(activation: str) -> float:
    """The zero-entropy RS capacity for binary weights at K → ∞ (≈ 0.8331 linear, 0.904 ReLU, 0.947 sign)."""
    return solve_binary_rs(activation).alpha
