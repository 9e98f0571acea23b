"""1RSB capacity at K → ∞, spherical weights."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.special import log_ndtr

from depthlab.committee.theory.kernels import gauss_hermite, kernel, kernel_slope_at_one
from depthlab.committee.theory.one_rsb import alpha_of, coef_a, coef_b, solve_1rsb


@pytest.mark.parametrize(("q0", "y"), [(0.3, 2.0), (0.757, 16.6), (0.95, 80.0)])
def test_energetic_closed_form_vs_direct_inner_integral(q0: float, y: float) -> None:
    """B(q0, y): the closed-form inner Gaussian integral vs adaptive quad of
    ∫Dz1 exp(−β h² Θ(−h)/2), h = μ + s z1, on each Gauss–Hermite node (agreement 1e-9 absolute)."""
    act = "relu"
    c = kernel_slope_at_one(act)
    k0 = float(kernel(q0, act))
    s = math.sqrt(1 - k0)
    beta = y / c
    x, w = gauss_hermite(61)
    total = 0.0
    for xi, wi in zip(x, w, strict=True):
        mu = math.sqrt(k0) * xi
        z_star = -mu / s

        shift = beta * mu * mu / (2 * (1 + beta * s * s))  # keeps the integrand O(1); undone in log space

        def f(z: float, mu: float = mu, shift: float = shift) -> float:
            h = mu + s * z
            return math.exp(-0.5 * z * z - 0.5 * beta * h * h + shift) / math.sqrt(2 * math.pi)

        tail = quad(f, -np.inf, z_star, epsabs=1e-15, epsrel=1e-13)[0]
        with np.errstate(divide="ignore"):
            total += wi * float(np.logaddexp(log_ndtr(-z_star), np.log(tail) - shift))
    assert abs(total - coef_b(q0, y, act, nodes=61)) < 1e-9


@pytest.mark.parametrize(("q0", "y"), [(0.2, 1.0), (0.7571, 16.63), (0.9, 100.0)])
def test_entropic_coefficient_is_q1_to_1_limit(q0: float, y: float) -> None:
    """(1−q1)·[2G_S − ln(1−q1)]/2 of the full spherical 1RSB entropy with m = y(1−q1) tends to A(q0, y);
    at 1−q1 = 1e-7 the O(1−q1) correction leaves < 1e-5."""
    eps = 1e-7
    q1 = 1 - eps
    m = y * eps
    d = eps + m * (q1 - q0)
    two_gs = math.log(eps) + math.log(d / eps) / m + q0 / d
    approx = eps * (two_gs - math.log(eps)) / 2
    assert abs(approx - float(coef_a(q0, y))) < 1e-5


def test_relu_1rsb_value_and_stationarity() -> None:
    """ReLU: interior stationary point (|∇α| < 1e-6 in (logit q0, ln y)), below RS, and a local minimum;
    α agrees between 201 and 401 Gauss–Hermite nodes to 1e-9."""
    r = solve_1rsb("relu")
    assert r.interior
    assert r.grad_norm < 1e-6
    assert r.alpha < r.corner_alpha
    assert r.alpha == pytest.approx(2.66428, abs=1e-5)  # note's computation: 2.66428 at q0=0.7571, y=16.63
    assert r.q0 == pytest.approx(0.7571, abs=1e-3)
    assert r.y == pytest.approx(16.63, rel=2e-3)
    r401 = solve_1rsb("relu", nodes=401)
    assert abs(r401.alpha - r.alpha) < 1e-9
    for dq, dy in ((0.02, 0.0), (-0.02, 0.0), (0.0, 1.0), (0.0, -1.0)):
        assert alpha_of(r.q0 + dq, r.y + dy, "relu") > r.alpha


@pytest.mark.parametrize("activation", ["relu", "linear"])
def test_corner_reproduces_rs(activation: str) -> None:
    """q0 → 1 gives back the RS value 2κ′(1) for any y (|Δ| < 1e-4 at 1 − q0 = 1e-6)."""
    rs = 2 * kernel_slope_at_one(activation)
    for y in (0.5, 5.0, 50.0):
        assert abs(alpha_of(1 - 1e-6, y, activation) - rs) < 1e-4


def test_perceptron_1rsb_is_2() -> None:
    """Linear kernel (perceptron): no interior point below 2 on a grid, and the solver returns 2 (Gardner)."""
    grid = [alpha_of(q, y, "linear") for q in np.linspace(0.05, 0.99, 12) for y in np.geomspace(0.1, 300, 12)]
    assert min(grid) > 2 - 1e-9
    r = solve_1rsb("linear")
    assert r.alpha == 2.0
    assert not r.interior


def test_sign_diverges() -> None:
    assert math.isinf(solve_1rsb("sign").alpha)
