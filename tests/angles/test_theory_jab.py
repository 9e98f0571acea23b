"""J_{a,b}: closed forms (Table 1), Prop. 1 recursion, Theorem 5 (Bessel numbers) against quadrature and
MC."""

from __future__ import annotations

import math

import numpy as np
import pytest

from depthlab.angles import J, J_bessel, J_gauss_legendre, J_near_pi, J_quadrature, J_recurrence

ANGLES = np.array([0.0, 0.05, 0.1, 0.5, np.pi / 3, np.pi / 2, 1.8, 2.0, 2.5, 3.0, 3.1, np.pi - 1e-6, np.pi])
# Relative accuracy required of the closed forms vs. adaptive quadrature (quad at epsrel 1e-13).
RTOL = 1e-10


@pytest.mark.parametrize("a", range(4))
@pytest.mark.parametrize("b", range(4))
def test_table1_closed_forms_match_quadrature(a: int, b: int) -> None:
    q = J_quadrature(a, b, ANGLES)
    v = J(a, b, ANGLES)
    # relative where J ≠ 0; at θ = π every J_{a,b} is exactly 0 (G > 0 and −G > 0 cannot both hold)
    nz = q != 0
    assert np.all(np.abs(v[nz] / q[nz] - 1) < RTOL)
    assert np.all(np.abs(v[~nz]) < 1e-15)


def test_higher_orders_all_methods_agree_with_quadrature() -> None:
    """Prop. 1 recursion (J, J_recurrence) and Theorem 5 / Prop. 3 (J_bessel) up to a, b ≤ 8 where they are
    well conditioned (θ ≤ π/2), and J everywhere (it switches to Gauss–Legendre near π)."""
    th_mid = np.array([0.0, 0.05, 0.7, 1.3, np.pi / 2])
    for a in range(9):
        for b in range(9):
            q = J_quadrature(a, b, th_mid)
            for f in (J, J_recurrence, J_bessel, J_gauss_legendre):
                assert np.max(np.abs(f(a, b, th_mid) / q - 1)) < RTOL, (f.__name__, a, b)
            q_all = J_quadrature(a, b, ANGLES[:-1])
            assert np.max(np.abs(J(a, b, ANGLES[:-1]) / q_all - 1)) < RTOL, (a, b)


def test_near_pi_series_is_accurate_for_high_orders() -> None:
    """J switches to the series in π − θ above θ = 2 (and to Gauss–Legendre on (π/2, 2] when a + b > 6)."""
    th = np.array([1.7, 1.99, 2.01, 2.6, 3.1, np.pi - 1e-9])
    for a, b in [(20, 20), (25, 5), (0, 30), (12, 1)]:
        np.testing.assert_allclose(J(a, b, th), J_quadrature(a, b, th), rtol=RTOL, atol=0)
    eps = np.array([1e-3, 0.3, np.pi - 2])
    np.testing.assert_allclose(J_near_pi(2, 3, eps), J_quadrature(2, 3, np.pi - eps), rtol=RTOL, atol=0)


def test_symmetry_and_shape() -> None:
    th = np.linspace(0, np.pi, 12).reshape(3, 4)
    for a, b in [(0, 3), (1, 2), (2, 5), (4, 7)]:
        ab, ba = J(a, b, th), J(b, a, th)
        assert ab.shape == (3, 4)
        np.testing.assert_allclose(ab, ba, rtol=1e-14, atol=0)
    assert np.ndim(J(1, 1, 0.3)) == 0


def test_gaussian_moments_at_theta_zero() -> None:
    """At θ = 0, Ĝ = G and J_{a,b}(0) = E φ(G)^{a+b} = (k−1)!!/2 (k even) or (k−1)!!/√(2π) (k odd) (Lemma
    9)."""
    for a in range(7):
        for b in range(7):
            k = a + b
            dfact = math.prod(range(k - 1, 0, -2)) if k > 1 else 1
            expected = dfact / 2 if k % 2 == 0 else dfact / math.sqrt(2 * math.pi)
            if k == 0:
                expected = 0.5
            assert J(a, b, 0.0) == pytest.approx(expected, rel=1e-13)


def test_orthogonal_values() -> None:
    """At θ = π/2 the pair is independent: J_{a,b} = E φ^a · E φ^b (e.g. J_{1,1} = 1/(2π), J_{3,3} = 2/π)."""
    def m(k: int) -> float:
        dfact = math.prod(range(k - 1, 0, -2)) if k > 1 else 1
        return 0.5 if k == 0 else (dfact / 2 if k % 2 == 0 else dfact / math.sqrt(2 * math.pi))

    for a in range(6):
        for b in range(6):
            assert J(a, b, np.pi / 2) == pytest.approx(m(a) * m(b), rel=1e-13)


def test_theorem5_example_j22() -> None:
    """The note's unit test: J_{2,2} = P(2,0) J_{0,2} + 2 cos θ Q(1,1) J_{1,1} = J_{0,2} + 2 cos θ J_{1,1}."""
    th = np.linspace(0, np.pi, 9)
    rhs = J(0, 2, th) + 2 * np.cos(th) * J(1, 1, th)
    np.testing.assert_allclose(J(2, 2, th), rhs, rtol=1e-12, atol=1e-15)


def test_monte_carlo_spot_check() -> None:
    """J_{2,2}(0.5) by 2e6 Monte-Carlo draws, within 5 standard errors."""
    rng = np.random.default_rng(20240239)
    n = 2_000_000
    g, w = rng.standard_normal(n), rng.standard_normal(n)
    gh = g * math.cos(0.5) + w * math.sin(0.5)
    samples = np.maximum(g, 0) ** 2 * np.maximum(gh, 0) ** 2
    se = samples.std() / math.sqrt(n)
    assert abs(samples.mean() - float(J(2, 2, 0.5))) < 5 * se
