"""Finite-K 1RSB for the K = 2 ReLU tree (spherical weights, ties = "error") by deterministic quadrature."""

from __future__ import annotations

import math
from itertools import pairwise

import numpy as np
import pytest
from scipy.integrate import dblquad

from depthlab.committee.theory.kernels import gauss_hermite
from depthlab.committee.theory.one_rsb import coef_b
from depthlab.committee.theory.one_rsb_finite_k import (
    RS_CORNER_K2,
    alpha_relu_k2,
    coef_b_relu_k2,
    log_inner_halfline,
    log_inner_relu_k2,
    solve_1rsb_relu_k2,
    wedge_probability,
)
from depthlab.committee.theory.rs_spherical import sq_distance_relu


@pytest.mark.parametrize(
    ("mu", "s", "y"),
    [((0.3, -0.2), 0.5, 2.0), ((-2.0, -0.1), 0.6, 150.0), ((-0.5, 1.5), 0.2, 100.0),
     ((-1.9, -0.77), math.sqrt(0.05), 80.0)],
)
def test_log_inner_vs_dblquad(mu: tuple[float, float], s: float, y: float) -> None:
    """ln I(μ) against adaptive 2-D quadrature of φ_s(h − μ) e^{−y d(h,S)²/2}, the integrand divided by our I
    so that the quadrature's absolute error estimate is a relative one; large y and points where the tiny cone
    probability matters next to a face term included."""
    ours = float(log_inner_relu_k2(np.array([mu]), s, y)[0])

    def f(h2: float, h1: float) -> float:
        d2 = sq_distance_relu(np.array([[h1, h2]]))[0]
        return math.exp(-((h1 - mu[0]) ** 2 + (h2 - mu[1]) ** 2) / (2 * s * s) - 0.5 * y * d2 - ours) / (
            2 * math.pi * s * s)

    lo1, hi1 = min(mu[0], 0.0) - 8 * s, max(mu[0], 0.0) + 8 * s
    lo2, hi2 = min(mu[1], 0.0) - 8 * s, max(mu[1], 0.0) + 8 * s
    v, err = dblquad(f, lo1, hi1, lo2, hi2, epsabs=1e-9, epsrel=1e-9)
    assert abs(math.log(v)) < max(5 * err, 1e-9)


def test_y_zero_regions_sum_to_one() -> None:
    """At y = 0 the four region terms are the four region probabilities: I = 1."""
    mu = np.random.default_rng(1).normal(size=(500, 2)) * 3
    for s in (0.05, 0.5, 1.0):
        assert np.abs(log_inner_relu_k2(mu, s, 0.0)).max() < 1e-12


def test_wedge_probability_half_plane_and_partition() -> None:
    """A wedge of opening π is a half-plane: P = Φ(c·n/σ), relative accuracy also in the far tail; four wedges
    that tile the plane sum to 1."""
    from scipy.special import log_ndtr

    rng = np.random.default_rng(2)
    c = rng.normal(size=(200, 2)) * 6
    sig = 0.4
    th = 0.3
    n = np.array([-math.sin(th), math.cos(th)])  # inner normal of the half-plane of angles [θ, θ + π]
    c = c[c @ n / sig > -30]  # P > 1e-198: no underflow
    p = wedge_probability(c, sig, th, th + math.pi)
    ref = log_ndtr(c @ n / sig)
    assert np.abs(np.log(p) - ref).max() < 1e-12
    edges = (-math.pi, -0.5 * math.pi, 0.25 * math.pi, 0.75 * math.pi, math.pi)
    tot = sum(wedge_probability(c, sig, a, b) for a, b in pairwise(edges))
    assert np.abs(tot - 1).max() < 1e-13


@pytest.mark.parametrize(("q0", "y"), [(0.3, 2.0), (0.7, 10.0), (0.95, 30.0), (0.99, 300.0)])
def test_k1_linear_analogue_is_coef_b_linear(q0: float, y: float) -> None:
    """The same face formula for the half-line S = [0, ∞) (K = 1, linear) gives coef_b(·, "linear")."""
    x, w = gauss_hermite(201)
    ours = float(w @ log_inner_halfline(math.sqrt(q0) * x, math.sqrt(1 - q0), y))
    assert ours == pytest.approx(coef_b(q0, y, "linear"), abs=1e-10)


def test_corner_and_small_y_give_rs() -> None:
    """q0 → 1 (any y) and y → 0 (any q0) both give the RS value 1/E[d²] = 4/3."""
    assert alpha_relu_k2(1 - 1e-6, 1.0, 160) == pytest.approx(RS_CORNER_K2, abs=1e-10)
    assert alpha_relu_k2(1 - 1e-6, 50.0, 160) == pytest.approx(RS_CORNER_K2, abs=1e-4)
    assert alpha_relu_k2(0.5, 1e-4, 80) == pytest.approx(RS_CORNER_K2, abs=1e-4)


@pytest.mark.parametrize(("q0", "y"), [(0.3, 2.0), (0.95, 80.0), (0.99, 300.0), (0.5, 1000.0)])
def test_outer_node_convergence(q0: float, y: float) -> None:
    """Polar outer grid split at the region edges: 80 and 160 radial nodes agree to 1e-12 (relative)."""
    b80, b160 = coef_b_relu_k2(q0, y, 80), coef_b_relu_k2(q0, y, 160)
    assert b80 == pytest.approx(b160, rel=1e-12)
    assert coef_b_relu_k2(q0, y, 40, kind="hermite") == pytest.approx(b160, rel=1e-4)


def test_no_interior_minimum_below_rs() -> None:
    """On a coarse grid α(q0, y) ≥ 4/3 (the RS corner): K = 2 with ties = "error" has a convex feasible set."""
    vals = [alpha_relu_k2(q, y, 24, 16) for q in (0.1, 0.4, 0.7, 0.9, 0.99) for y in (0.3, 3.0, 30.0, 300.0)]
    assert min(vals) > RS_CORNER_K2


@pytest.mark.slow
def test_solver_returns_corner() -> None:
    """Grid + Nelder–Mead (small budget): the minimum is the corner, α_1RSB(K = 2) = 4/3 = α_RS."""
    r = solve_1rsb_relu_k2(outer=40, grid_outer=16, grid=12)
    assert not r.interior
    assert r.alpha == RS_CORNER_K2
    assert r.nm_alpha == pytest.approx(RS_CORNER_K2, abs=5e-8)  # 40 radial nodes: ~1e-8 near the y → 0 edge
    assert r.grid_alpha >= RS_CORNER_K2 - 1e-9
