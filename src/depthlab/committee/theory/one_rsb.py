"""One-step replica-symmetry-breaking (1RSB) capacity at K → ∞ for spherical weights.

Derivation (standard 1RSB Gardner volume, Gardner 1988 / Krauth & Mézard 1989 style, with the K → ∞ kernel κ
of :mod:`depthlab.committee.theory.kernels`; derived here). Parameters: q0 (inter-state overlap), q1
(intra-state overlap), Parisi block size m. At the SAT/UNSAT transition q1 → 1 with y = m/(1 − q1) fixed;
both the entropic and the energetic term grow like 1/(1 − q1)::

    φ ≈ [A(q0, y) + α B(q0, y)/y] / (1 − q1)
    A(q0, y) = ½ [ q0/(1 + y(1 − q0)) + ln(1 + y(1 − q0))/y ]
    B(q0, y) = E_{z0} ln[ Φ(μ/s) + r^{−1/2} exp(−β μ²/(2r)) Φ(−μ/(s √r)) ]
    μ = √κ(q0) z0,  s² = 1 − κ(q0),  c = κ′(1),  β = y/c,  r = 1 + β s².

(A is the q1 → 1 limit of the spherical 1RSB entropy ½[ln(1 − q1) + (1/m) ln((1 − q1 + m(q1 − q0))/(1 − q1))
+ q0/(1 − q1 + m(q1 − q0))]; B/(y(1 − q1)) is the limit of (1/m) E_{z0} ln E_{z1} H(−h/√(1 − κ(q1)))^m with h
= √κ(q0) z0 + √(κ(q1) − κ(q0)) z1, using 1 − κ(q1) ≈ c (1 − q1) and H(−h/√ε)^m → exp(−(m/ε) h² Θ(−h)/2).)

The capacity is where the coefficient vanishes at its stationary point in (q0, y), i.e. a stationary point of
α(q0, y) = −A y / B. At the corner q0 → 1 (any y) α → 2c, the RS value; for ReLU the stationary point is an
interior minimum below it (2.66428 at q0 = 0.7571, y = 16.63). For the linear kernel (perceptron)
there is no interior minimum and the corner gives 2 (RS is exact for the spherical perceptron). For sign
units c = ∞ and the capacity at K = ∞ is infinite.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.optimize import minimize
from scipy.special import log_ndtr

from depthlab.committee.theory.kernels import gauss_hermite, kernel, kernel_slope_at_one
from depthlab.committee.theory.machine import INF, check_activation

#: Gauss–Hermite nodes for the z0 average (the answer changes by < 1e-9 between 201 and 401 nodes for ReLU).
NODES_1RSB = 201


@dataclass(frozen=True)
class OneRSBResult:
    """A 1RSB capacity and its saddle point.

    Attributes:
        alpha: the capacity α_1RSB (= α at the stationary point, or the RS corner value when that is lower).
        q0: inter-state overlap at the saddle (1.0 at the RS corner).
        y: m/(1 − q1) at the saddle (nan at the RS corner, where α does not depend on y).
        grad_norm: |∇α| in (logit q0, ln y) at the returned interior point (nan at the corner): the
            stationarity residual.
        corner_alpha: the RS corner value 2κ′(1).
        interior: whether an interior stationary point below the corner was found.
    """

    alpha: float
    q0: float
    y: float
    grad_norm: float
    corner_alpha: float
    interior: bool


def coef_a(q0: np.ndarray | float, y: np.ndarray | float) -> np.ndarray:
    """Entropic coefficient A(q0, y) (times 1/(1 − q1)) of the spherical 1RSB free entropy; elementwise."""
    q0 = np.asarray(q0, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    u = y * (1.0 - q0)
    return 0.5 * (q0 / (1.0 + u) + np.log1p(u) / y)


def coef_b(q0: float, y: float, activation: str, nodes: int = NODES_1RSB) -> float:
    """Energetic coefficient B(q0, y) (times 1/(m)) of the 1RSB free entropy at K → ∞; B < 0."""
    c = kernel_slope_at_one(activation)
    k0 = float(kernel(q0, activation))
    s2 = max(1.0 - k0, 1e-300)
    s = math.sqrt(s2)
    beta = y / c
    r = 1.0 + beta * s2
    x, w = gauss_hermite(nodes)
    mu = math.sqrt(max(k0, 0.0)) * x
    t1 = log_ndtr(mu / s)
    t2 = -0.5 * math.log(r) - beta * mu * mu / (2.0 * r) + log_ndtr(-mu / (s * math.sqrt(r)))
    return float(np.dot(w, np.logaddexp(t1, t2)))


def alpha_of(q0: float, y: float, activation: str, nodes: int = NODES_1RSB) -> float:
    """The 1RSB load α(q0, y) = −A y / B at which the q1 → 1 free-entropy coefficient vanishes."""
    return float(-coef_a(q0, y) * y / coef_b(q0, y, activation, nodes))


def _alpha_uv(p: np.ndarray, activation: str, nodes: int) -> float:
    q0 = 1.0 / (1.0 + math.exp(-p[0]))
    y = math.exp(p[1])
    return alpha_of(q0, y, activation, nodes)


def _grad_uv(p: np.ndarray, activation: str, nodes: int, h: float = 1e-5) -> np.ndarray:
    g = np.empty(2)
    for i in range(2):
        e = np.zeros(2)
        e[i] = h
        g[i] = (_alpha_uv(p + e, activation, nodes) - _alpha_uv(p - e, activation, nodes)) / (2 * h)
    return g


@lru_cache(maxsize=256)
def solve_1rsb(activation: str, nodes: int = NODES_1RSB) -> OneRSBResult:
    """Find the 1RSB stationary point of α(q0, y) at K → ∞ (spherical weights).

    A coarse grid over q0 ∈ (0.05, 0.995), y ∈ (0.1, 1000) seeds Nelder–Mead in (logit q0, ln y); converged
    to |Δα| < 1e-12. If the interior minimum is not below the RS corner 2κ′(1), the corner is returned.
    """
    activation = check_activation(activation)
    corner = 2.0 * kernel_slope_at_one(activation)
    if math.isinf(corner):
        return OneRSBResult(INF, float("nan"), float("nan"), float("nan"), INF, False)
    qs = np.linspace(0.05, 0.995, 40)
    ys = np.geomspace(0.1, 1000.0, 40)
    vals = np.array([[alpha_of(q, yy, activation, 61) for yy in ys] for q in qs])
    i, j = np.unravel_index(np.nanargmin(vals), vals.shape)
    p0 = np.array([math.log(qs[i] / (1 - qs[i])), math.log(ys[j])])
    res = minimize(_alpha_uv, p0, args=(activation, nodes), method="Nelder-Mead",
                   options={"xatol": 1e-9, "fatol": 1e-13, "maxiter": 4000})
    q0 = 1.0 / (1.0 + math.exp(-res.x[0]))
    y = math.exp(res.x[1])
    a = float(res.fun)
    interior = a < corner - 1e-9 and q0 < 0.999
    if not interior:
        return OneRSBResult(corner, 1.0, float("nan"), float("nan"), corner, False)
    g = float(np.linalg.norm(_grad_uv(res.x, activation, nodes)))
    return OneRSBResult(a, q0, y, g, corner, True)


def alpha_1rsb_infinite_k(activation: str) -> float:
    """1RSB capacity at K → ∞, spherical weights: ≈ 2.66428 for ReLU, 2 for linear, ∞ for sign."""
    return solve_1rsb(activation).alpha
