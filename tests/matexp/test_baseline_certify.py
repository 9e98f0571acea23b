"""One-layer baseline and mpmath certification."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

from depthlab.errors import InputError
from depthlab.matexp import certify, one_equation_exact, one_layer_fit, random_problem, solve_problem


def test_one_layer_fits_one_equation_but_not_two() -> None:
    p = random_problem(4, seed=0)
    one = one_layer_fit([p.X1], [p.Y1])
    assert one.max_residual < 1e-13  # one equation: W = Y1 X1⁻¹, exact up to rounding
    two = one_layer_fit([p.X1, p.X2], [p.Y1, p.Y2])
    assert two.total_residual > 0.1  # generic data: no single W maps both (the LS optimum is O(1))
    assert one_equation_exact(p.X1, p.Y1, p.X2, p.Y2) > 0.1


def test_one_layer_ls_is_optimal() -> None:
    """The least-squares W is a stationary point: perturbing it never lowers the residual."""
    p = random_problem(3, seed=4)
    fit = one_layer_fit([p.X1, p.X2], [p.Y1, p.Y2])
    x = np.concatenate([p.X1, p.X2], axis=1)
    y = np.concatenate([p.Y1, p.Y2], axis=1)
    base = np.linalg.norm(fit.W @ x - y)
    rng = np.random.default_rng(0)
    for _ in range(20):
        e = 1e-3 * (rng.standard_normal((3, 3)) + 1j * rng.standard_normal((3, 3)))
        assert np.linalg.norm((fit.W + e) @ x - y) >= base


@pytest.mark.parametrize("d", [1, 2, 4])
def test_certificate_matches_float64(d: int) -> None:
    p = random_problem(d, seed=d)
    sol = solve_problem(p)
    cert = certify(sol.weights, (p.X1, p.X2), (p.Y1, p.Y2))
    # exact construction: the high-precision residual is the effect of rounding the weights to float64,
    # ≤ 1e-10 for well-conditioned small d (notes §5.3)
    assert cert.max_residual < 1e-10
    assert cert.dps == 40


def test_certificate_detects_wrong_weights() -> None:
    p = random_problem(2, seed=1)
    w1, w2, w3 = solve_problem(p).weights
    cert = certify((w1, w2, 1.001 * w3), (p.X1, p.X2), (p.Y1, p.Y2))
    assert cert.max_residual == pytest.approx(1e-3, rel=1e-3)  # exactly the relative perturbation of W3


def test_certificate_independent_of_float64_expm() -> None:
    """The mpmath forward agrees with mpmath.expm on a scalar case: f(x) = w3·exp(w2·exp(w1·x))."""
    w = [np.array([[0.3 + 0.1j]]), np.array([[0.5]]), np.array([[2.0]])]
    x = np.array([[1.2]])
    y = complex(2 * mpmath.exp(0.5 * mpmath.exp((0.3 + 0.1j) * 1.2)))
    cert = certify(w, [x], [np.array([[y]])])
    assert cert.max_residual < 1e-15


def test_certify_refuses_large_d() -> None:
    with pytest.raises(InputError, match="d"):
        certify([np.eye(9)] * 3, [np.eye(9)], [np.eye(9)])
