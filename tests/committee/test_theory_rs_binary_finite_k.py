"""Binary weights at finite K: sign (odd K) and ReLU (K = 2) RS zero-entropy capacities."""

from __future__ import annotations

import math

import numpy as np
import pytest

from depthlab.committee.theory.rs_binary import solve_binary_rs
from depthlab.committee.theory.rs_binary_finite_k import (
    _log_p_relu2,
    _log_p_sign,
    alpha_binary_rs_finite_k,
    energetic_finite,
)
from depthlab.errors import InputError


@pytest.mark.parametrize("strict", [True, False])
def test_relu2_probability_vs_sampling(strict: bool) -> None:
    """P_x for the K = 2 ReLU machine vs 10^6 samples of x, for three z and q = 0.4 (|Δ| < 5 SE)."""
    rng = np.random.default_rng(0)
    q = 0.4
    x = rng.standard_normal((1_000_000, 2))
    for z in ([0.3, -0.2], [1.0, 2.0], [-1.0, 0.5]):
        lam = np.sqrt(q) * np.array(z) + np.sqrt(1 - q) * x
        a, b = np.maximum(lam[:, 0], 0), np.maximum(lam[:, 1], 0)
        hit = (a > b) if strict else (a >= b)
        p, se = hit.mean(), hit.std() / 1000.0
        assert abs(math.exp(_log_p_relu2(np.array([z]), q, strict)[0]) - p) < 5 * se


def test_sign_probability_vs_enumeration() -> None:
    """Poisson-binomial majority tail vs explicit enumeration of the 2^5 sign patterns."""
    import itertools

    from scipy.special import ndtr

    z = np.array([[0.2, -1.0, 0.7, 1.5, -0.3]])
    q = 0.6
    p = ndtr(math.sqrt(q / (1 - q)) * z[0])
    tot = 0.0
    for pat in itertools.product([0, 1], repeat=5):
        if sum(pat) >= 3:
            tot += float(np.prod(np.where(np.array(pat) == 1, p, 1 - p)))
    assert abs(math.exp(_log_p_sign(z, q)[0]) - tot) < 1e-14


def test_q_to_zero_limits() -> None:
    """At q → 0 the output is a fair vote for sign (G_E = ln ½), and for ReLU K = 2 P = 3/8 (ties error) or
    5/8 (ties correct): P(relu(x1) > relu(x2)) = P(x1 > max(x2, 0)) = 3/8; adding the tie region gives 5/8.
    Checked at q = 1e-5, where the O(q) correction is below 1e-4."""
    assert abs(energetic_finite(1e-5, "sign", 3)[0] - math.log(0.5)) < 1e-4
    assert abs(energetic_finite(1e-5, "relu", 2, strict=True)[0] - math.log(3 / 8)) < 1e-4
    assert abs(energetic_finite(1e-5, "relu", 2, strict=False)[0] - math.log(5 / 8)) < 1e-4


def test_k1_is_the_binary_perceptron() -> None:
    """Sign with K = 1 through the finite-K code path equals the perceptron code (1e-9)."""
    assert abs(alpha_binary_rs_finite_k("sign", 1) - solve_binary_rs("linear").alpha) < 1e-9


def test_sign_rises_towards_k_infinity() -> None:
    """K = 1 < 3 < 5 < ∞ (0.8331 < 0.9206 < 0.9330 < 0.9470). K = 5 uses 2^13 Sobol points (two scramblings
    differ by ~7e-5, checked by hand; the K = 2^16 value is 0.93303)."""
    a1 = alpha_binary_rs_finite_k("sign", 1)
    a3 = alpha_binary_rs_finite_k("sign", 3)
    a5 = alpha_binary_rs_finite_k("sign", 5)
    assert a1 < a3 < a5 < solve_binary_rs("sign").alpha
    assert abs(a5 - 0.93303) < 3e-4
    assert a3 == pytest.approx(0.920619, abs=1e-5)


def test_relu2_ties_matter() -> None:
    """ReLU K = 2: 0.5751 with ties as errors; with ties counted correct the zero output is right for both
    labels and the zero-entropy point exceeds the information bound 1 (1.3089): a degenerate convention."""
    err = alpha_binary_rs_finite_k("relu", 2)
    cor = alpha_binary_rs_finite_k("relu", 2, ties="correct")
    assert err == pytest.approx(0.575051, abs=1e-5)
    assert cor > 1.0 > err


def test_errors() -> None:
    with pytest.raises(InputError, match="K = 2 only"):
        alpha_binary_rs_finite_k("relu", 4)
    with pytest.raises(InputError, match="K ≤ 15"):
        alpha_binary_rs_finite_k("sign", 17)
