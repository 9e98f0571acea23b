"""RS capacity, spherical weights: closed form at K = ∞ and the distance-to-cone recipe at finite K."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy.optimize import minimize

from depthlab.committee.theory.rs_spherical import (
    alpha_rs_finite_k,
    alpha_rs_infinite_k,
    alpha_rs_relu_k2_exact,
    check_ties,
    mean_sq_distance_qmc,
    sq_distance,
    sq_distance_relu,
    sq_distance_sign,
)
from depthlab.errors import InputError


def _brute_force_relu(z: np.ndarray, strict: bool) -> float:
    """Nearest point of {Σ_{+} relu(w) ≥ Σ_{−} relu(w)} by one convex QP per activation pattern (SLSQP).

    strict (ties are errors): only patterns with at least one active "+" unit (w ≥ 0) are allowed, which is
    the closure of {Σ_{+} relu(w) > Σ_{−} relu(w)}."""
    K = len(z)
    h = K // 2
    c = np.r_[np.ones(h), -np.ones(h)]
    best = np.inf
    for pat in itertools.product([False, True], repeat=K):
        act = np.array(pat)
        if strict and not act[:h].any():
            continue
        bounds = [(0.0, None) if a else (None, 0.0) for a in act]
        x0 = np.where(act, np.maximum(z, 0.0), np.minimum(z, 0.0))
        cons = [{"type": "ineq", "fun": lambda w, a=act: np.sum((c * w)[a])}]
        res = minimize(lambda w: np.sum((w - z) ** 2), x0, jac=lambda w: 2 * (w - z), method="SLSQP",
                       bounds=bounds, constraints=cons, options={"ftol": 1e-15, "maxiter": 500})
        w = res.x
        if np.maximum(w[:h], 0).sum() - np.maximum(w[h:], 0).sum() >= -1e-9:
            best = min(best, float(res.fun))
    return best


@pytest.mark.parametrize("strict", [True, False])
@pytest.mark.parametrize("K", [2, 4])
def test_relu_projection_matches_brute_force(K: int, strict: bool) -> None:
    """The KKT/prefix projection equals the best of 2^K per-pattern QPs (SLSQP, ftol 1e-15) to 1e-8."""
    rng = np.random.default_rng(K)
    z = rng.standard_normal((20 if K == 4 else 50, K))
    fast = sq_distance_relu(z, strict)
    brute = np.array([_brute_force_relu(row, strict) for row in z])
    assert np.max(np.abs(fast - brute)) < 1e-8
    assert (fast > 0).any()


def test_sign_projection_matches_enumeration() -> None:
    """Majority cone: the m smallest negative squares vs enumerating every subset of coordinates to flip."""
    rng = np.random.default_rng(3)
    K = 5
    z = rng.standard_normal((200, K))
    fast = sq_distance_sign(z)
    for row, d in zip(z, fast, strict=True):
        best = np.inf
        for mask in itertools.product([False, True], repeat=K):
            m = np.array(mask)
            if ((row > 0) | m).sum() >= (K + 1) // 2:
                best = min(best, float(np.sum(np.where(m & (row <= 0), row**2, 0.0))))
        assert abs(best - d) < 1e-12


@pytest.mark.parametrize("ties", ["error", "correct"])
def test_relu_k2_closed_form(ties: str) -> None:
    """8π/(3π − 2√2) from the angular integral vs adaptive quadrature of d² over the circle (E[r²] = 2)."""
    from scipy.integrate import quad

    strict = check_ties(ties)

    def d2(phi: float) -> float:
        return float(sq_distance_relu(np.array([[math.cos(phi), math.sin(phi)]]), strict)[0])

    cuts = np.array([0, 2, 4, 5, 6, 8, 12, 16]) * math.pi / 8  # every kink of d² on the circle
    val = sum(quad(d2, a, b, epsabs=1e-14, epsrel=1e-13)[0] for a, b in itertools.pairwise(cuts))
    e_d2 = 2.0 * val / (2 * math.pi)
    assert abs(1.0 / e_d2 - alpha_rs_relu_k2_exact(ties)) < 1e-10
    expected = 4 / 3 if strict else 3.810097712
    assert alpha_rs_relu_k2_exact(ties) == pytest.approx(expected, abs=1e-9)


def test_qmc_reproduces_exact_values() -> None:
    """QMC estimator vs exact values: ReLU K=2 (closed form), linear/sign perceptron (E[d²] = 1/2); 5 SE."""
    for ties in ("error", "correct"):
        e = alpha_rs_finite_k("relu", 2, points=2**13, replicas=8, ties=ties)
        assert abs(e.alpha - alpha_rs_relu_k2_exact(ties)) < 5 * e.stderr
    for act, K in (("linear", 1), ("linear", 4), ("sign", 1)):
        m, se = mean_sq_distance_qmc(act, K, points=2**12, replicas=8)
        assert abs(m - 0.5) < 5 * se + 1e-15


def test_qmc_agrees_with_plain_monte_carlo_k4() -> None:
    """Sobol-on-the-sphere estimator vs plain Gaussian Monte Carlo, K = 4: |Δ| < 5 combined SE."""
    rng = np.random.default_rng(11)
    z = rng.standard_normal((400_000, 4))
    d = sq_distance(z, "relu")
    mc, mc_se = d.mean(), d.std() / math.sqrt(len(d))
    q, q_se = mean_sq_distance_qmc("relu", 4, points=2**14, replicas=8)
    assert abs(mc - q) < 5 * math.hypot(mc_se, q_se)


def test_infinite_k_closed_form() -> None:
    """α_RS(K → ∞) = 2κ′(1): 2π/(π−1) for ReLU, 2 for linear, ∞ for sign."""
    assert alpha_rs_infinite_k("relu") == pytest.approx(2 * math.pi / (math.pi - 1), rel=1e-15)
    assert alpha_rs_infinite_k("linear") == 2.0
    assert math.isinf(alpha_rs_infinite_k("sign"))


def test_relu_ties_correct_peaks_at_two_and_approaches_limit() -> None:
    """ties="correct" (the note's recipe): RS is largest at K = 2, falls through K = 4, 6, 8 (differences
    ≫ SE) and at K = 64 is within 4 SE + 0.03 of 2π/(π−1). The 0.03 allowance is the finite-K offset seen in the
    data (α(16) − α(∞) ≈ −0.03, α(32) ≈ −0.025, α(64) ≈ −0.02), not a quadrature error."""
    vals = {K: alpha_rs_finite_k("relu", K, points=2**12, replicas=8, ties="correct") for K in (4, 6, 8, 64)}
    a2 = alpha_rs_relu_k2_exact("correct")
    assert a2 > vals[4].alpha + 10 * vals[4].stderr
    assert vals[4].alpha > vals[6].alpha + 5 * math.hypot(vals[4].stderr, vals[6].stderr)
    assert vals[6].alpha > vals[8].alpha + 3 * math.hypot(vals[6].stderr, vals[8].stderr)
    assert abs(vals[64].alpha - alpha_rs_infinite_k("relu")) < 4 * vals[64].stderr + 0.03
    assert all(a2 > v.alpha for v in vals.values())


def test_relu_ties_error_rises_with_k() -> None:
    """ties="error" (output 0 is a mistake): 4/3 at K = 2, then rising through K = 4, 6, 8 (≫ SE), below the
    K → ∞ value; the two conventions differ by the all-inactive event (probability 2^{-K}), so they agree
    within 4 combined SE at K = 16."""
    vals = {K: alpha_rs_finite_k("relu", K, points=2**12, replicas=8) for K in (4, 6, 8)}
    assert alpha_rs_relu_k2_exact() < vals[4].alpha - 10 * vals[4].stderr
    assert vals[4].alpha < vals[6].alpha - 5 * math.hypot(vals[4].stderr, vals[6].stderr)
    assert vals[6].alpha < vals[8].alpha - 3 * math.hypot(vals[6].stderr, vals[8].stderr)
    assert vals[8].alpha < alpha_rs_infinite_k("relu")
    e, c = (alpha_rs_finite_k("relu", 16, points=2**11, replicas=8, ties=t) for t in ("error", "correct"))
    assert abs(e.alpha - c.alpha) < 4 * math.hypot(e.stderr, c.stderr)


def test_errors() -> None:
    with pytest.raises(InputError, match="unknown ties"):
        check_ties("maybe")
    with pytest.raises(InputError, match="finite K"):
        alpha_rs_finite_k("relu", float("inf"))
    with pytest.raises(InputError, match="power of 2"):
        mean_sq_distance_qmc("relu", 4, points=1000)
    with pytest.raises(InputError, match="even K"):
        alpha_rs_finite_k("relu", 5)
