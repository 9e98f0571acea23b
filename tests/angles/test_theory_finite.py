"""Theorem 1 (μ, σ²), ρ(n), small-angle limits, Corollary 2 (and its typo), float64 stability vs. mpmath."""

from __future__ import annotations

import math

import numpy as np
import pytest

from depthlab.angles import (
    SIGMA2_THETA2_CORRECTED,
    SIGMA2_THETA2_PRINTED,
    mu,
    mu_minus_log_sin2,
    mu_series,
    mu_sigma2,
    rho,
    sigma2,
    sigma2_limit,
    sigma2_series,
    theorem1_mpmath,
)


def test_rho_values_and_asymptotics() -> None:
    """ρ(n) from eq. 2; checked against an mpmath evaluation of the same formula and against 2/n + O(n^-2)."""
    import mpmath as mp

    for n in (2, 3, 16, 64, 256, 1024, 10**6):
        with mp.workdps(40):
            m = mp.mpf(n)
            ref = mp.log((m + 5) / (m - 1)) - 10 * m / (m + 5) ** 2 + 6 * m / (m - 1) ** 2
        assert float(rho(n)) == pytest.approx(float(ref), rel=1e-12)
    n = np.array([1e3, 1e4, 1e5])
    # expansion of eq. 2: ρ(n) = 2/n + 100/n² + O(n^-3)
    assert np.all(np.abs(rho(n.astype(int)) * n - 2 - 100 / n) < 2000 / n**2)
    np.testing.assert_allclose(rho([16, 64]), [rho(16), rho(64)])


@pytest.mark.parametrize("n", [2, 3, 16, 256, 4096])
def test_float64_matches_mpmath_everywhere(n: int) -> None:
    """μ to 1e-13 (absolute, |μ| ≥ 1 scale) and σ² to 1e-10 relative for θ ∈ [1e-12, 2.5], 2e-13 absolute
    to π."""
    th = np.concatenate([np.logspace(-12, 0, 25), np.linspace(1.0, np.pi, 12)])
    ref = np.array([theorem1_mpmath(t, n) for t in th])
    m, s = mu(th, n), sigma2(th, n)
    m2, s2 = mu_sigma2(th, n)
    np.testing.assert_array_equal(m2, m)
    np.testing.assert_array_equal(s2, s)
    assert np.all(np.abs(m - ref[:, 0]) < 1e-13 * np.maximum(1, np.abs(ref[:, 0])))
    ok = th <= 2.5
    assert np.all(np.abs(s[ok] / ref[ok, 1] - 1) < 1e-10)
    assert np.all(np.abs(s - ref[:, 1]) < 2e-13)


@pytest.mark.parametrize("theta", [1e-6, 1e-8])
def test_stability_at_tiny_angles(theta: float) -> None:
    """The plain float64 formulas are garbage here; ours match 80-digit arithmetic."""
    for n in (16, 256, 1024):
        m_ref, s_ref = theorem1_mpmath(theta, n)
        assert float(mu(theta, n)) == pytest.approx(m_ref, rel=1e-14)
        assert float(sigma2(theta, n)) == pytest.approx(s_ref, rel=1e-12)


def test_limits_as_theta_to_zero() -> None:
    """μ − ln sin²θ → −ρ(n) (Cor. 2) and σ² → 8n/(n+5)² + 432n/((n+5)²(n−1)²) (derived limit)."""
    n = np.array([2, 4, 16, 64, 256, 1024])
    np.testing.assert_allclose(mu_minus_log_sin2(0.0, n), -rho(n), rtol=1e-13)
    np.testing.assert_allclose(sigma2(0.0, n), sigma2_limit(n), rtol=1e-13)
    np.testing.assert_allclose(sigma2(1e-9, n), sigma2_limit(n), rtol=1e-7)
    assert float(mu(0.0, 16)) == -math.inf
    # the limit is 8/n + O(n^-2)
    assert abs(float(sigma2_limit(10**6)) * 10**6 - 8) < 1e-3


def test_reference_values_from_note() -> None:
    """Spot values (computed independently at 60 digits) to their 6 printed decimals."""
    cases = [
        (16, 0.1, -5.029469, 0.350936),
        (256, 0.01, -9.221803, 0.030034),
        (256, 0.5, -1.584138, 0.021225),
        (256, math.pi / 2, -0.110547, 0.001069),
        (1024, 0.1, -4.631959, 0.007525),
    ]
    for n, th, m, s in cases:
        assert float(mu(th, n)) == pytest.approx(m, abs=1e-6)
        assert float(sigma2(th, n)) == pytest.approx(s, abs=1e-6)


def test_corollary2_coefficients_and_typo() -> None:
    """Slopes of nσ² and μ at θ → 0 for large n, from the 80-digit reference (independent of our series):
    nσ² = 8 − (64/(15π))θ − c₂θ² + …, with c₂ = 8 + 296/(45π²) — not the printed 8 + 296/(45π)."""
    n = 10**9  # 1/n corrections to the coefficients are then ≤ 1e-7
    h = 1e-4
    f = [n * theorem1_mpmath(k * h, n)[1] for k in (1, 2)]
    f0 = 8 * n * (1 / (n + 5) ** 2 * n + 54 / ((n + 5) ** 2 * (n - 1) ** 2) * n)  # n σ²(0⁺, n)
    c1 = (4 * (f[0] - f0) - (f[1] - f0)) / (2 * h)  # θ-coefficient, O(h²) error
    c2 = -((f[1] - f0) - 2 * (f[0] - f0)) / (2 * h**2)  # −θ²-coefficient, O(h) error
    assert c1 == pytest.approx(-64 / (15 * math.pi), rel=1e-3)
    assert c2 == pytest.approx(SIGMA2_THETA2_CORRECTED, rel=1e-3)
    assert abs(c2 - SIGMA2_THETA2_PRINTED) > 1.0  # the printed coefficient is off by 1.43
    # the series drop O(θ³) and O(n^-2) terms (σ²(0⁺, n) − 8/n ≈ −80/n²), so compare them at large n
    n = 10**6
    for th in (1e-3, 1e-2, 3e-2):
        assert abs(float(sigma2_series(th, n)) - float(sigma2(th, n))) < (50 * th**3 + 1e-4) / n
        assert abs(float(mu_series(th, n)) - float(mu(th, n))) < 5 * th**3 + 1e-9


def test_antipodal_inputs_give_orthogonal_next_layer() -> None:
    """θ = π: φ(G) and φ(−G) have disjoint supports, so θ_1 = π/2 exactly: μ = 0 and σ² = 0."""
    assert float(mu(math.pi, 64)) == 0.0
    assert abs(float(sigma2(math.pi, 64))) < 1e-15
    assert float(mu_minus_log_sin2(math.pi, 64)) == math.inf
