"""Algorithm 1 (mean path) and Approximation 2 (density on a grid)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from depthlab.angles import infinite_width_angles, mu, predict_density, predict_mean_path, rho, sigma2


def _gaussian_chain(theta0: float, widths: list[int], paths: int, seed: int) -> np.ndarray:
    """Monte Carlo of the Approximation-2 chain X_{k+1} ~ N(μ(θ_k, n), σ²(θ_k, n)), θ_k =
    arcsin(e^{X_k/2})."""
    rng = np.random.default_rng(seed)
    x = np.empty((len(widths) + 1, paths))
    x[0] = math.log(math.sin(theta0) ** 2)
    th = np.full(paths, theta0)
    for k, n in enumerate(widths):
        x[k + 1] = mu(th, n) + np.sqrt(sigma2(th, n)) * rng.standard_normal(paths)
        th = np.arcsin(np.exp(0.5 * np.minimum(x[k + 1], 0.0)))
    return x


def test_algorithm1_is_iterated_mu_with_stated_width_convention() -> None:
    widths = [300, 20, 80, 5]
    p = predict_mean_path(1.2, widths)
    assert p["layer"] == [0, 1, 2, 3, 4] and p["widths"] == widths
    x, th = p["mean_log_sin2"], p["theta"]
    assert x.shape == th.shape == (5,)
    assert x[0] == pytest.approx(math.log(math.sin(1.2) ** 2))
    for k, n in enumerate(widths):  # widths[k] enters step k → k+1
        assert x[k + 1] == pytest.approx(float(mu(th[k], n)), abs=1e-14)
        assert math.sin(th[k + 1]) ** 2 == pytest.approx(math.exp(x[k + 1]), rel=1e-12)
    np.testing.assert_allclose(p["infinite_width_theta"], infinite_width_angles(1.2, 4))
    np.testing.assert_allclose(p["rho"], rho(widths))


def test_algorithm1_values_from_note() -> None:
    """Independent check values (Alg. 1 and Approx. 1 columns, θ_0 = π/2, depth 50; independent implementation)."""
    for n, alg1, approx1 in [(16, -20.337, -21.062), (64, -5.388, -5.522), (256, -3.995, -4.057)]:
        p = predict_mean_path(math.pi / 2, [n] * 50)
        assert p["mean_log_sin2"][50] == pytest.approx(alg1, abs=1.5e-3)
        assert p["approx1_log_sin2"][50] == pytest.approx(approx1, abs=1.5e-3)
        assert p["infinite_width_log_sin2"][50] == pytest.approx(-3.72435, abs=1e-5)


def test_density_matches_gaussian_chain_monte_carlo() -> None:
    """Grid propagation vs. 40 000 paths of the same Gaussian chain: mean, sd within 4 standard errors (+ grid
    error 2e-3), and a KS test of the predicted CDF at the last layer."""
    widths = [64] * 12
    pred = predict_density(math.pi / 2, widths)
    x = _gaussian_chain(math.pi / 2, widths, 40_000, seed=7)
    assert pred.mass_outside.max() < 1e-8
    for layer in (1, 6, 12):
        s = x[layer]
        se_mean = s.std() / math.sqrt(s.size)
        assert abs(pred.mean[layer] - s.mean()) < 4 * se_mean + 2e-3
        assert abs(pred.sd[layer] - s.std()) < 4 * s.std() / math.sqrt(2 * s.size) + 2e-3
    assert stats.kstest(x[12], pred.cdf(12)).pvalue > 1e-3
    # the pdf integrates to one on the grid
    assert np.sum(pred.density[12] * np.diff(pred.edges)) == pytest.approx(1.0, abs=1e-8)
    assert pred.pdf(12)(np.array([pred.edges[0] - 1.0]))[0] == 0.0


def test_density_first_layer_is_exact_gaussian() -> None:
    pred = predict_density(0.1, [256] * 3)
    m, s = float(mu(0.1, 256)), math.sqrt(float(sigma2(0.1, 256)))
    assert pred.mean[1] == m and pred.sd[1] == s
    # cell masses are exact normal-CDF differences, so the CDF is exact at cell edges (to rounding) ...
    np.testing.assert_allclose(pred.mass[1], np.diff(stats.norm.cdf(pred.edges, m, s)), rtol=0, atol=1e-13)
    e = pred.edges[::50]
    np.testing.assert_allclose(pred.cdf(1)(e), stats.norm.cdf(e, m, s), rtol=0, atol=1e-12)
    # ... and between edges the PCHIP interpolant is within (Δ/σ)³ of it (Δ = cell width; Δ/σ ≈ 0.06 here)
    xs = np.linspace(m - 4 * s, m + 4 * s, 97)
    delta = pred.edges[1] - pred.edges[0]
    assert np.max(np.abs(pred.cdf(1)(xs) - stats.norm.cdf(xs, m, s))) < (delta / s) ** 3


def test_figure1_setting_matches_note_chain() -> None:
    """Note §8.5: the Approximation-2 chain at θ_0 = 0.1, n = 256, layer 30 has mean −5.437, SD 0.834
    (200k-path MC there, so ±0.003); the paper's notebook kernel ("linearised") stays within 0.02 of it."""
    pred = predict_density(0.1, [256] * 30)
    assert pred.mean[30] == pytest.approx(-5.437, abs=3e-3)
    assert pred.sd[30] == pytest.approx(0.834, abs=3e-3)
    lin = predict_density(0.1, [256] * 30, kernel="linearised")
    assert abs(lin.mean[30] - pred.mean[30]) < 0.02 and abs(lin.sd[30] - pred.sd[30]) < 0.02
