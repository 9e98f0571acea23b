"""Binary weights: RS zero-entropy capacity (perceptron and K → ∞ committee machines)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from depthlab.committee.theory.rs_binary import energetic, entropic, rs_saddle, solve_binary_rs


def test_binary_perceptron_krauth_mezard() -> None:
    """Linear kernel: zero-entropy α = 0.8331 (Krauth & Mézard, J. Phys. France 50, 3057 (1989): 0.833; the
    RS zero-entropy point of Gardner & Derrida's RS solution). Tolerance 5e-4 = half the last quoted digit."""
    r = solve_binary_rs("linear")
    assert abs(r.alpha - 0.833) < 5e-4
    assert r.entropy_residual < 1e-10


@pytest.mark.parametrize("activation", ["linear", "relu", "sign"])
def test_saddle_is_a_fixed_point_and_quadrature_converged(activation: str) -> None:
    """At the returned α: q = E tanh²(√q̂ z), q̂ = −2α G_E′(q) to 1e-10; 301 vs 601 nodes agree to 1e-9."""
    r = solve_binary_rs(activation)
    _, t2 = entropic(r.qhat, 301)
    assert abs(t2 - r.q) < 1e-10
    assert abs(-2 * r.alpha * energetic(r.q, activation)[1] - r.qhat) < 1e-10
    assert abs(solve_binary_rs(activation, nodes=601).alpha - r.alpha) < 1e-9


@pytest.mark.parametrize("activation", ["linear", "relu", "sign"])
def test_energetic_derivative(activation: str) -> None:
    """Analytic dG_E/dq vs a central difference (h = 1e-5; agreement 1e-7)."""
    for q in (0.2, 0.5, 0.8):
        h = 1e-5
        fd = (energetic(q + h, activation)[0] - energetic(q - h, activation)[0]) / (2 * h)
        assert abs(fd - energetic(q, activation)[1]) < 1e-7


def test_entropy_decreases_with_load() -> None:
    """The RS entropy at the saddle falls monotonically with α; at small α it is (1 − α) ln 2 + O(α²)
    (G_E(0) = ln ½); checked at α = 0.01 to 1e-3."""
    alphas = np.linspace(0.05, 1.0, 8)
    phis = [rs_saddle(a, "relu")[2] for a in alphas]
    assert all(b < a for a, b in itertools.pairwise(phis))
    assert abs(rs_saddle(0.01, "relu")[2] - 0.99 * math.log(2)) < 1e-3


def test_ordering_and_information_bound() -> None:
    """Perceptron < ReLU < sign < 1 (the information bound α ≤ 1 for ±1 weights); note's computation:
    ReLU 0.904 (q = 0.449, q̂ = 1.35), sign 0.947 (q = 0.309, q̂ = 0.617)."""
    lin, relu, sign = (solve_binary_rs(a) for a in ("linear", "relu", "sign"))
    assert lin.alpha < relu.alpha < sign.alpha < 1.0
    assert relu.alpha == pytest.approx(0.904, abs=5e-4)
    assert (relu.q, relu.qhat) == pytest.approx((0.449, 1.35), abs=5e-3)
    assert sign.alpha == pytest.approx(0.947, abs=5e-4)
    assert (sign.q, sign.qhat) == pytest.approx((0.309, 0.617), abs=5e-3)
