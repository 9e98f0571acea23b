"""Infinite-width map by quadrature (other activations, biases) against eq. 12 and Monte Carlo."""

from __future__ import annotations

import math

import numpy as np
import pytest

from depthlab.angles.activations import gauss_hermite_2d, infinite_width_map
from depthlab.angles.infinite import infinite_width_angles
from depthlab.errors import InputError


@pytest.mark.parametrize("theta0", [0.1, 1.0, math.pi / 2, 3.0])
def test_relu_map_equals_eq12(theta0):
    # polar Gauss–Legendre between the kinks is exact up to rounding: compare at 1e-12
    np.testing.assert_allclose(infinite_width_map(theta0, 30), infinite_width_angles(theta0, 30), atol=1e-12)


def test_gauss_hermite_rule_integrates_moments():
    x, y, w = gauss_hermite_2d(20)
    assert abs(w.sum() - 1) < 1e-13
    assert abs(w @ (x**2 * y**2) - 1) < 1e-12
    assert abs(w @ x**4 - 3) < 1e-12


@pytest.mark.parametrize("act", ["tanh", "gelu"])
def test_smooth_activations_converge(act):
    ref = infinite_width_map(1.0, 10, act, nodes=160, sigma_b=0.2)
    assert np.max(np.abs(infinite_width_map(1.0, 10, act, nodes=80, sigma_b=0.2) - ref)) < 1e-9


def test_leaky_relu_slope_zero_is_relu():
    np.testing.assert_allclose(
        infinite_width_map(0.7, 10, "leaky_relu:0"), infinite_width_map(0.7, 10), atol=1e-13
    )


@pytest.mark.parametrize(("act", "sigma_b"), [("tanh", 0.0), ("gelu", 0.0), ("relu", 0.4)])
def test_map_matches_wide_monte_carlo(act, sigma_b):
    # width 2048, one layer: the finite-width shift of E θ_1 is O(1/n) ≈ 5e-4; MC SE with 2000 paths ≈
    # 4e-4.
    from depthlab.angles.markov import simulate_markov

    run = simulate_markov(1.0, [2048, 2048], 2000, seed=0, activation=act, sigma_b=sigma_b)
    inf = infinite_width_map(1.0, 2, act, sigma_b=sigma_b)
    m = run.theta.mean(0)
    se = run.theta.std(0, ddof=1) / math.sqrt(run.networks)
    assert np.all(np.abs(m[1:] - inf[1:]) < 4 * se[1:] + 2e-3), (m, inf, se)


def test_bad_activation_and_depth():
    with pytest.raises(InputError, match="activation"):
        infinite_width_map(1.0, 3, "swish")
    with pytest.raises(InputError, match="slope"):
        infinite_width_map(1.0, 3, "leaky_relu:2")
    from depthlab.errors import DepthlabError

    with pytest.raises(DepthlabError, match="depth"):
        infinite_width_map(1.0, 0)
