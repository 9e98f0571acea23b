"""Exact finite-K RS capacity for sign units and the large-K laws."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.special import ndtri
from scipy.stats import beta as beta_dist

from depthlab.committee.theory.rs_sign_exact import alpha_rs_sign_exact, conditional_mean_d2, mean_sq_distance_sign
from depthlab.committee.theory.rs_spherical import mean_sq_distance_qmc, sq_distance_sign
from depthlab.committee.theory.sign_growth import alpha_sign_growth, alpha_sign_rs_asymptote
from depthlab.errors import InputError


@pytest.mark.parametrize(("j", "m"), [(3, 1), (10, 3), (101, 8), (1000, 40)])
def test_conditional_integral_vs_adaptive_quad(j: int, m: int) -> None:
    """Composite Gauss–Legendre vs scipy quad (epsrel 1e-13) of j ∫ x(u)² BetaSF(u; m, j−m) du: rel. 1e-10."""
    ref = j * quad(lambda u: ndtri((1 + u) / 2) ** 2 * beta_dist.sf(u, m, j - m), 0, 1,
                   epsabs=1e-15, epsrel=1e-13, limit=500)[0]
    assert abs(conditional_mean_d2(j, m) - ref) < 1e-10 * ref


def test_order_statistics_formula_vs_sampling() -> None:
    """E[sum of the m smallest of j half-normal squares] vs direct sampling, j = 7, m = 3: |Δ| < 5 SE."""
    rng = np.random.default_rng(2)
    x = np.sort(np.abs(rng.standard_normal((400_000, 7))) ** 2, axis=1)[:, :3].sum(axis=1)
    assert abs(x.mean() - conditional_mean_d2(7, 3)) < 5 * x.std() / math.sqrt(len(x))


@pytest.mark.parametrize("K", [3, 9, 21])
def test_exact_vs_qmc(K: int) -> None:
    """Deterministic E[d²] vs the independent QMC estimator with the sign projection: |Δ| < 5 SE."""
    m, se = mean_sq_distance_qmc("sign", K, points=2**13, replicas=8, seed=K)
    assert abs(m - mean_sq_distance_sign(K)) < 5 * se


def test_perceptron_and_k3() -> None:
    """K = 1 is the perceptron (α = 2); K = 3 by hand: E[d²] = P(j=2)E[min of 2] + P(j=3)E[min 2 of 3]."""
    assert alpha_rs_sign_exact(1) == pytest.approx(2.0, rel=1e-12)
    z = np.random.default_rng(0).standard_normal((10, 3))
    assert np.all(sq_distance_sign(z) >= 0)
    by_hand = 3 / 8 * conditional_mean_d2(2, 1) + 1 / 8 * conditional_mean_d2(3, 2)
    assert mean_sq_distance_sign(3) == pytest.approx(by_hand, rel=1e-14)
    assert alpha_rs_sign_exact(3) == pytest.approx(4.02519187, abs=1e-7)


def test_rs_grows_like_sqrt_k() -> None:
    """α_RS(K)/√K increases towards 12/√(2π) ≈ 4.7873 (our large-K derivation); Richardson extrapolation
    with a K^{-1/2} correction from K = 10^4+1 and 10^5+1 lands within 1e-3 relative of it."""
    ks = [101, 1001, 10001, 100001]
    r = [alpha_rs_sign_exact(k) / math.sqrt(k) for k in ks]
    assert all(b > a for a, b in itertools.pairwise(r))
    limit = alpha_sign_rs_asymptote(1.0)
    assert r[-1] < limit
    s3, s4 = math.sqrt(ks[2]), math.sqrt(ks[3])
    extrap = (r[3] * s4 - r[2] * s3) / (s4 - s3)
    assert abs(extrap / limit - 1) < 1e-3


def test_rs_exceeds_growth_law() -> None:
    """RS overestimates: α_RS(K) > (16/π)√(ln K) (Monasson–Zecchina) for all K ≥ 3 tested, ratio growing."""
    ks = [3, 9, 33, 101, 1001]
    ratio = [alpha_rs_sign_exact(k) / alpha_sign_growth(k) for k in ks]
    assert all(x > 1 for x in ratio[1:])
    assert all(b > a for a, b in itertools.pairwise(ratio))


def test_growth_law_values_and_errors() -> None:
    assert alpha_sign_growth(math.e) == pytest.approx(16 / math.pi, rel=1e-15)
    np.testing.assert_allclose(alpha_sign_growth(np.array([3.0, 9.0])),
                               16 / math.pi * np.sqrt(np.log([3.0, 9.0])), rtol=1e-15)
    assert math.isinf(alpha_sign_growth(float("inf")))
    with pytest.raises(InputError, match="K ≥ 2"):
        alpha_sign_growth(1)
    with pytest.raises(InputError, match="odd K"):
        alpha_rs_sign_exact(4)
