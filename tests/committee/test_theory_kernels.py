"""Kernels, moments and input validation of the committee-machine capacity calculator."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad

from depthlab.committee.theory.kernels import (
    activation_moments,
    gauss_hermite,
    kernel,
    kernel_derivative,
    kernel_slope_at_one,
)
from depthlab.committee.theory.machine import check_activation, check_k, check_weights
from depthlab.errors import InputError

G = {"relu": lambda x: np.maximum(x, 0.0), "sign": np.sign, "linear": lambda x: x}


@pytest.mark.parametrize("activation", ["relu", "sign", "linear"])
def test_kernel_matches_monte_carlo(activation: str) -> None:
    """κ(q) closed form vs Monte Carlo of (E[g(u)g(v)] − E[g]²)/Var g; tolerance 5 standard errors."""
    rng = np.random.default_rng(7)
    n = 200_000
    g = G[activation]
    mom = activation_moments(activation)
    for q in (-0.6, 0.0, 0.3, 0.8, 0.95):
        z1, z2 = rng.standard_normal((2, n))
        u, v = z1, q * z1 + math.sqrt(1 - q * q) * z2
        prod = (g(u) - mom["mean"]) * (g(v) - mom["mean"]) / mom["var"]
        se = prod.std() / math.sqrt(n)
        assert abs(prod.mean() - float(kernel(q, activation))) < 5 * se


@pytest.mark.parametrize("activation", ["relu", "sign", "linear"])
def test_kernel_endpoints_and_derivative(activation: str) -> None:
    """κ(0) = 0, κ(1) = 1 (to rounding) and κ′ agrees with a central difference to 1e-7."""
    assert abs(float(kernel(0.0, activation))) < 1e-15
    assert abs(float(kernel(1.0, activation)) - 1.0) < 1e-15
    for q in (-0.5, 0.2, 0.7):
        h = 1e-6
        fd = (float(kernel(q + h, activation)) - float(kernel(q - h, activation))) / (2 * h)
        assert abs(fd - float(kernel_derivative(q, activation))) < 1e-7


def test_slope_at_one_is_moment_ratio() -> None:
    """κ′(1) = E[g′²]/Var g: π/(π−1) for ReLU (E[g′²] = 1/2, Var = (π−1)/(2π)), 1 linear, ∞ sign."""
    for act in ("relu", "linear"):
        m = activation_moments(act)
        assert kernel_slope_at_one(act) == pytest.approx(m["dg2"] / m["var"], rel=1e-15)
        assert float(kernel_derivative(1.0, act)) == pytest.approx(kernel_slope_at_one(act), rel=1e-15)
    assert kernel_slope_at_one("relu") == pytest.approx(math.pi / (math.pi - 1), rel=1e-15)
    assert math.isinf(kernel_slope_at_one("sign"))


def test_relu_moments_by_quadrature() -> None:
    """E[relu] = 1/√(2π), Var relu = (π−1)/(2π) vs adaptive quadrature on [0, ∞) (error estimate < 1e-12)."""
    phi = lambda t: math.exp(-t * t / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    m1, _e1 = quad(lambda t: t * phi(t), 0, np.inf, epsabs=1e-14)
    m2, _e2 = quad(lambda t: t * t * phi(t), 0, np.inf, epsabs=1e-14)
    m = activation_moments("relu")
    assert abs(m["mean"] - m1) < 1e-12
    assert abs(m["var"] - (m2 - m1**2)) < 1e-12


def test_gauss_hermite_moments() -> None:
    """Normalised probabilists' Gauss–Hermite rule integrates E[z^2k] = (2k−1)!! to 1e-12 (k ≤ 4)."""
    x, w = gauss_hermite(201)
    for k, val in ((0, 1.0), (1, 1.0), (2, 3.0), (3, 15.0), (4, 105.0)):
        assert abs(float(np.dot(w, x ** (2 * k))) - val) < 1e-12 * val


@pytest.mark.parametrize(
    ("K", "activation", "fragment"),
    [
        (0, "relu", "≥ 1"),
        (-3, "sign", "≥ 1"),
        (3, "relu", "even K"),
        (4, "sign", "odd K"),
        (2.5, "relu", "positive integer"),
        ("abc", "relu", "positive integer"),
        (True, "relu", "positive integer"),
        (float("nan"), "relu", "positive integer"),
    ],
)
def test_check_k_rejects(K: object, activation: str, fragment: str) -> None:
    with pytest.raises(InputError, match=fragment):
        check_k(K, activation)


def test_check_k_accepts() -> None:
    assert check_k(4, "relu") == 4
    assert check_k(np.int64(3), "sign") == 3
    assert check_k(7.0, "sign") == 7
    assert math.isinf(check_k("inf", "relu"))
    assert math.isinf(check_k(float("inf"), "sign"))
    assert check_k(5, "linear") == 5


def test_unknown_names() -> None:
    with pytest.raises(InputError, match="unknown activation 'tanh'"):
        check_activation("tanh")
    with pytest.raises(InputError, match="unknown weights 'ternary'"):
        check_weights("ternary")
    assert check_activation("ReLU") == "relu"
    assert check_weights("Binary") == "binary"
