"""RS zero-entropy capacity for binary weights at finite K (sign units, any small odd K; ReLU at K = 2).

Same RS free entropy as :mod:`.rs_binary` (Gardner & Derrida 1988), with the finite-K energetic term of the tree
committee machine (Barkai, Hansel & Sompolinsky, PRA 45, 4146 (1992)), symmetric ansatz q_l = q::

    G_E(q) = E_{z ∈ R^K} ln P_x[ Σ_l c_l g(√q z_l + √(1−q) x_l) ≥ 0 ]

* sign (K odd, c = +1): unit l is positive with probability p_l = Φ(a z_l), a = √(q/(1−q)), independently, so
  P_x is a Poisson-binomial tail P(#positive ≥ (K+1)/2), computed by dynamic programming.
* ReLU, K = 2 (c = (+1, −1)), λ_l = m_l + s x_l with m_l = √q z_l, s = √(1−q); W, V independent N(0, 1):
  ties="error" (output 0 is a mistake): P_x = P(λ1 > max(λ2, 0)) = ∫_{w > −m1/s} φ(w) Φ(w + (m1−m2)/s) dw;
  ties="correct": P_x = P(λ2 ≤ 0) + P(λ1 ≥ λ2 > 0) = Φ(−m2/s) + ∫_{w > −m2/s} φ(w) Φ((m1−m2)/s − w) dw.
  The integrals use 32-point Gauss–Legendre on [lower limit, 12].

The outer expectation over z uses a Gauss–Hermite tensor grid for K ≤ 3 and a fixed randomly scrambled Sobol
sequence for K ≥ 5 (deterministic given ``seed``; tests compare two seeds). dG_E/dq is a central difference
with the same nodes (h = 1e-6). The capacity is the α where φ_RS = 0 (brentq). K = 1 reproduces the binary
perceptron (0.8331), which the tests use as the same-code-path sanity check.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from scipy.optimize import brentq
from scipy.special import ndtr, ndtri
from scipy.stats import qmc

from depthlab.committee.theory.kernels import gauss_hermite
from depthlab.committee.theory.machine import INF, check_activation, check_k
from depthlab.committee.theory.rs_binary import NODES_BINARY, entropic
from depthlab.committee.theory.rs_spherical import check_ties
from depthlab.errors import InputError

_GL_X, _GL_W = np.polynomial.legendre.leggauss(32)


@lru_cache(maxsize=32)
def _outer_nodes(K: int, seed: int, points: int = 2**13) -> tuple[np.ndarray, np.ndarray]:
    """Nodes z [n, K] and weights [n] for E over z ~ N(0, I_K): Gauss–Hermite tensor grids for K ≤ 3
    (24, 24², 16³ nodes; the integrand ln P_x is smooth) and ``points`` scrambled Sobol points for K ≥ 5."""
    if K <= 3:
        grid = 24 if K <= 2 else 16
        x, w = gauss_hermite(grid)
        mesh = np.stack(np.meshgrid(*([x] * K), indexing="ij"), axis=-1).reshape(-1, K)
        wts = np.prod(np.stack(np.meshgrid(*([w] * K), indexing="ij"), axis=-1).reshape(-1, K), axis=1)
        return mesh, wts
    u = qmc.Sobol(d=K, scramble=True, seed=seed).random(points)
    z = ndtri(np.clip(u, 1e-300, 1 - 1e-16))
    return z, np.full(points, 1.0 / points)


def _log_p_sign(z: np.ndarray, q: float) -> np.ndarray:
    """ln P(#positive ≥ (K+1)/2) for independent units with p_l = Φ(a z_l); shape [n]."""
    n, K = z.shape
    a = math.sqrt(q / (1.0 - q))
    p = ndtr(a * z)
    dist = np.zeros((n, K + 1))
    dist[:, 0] = 1.0
    for col in range(K):
        pl = p[:, col : col + 1]
        dist[:, 1:] = dist[:, 1:] * (1 - pl) + dist[:, :-1] * pl
        dist[:, 0] = dist[:, 0] * (1 - pl[:, 0])
    tail = dist[:, (K + 1) // 2 :].sum(axis=1)
    return np.log(np.maximum(tail, 1e-300))


def _log_p_relu2(z: np.ndarray, q: float, strict: bool = True) -> np.ndarray:
    """ln P_x(output correct for label +1) for the K = 2 ReLU machine; shape [n]."""
    s = math.sqrt(1.0 - q)
    m1, m2 = math.sqrt(q) * z[:, 0], math.sqrt(q) * z[:, 1]
    b = (m1 - m2) / s
    lo = np.clip(-(m1 if strict else m2) / s, -12.0, 12.0)
    hi = np.full_like(lo, 12.0)
    w = 0.5 * (hi - lo)[:, None] * _GL_X[None, :] + 0.5 * (hi + lo)[:, None]
    ww = 0.5 * (hi - lo)[:, None] * _GL_W[None, :]
    dens = np.exp(-0.5 * w * w) / math.sqrt(2 * math.pi)
    if strict:
        p = np.sum(ww * dens * ndtr(w + b[:, None]), axis=1)
    else:
        p = ndtr(-m2 / s) + np.sum(ww * dens * ndtr(b[:, None] - w), axis=1)
    return np.log(np.maximum(p, 1e-300))


def energetic_finite(q: float, activation: str, K: int, seed: int = 0, strict: bool = True
                     ) -> tuple[float, float]:
    """G_E(q) and dG_E/dq (central difference, h = 1e-6) at finite K."""
    z, w = _outer_nodes(K, seed)
    if activation == "relu":
        def f(zz: np.ndarray, qq: float) -> np.ndarray:
            return _log_p_relu2(zz, qq, strict)
    else:
        f = _log_p_sign
    h = 1e-6
    g0 = float(w @ f(z, q))
    gp = float(w @ f(z, q + h))
    gm = float(w @ f(z, q - h))
    return g0, (gp - gm) / (2 * h)


def _saddle(alpha: float, activation: str, K: int, seed: int, strict: bool = True
            ) -> tuple[float, float, float]:
    def F(q: float) -> float:
        qh = -2.0 * alpha * energetic_finite(q, activation, K, seed, strict)[1]
        return entropic(qh, NODES_BINARY)[1] - q

    grid = np.linspace(1e-4, 0.98, 10)
    vals = np.array([F(q) for q in grid])
    idx = np.nonzero(np.sign(vals[:-1]) != np.sign(vals[1:]))[0]
    if len(idx) == 0:
        raise RuntimeError(f"no RS saddle found at alpha={alpha} for {activation}, K={K}")
    i = int(idx[0])
    q = brentq(F, grid[i], grid[i + 1], xtol=1e-12)
    ge, dge = energetic_finite(q, activation, K, seed, strict)
    qh = -2.0 * alpha * dge
    lc, _ = entropic(qh, NODES_BINARY)
    return q, qh, -qh * (1.0 - q) / 2.0 + lc + alpha * ge


@lru_cache(maxsize=64)
def alpha_binary_rs_finite_k(activation: str, K: int, seed: int = 0, ties: str = "error") -> float:
    """Zero-entropy RS capacity for binary weights at finite K.

    Args:
        activation: "sign" (odd K ≤ 15) or "relu" (K = 2 only).
        K: number of hidden units.
        seed: scrambling seed of the Sobol outer nodes (used for K ≥ 5 only).
        ties: "error" (output 0 is a mistake, default) or "correct"; only matters for ReLU.

    Returns:
        α where the RS entropy vanishes (brentq, xtol 1e-10). K = 1 sign is the binary perceptron.

    Raises:
        InputError: other activations or K.
    """
    activation = check_activation(activation)
    K = check_k(K, activation)
    if activation == "linear" or K == INF:
        raise InputError("alpha_binary_rs_finite_k handles sign (odd K ≤ 15) and relu (K = 2)")
    if activation == "relu" and K != 2:
        raise InputError(f"binary ReLU RS at finite K is implemented for K = 2 only, got K={K}; use K=inf")
    if activation == "sign" and K > 15:
        raise InputError(f"binary sign RS at finite K is implemented for K ≤ 15, got K={K}; use K=inf")
    strict = check_ties(ties)
    f = lambda a: _saddle(a, activation, int(K), seed, strict)[2]  # noqa: E731
    hi = 1.2 if strict or activation != "relu" else 4.0  # ties counted correct: α can exceed 1
    return float(brentq(f, 0.3, hi, xtol=1e-10))
