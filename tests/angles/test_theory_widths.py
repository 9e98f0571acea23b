"""Which width enters a step (predict module docstring), checked with a small full-network Monte Carlo.

A bias-free ReLU network with N(0,1) weights (scale factors do not change angles) is simulated with real
weight matrices; θ_ℓ is measured between post-activations, sin²θ robustly as |b − (a·b/|a|²)a|²/|b|².
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from depthlab.angles import mu, predict_mean_path, sigma2


def _full_network_log_sin2(theta0: float, d_in: int, widths: list[int], trials: int, seed: int):
    """ln sin²θ_ℓ (shape (L, trials)) for ``trials`` independent networks of the given hidden widths."""
    rng = np.random.default_rng(seed)
    h = np.zeros((trials, d_in, 2))
    h[:, 0, 0] = 1.0
    h[:, 0, 1], h[:, 1, 1] = math.cos(theta0), math.sin(theta0)
    out = []
    for n in widths:
        h = np.maximum(rng.standard_normal((trials, n, h.shape[1])) @ h, 0.0)
        a, b = h[..., 0], h[..., 1]
        perp = b - ((a * b).sum(1) / (a * a).sum(1))[:, None] * a
        out.append(np.log((perp * perp).sum(1) / (b * b).sum(1)))
    return np.array(out)


def test_input_dimension_does_not_enter() -> None:
    """Layer 1 has the law of width n_1 whatever the input dimension: MC at d_in = 2 and 50 agree with each
    other and with μ(θ_0, n_1) within 4 standard errors (+ the O(n^-2) = O(6e-6) remainder at n_1 = 400)."""
    means = []
    for d_in, seed in ((2, 1), (50, 2)):
        x1 = _full_network_log_sin2(1.0, d_in, [400], 3000, seed)[0]
        se = x1.std() / math.sqrt(x1.size)
        assert abs(x1.mean() - float(mu(1.0, 400))) < 4 * se + 1e-4
        means.append((x1.mean(), se))
    assert abs(means[0][0] - means[1][0]) < 4 * math.hypot(means[0][1], means[1][1])
    # the notebook convention (input width first) predicts very different layer-1 means for these two nets
    nb2, nb50 = (predict_mean_path(1.0, [d])["mean_log_sin2"][1] for d in (2, 50))
    assert abs(nb2 - nb50) > 1


@pytest.mark.parametrize("widths", [[400, 50], [50, 400]])
def test_step_uses_width_of_the_new_layer(widths: list[int]) -> None:
    """Conditional on the measured θ_1, the residual x_2 − μ(θ_1, n) has mean square ≈ E σ²(θ_1, n) only for
    n = n_2 (the width of the new layer): the two candidate widths differ by a factor ≈ 8 in σ², far beyond
    the O(1/n) relative accuracy of Theorem 1 and the MC error (2000 trials: ±6% on a mean square)."""
    x = _full_network_log_sin2(1.0, 30, widths, 2000, seed=11)
    th1 = np.arcsin(np.sqrt(np.exp(x[0])))
    ratios = {}
    for name, n in (("new", widths[1]), ("previous", widths[0])):
        resid = x[1] - np.asarray(mu(th1, n))
        ratios[name] = float(np.mean(resid**2) / np.mean(sigma2(th1, n)))
    assert abs(math.log(ratios["new"])) < math.log(1.35), ratios
    assert abs(math.log(ratios["previous"])) > math.log(3.0), ratios
