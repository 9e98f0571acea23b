"""Parameter-count bound and Cover's formula (exact arithmetic)."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from depthlab.capacity.theory import (
    capacity_bound,
    cover_probability,
    cover_probability_exact,
    max_fittable,
    parameter_count,
    symmetry_dimension,
)
from depthlab.errors import ConfigError


def test_parameter_count() -> None:
    assert parameter_count(1, 8, bias=False) == 64
    assert parameter_count(2, 8, bias=False) == 128
    assert parameter_count(3, 16, bias=True) == 3 * 256 + 3 * 16


@pytest.mark.parametrize("d", [1, 4, 8, 16, 32])
def test_bound_values(d: int) -> None:
    # one layer: y = Wx fits d points, y = Wx + b fits d + 1 (affine interpolation)
    assert capacity_bound(1, d, "linear", bias=False) == d
    assert capacity_bound(1, d, "relu", bias=True) == d + 1
    # two layers, no biases: 2d for smooth σ, 2d − 1 for ReLU (positive rescaling removes d parameters)
    assert capacity_bound(2, d, "tanh", bias=False) == 2 * d
    assert capacity_bound(2, d, "sigmoid", bias=False) == 2 * d
    assert capacity_bound(2, d, "relu", bias=False) == 2 * d - 1
    assert capacity_bound(3, d, "relu", bias=False) == 3 * d - 2
    assert capacity_bound(2, d, "relu", bias=True) == 2 * d + 2 - 1
    # deep linear networks collapse to one layer: GL(d) (affine group with biases) per hidden layer
    assert capacity_bound(4, d, "linear", bias=False) == d
    assert capacity_bound(4, d, "linear", bias=True) == d + 1


def test_symmetry_and_floor() -> None:
    assert symmetry_dimension(1, 8, "relu", bias=False) == 0
    assert symmetry_dimension(3, 8, "leaky_relu", bias=True) == 16
    assert symmetry_dimension(3, 8, "tanh", bias=True) == 0
    assert max_fittable(2, 8, "relu", bias=False) == 15


@pytest.mark.parametrize("d", [1, 2, 3, 5, 8, 16, 40])
def test_cover_half_at_2d(d: int) -> None:
    # Cover (1965): P(2d, d) = 1/2 exactly, by the symmetry C(2d−1, k) = C(2d−1, 2d−1−k).
    assert cover_probability_exact(2 * d, d) == Fraction(1, 2)


def test_cover_values() -> None:
    for d in (1, 3, 7):
        for n in range(1, d + 1):
            assert cover_probability_exact(n, d) == 1  # N ≤ d points are always separable
    assert cover_probability_exact(3, 1) == Fraction(1, 4)  # 1-D through 0: all labels equal to sign(x)·s
    assert cover_probability_exact(5, 2) == Fraction(1 + 4, 16)
    # complementary symmetry P(N, d) + P(N, N − d) = 1 (sum of all binomials of N − 1)
    for n, d in [(10, 3), (17, 5), (30, 11)]:
        assert cover_probability_exact(n, d) + cover_probability_exact(n, n - d) == 1
    assert math.isclose(cover_probability(16, 8), 0.5)


@pytest.mark.parametrize(
    "call",
    [
        lambda: parameter_count(0, 8, bias=False),
        lambda: parameter_count(2, 0, bias=False),
        lambda: capacity_bound(2, 8, "sign", bias=False),
        lambda: cover_probability(0, 3),
    ],
)
def test_bad_inputs(call) -> None:
    with pytest.raises(ConfigError):
        call()


def test_symmetry_from_the_activation_objects() -> None:
    """Every engine MLP activation gets S from depthlab.activations: d per hidden layer exactly for the positively
    homogeneous non-identity ones (relu, leaky_relu), d² (+ d) for the identity, 0 otherwise."""
    from depthlab.activations import get
    from depthlab.engine.families import ACTIVATIONS

    for name in ACTIVATIONS:
        s = symmetry_dimension(3, 4, name, bias=False)
        if name == "linear":
            assert s == 2 * 16
        else:
            assert s == (2 * 4 if get(name).homogeneous else 0), name
    assert capacity_bound(2, 8, "softplus", bias=False) == capacity_bound(2, 8, "tanh", bias=False) == 16
    assert capacity_bound(2, 8, "leaky_relu", bias=False) == capacity_bound(2, 8, "relu", bias=False) == 15
