"""Infinite-width map by quadrature (other activations, biases) against eq. 12 and Monte Carlo."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import erf

from depthlab import activations
from depthlab.angles.theory.infinite import infinite_width_angles
from depthlab.angles.theory.other_activations import gauss_hermite_2d
from depthlab.angles.theory.other_activations import quadrature_angles as infinite_width_map
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
    with pytest.raises(InputError, match="quadrature"):
        infinite_width_map(1.0, 3, "sign")
    with pytest.raises(InputError, match="0 ≤ a < b"):  # the slope a of leaky_relu:a must be below 1
        infinite_width_map(1.0, 3, "leaky_relu:2")
    from depthlab.errors import DepthlabError

    with pytest.raises(DepthlabError, match="depth"):
        infinite_width_map(1.0, 0)


_OLD = {  # the study's former activation module: (numpy fn, torch fn, gain σ_w, positively homogeneous)
    "relu": (lambda x: np.maximum(x, 0.0), "relu", math.sqrt(2.0), True),
    "leaky_relu:0.1": (lambda x: np.where(x > 0, x, 0.1 * x), "leaky", math.sqrt(2.0 / 1.01), True),
    "tanh": (np.tanh, "tanh", 1.0, False),
    "gelu": (lambda x: 0.5 * x * (1.0 + erf(x / math.sqrt(2.0))), "gelu", math.sqrt(2.0), False),
}


@pytest.mark.parametrize("name", list(_OLD))
def test_study_activations_are_unchanged(name):
    """The study's four activations, now depthlab.activations' objects, have the gains, homogeneity and
    functions (NumPy and Torch) of the study's former module."""
    import torch

    old_np, kind, gain, homogeneous = _OLD[name]
    old_torch = {"relu": torch.relu, "leaky": lambda x: torch.nn.functional.leaky_relu(x, 0.1),
                 "tanh": torch.tanh, "gelu": torch.nn.functional.gelu}[kind]
    act = activations.get(name)
    assert act.name == name and act.gain == gain and act.homogeneous is homogeneous
    x = np.linspace(-3, 3, 61)
    np.testing.assert_array_equal(act.numpy_fn(x), old_np(x))
    t = torch.from_numpy(x)
    np.testing.assert_array_equal(act.torch_fn(t).numpy(), old_torch(t).numpy())
    assert activations.get("leaky_relu").name == "leaky_relu:0.1"  # the default slope is the same (0.1)
