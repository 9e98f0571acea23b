"""N* estimation on synthetic success data with a known crossing; Wilson intervals."""

from __future__ import annotations

import numpy as np
import pytest

from depthlab.capacity.curves import estimate_crossing, interpolated_crossing, logistic_curve, wilson_interval
from depthlab.errors import InputError


def test_wilson_known_values() -> None:
    # Wilson (1927): 0/10 → [0, 0.278], 5/10 → [0.237, 0.763] at 95 % (z = 1.96)
    lo, hi = wilson_interval([0, 5, 10], [10, 10, 10])
    np.testing.assert_allclose(lo, [0.0, 0.2366, 0.7225], atol=1e-3)
    np.testing.assert_allclose(hi, [0.2775, 0.7634, 1.0], atol=1e-3)


def test_crossing_recovers_known_value() -> None:
    """Synthetic binomial data from a logistic curve with N* = 20.3: the CI covers it in most replicates.

    With a 95 % interval, 40 replicates and an (approximately) correct interval, ≥ 30 covers has probability
    > 0.999 even at 88 % true coverage (binomial tail); the point estimates' mean lies within 0.25 of 20.3.
    """
    n = np.arange(12, 30)
    p = logistic_curve(n, 20.3, 1.2)
    covered, est = 0, []
    for s in range(40):
        k = np.random.default_rng(s).binomial(32, p)
        c = estimate_crossing(n, k, np.full(n.size, 32), n_boot=200, seed=s)
        covered += c.low <= 20.3 <= c.high
        est.append(c.n_star)
        assert c.method == "logistic"
    assert covered >= 30
    assert abs(np.mean(est) - 20.3) < 0.25


def test_step_and_censored() -> None:
    c = estimate_crossing([8, 9, 10, 11], [16, 16, 0, 0], [16, 16, 16, 16])
    assert (c.n_star, c.low, c.high, c.method) == (9.5, 9.0, 10.0, "step")
    c = estimate_crossing([5, 6], [4, 3], [4, 4])
    assert c.censored == "above" and c.high == np.inf
    c = estimate_crossing([5, 6], [1, 0], [4, 4])
    assert c.censored == "below"


def test_interpolation() -> None:
    assert interpolated_crossing([1, 2, 3], [10, 6, 2], [10, 10, 10]) == pytest.approx(2.25)


@pytest.mark.parametrize(
    "args",
    [([1, 2], [1], [1, 1]), ([1, 1], [0, 0], [1, 1]), ([1, 2], [3, 0], [2, 2]), ([1, 2], [0, 0], [0, 1])],
)
def test_bad_curves(args) -> None:
    with pytest.raises(InputError):
        estimate_crossing(*args)


def test_wilson_contains_estimate() -> None:
    """At k = 0 and k = n the Wilson interval ends exactly at p̂; rounding must not push it past p̂."""
    for n in range(1, 40):
        lo, hi = wilson_interval([0, n], [n, n])
        assert lo[0] == 0.0 and hi[1] == 1.0
        assert lo[1] <= 1.0 and hi[0] >= 0.0


def test_logistic_fit_is_the_maximum_likelihood_on_a_near_separated_curve() -> None:
    """A steep drop with a few scattered failures before it (the unit-wise tanh d = 16 curve of seed 21:
    ≥ 255/256 fitted up to N = 31, 5/256 at 32, 0 at 33). Plain clipped Newton cycled here at N* = 47.5; the
    fit must reach the likelihood optimum that a derivative-free optimiser finds (up to its tolerance)."""
    from scipy import optimize

    n = np.arange(16, 34, dtype=float)
    k = np.full(n.size, 256.0)
    k[n == 23] = k[n == 28] = k[n == 30] = 255
    k[n == 32], k[n == 33] = 5, 0
    t = np.full(n.size, 256.0)
    x = n - n.mean()

    def nll(b):
        eta = b[0] + b[1] * x
        return float(((t - k) * np.logaddexp(0, eta) + k * np.logaddexp(0, -eta)).sum())

    ref = optimize.minimize(nll, [0.0, 0.0], method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-12,
                                                                             "maxiter": 20000})
    c = estimate_crossing(n, k, t)
    assert c.method == "logistic"
    beta1 = -c.slope
    fitted = nll([-beta1 * (c.n_star - n.mean()), beta1])
    assert fitted <= ref.fun + 1e-6, (fitted, ref.fun)
    assert abs(c.n_star - (n.mean() - ref.x[0] / ref.x[1])) < 1e-3
    assert 31.0 < c.low <= c.n_star <= c.high < 32.5


def test_deviance_is_zero_on_the_curve_itself() -> None:
    """Counts equal to t·p(N) of the curve (real-valued) have deviance 0 up to rounding (each term is
    k log(k / t p) with k = t p: |G²| ≲ K·t·1e-15) and p-value 1."""
    from depthlab.capacity.curves import logistic_deviance

    n = np.arange(10, 20)
    t = np.full(n.size, 64.0)
    g2, p = logistic_deviance(n, t * logistic_curve(n, 14.2, 0.9), t, 14.2, 0.9)
    assert g2 < 1e-9 and p == pytest.approx(1.0)


def test_deviance_rarely_rejects_logistic_data() -> None:
    """40 binomial replicates of a logistic curve: the χ²(K − 2) deviance test at α = 0.01 rejects each with
    probability ≈ 0.01 (asymptotically); ≥ 5 rejections of 40 has probability < 1e-3 at p = 0.01 and < 0.01 even
    at p = 0.03, allowing for the approximation."""
    n = np.arange(12, 30)
    p = logistic_curve(n, 20.3, 1.2)
    rejected = 0
    for s in range(40):
        k = np.random.default_rng(100 + s).binomial(32, p)
        c = estimate_crossing(n, k, np.full(n.size, 32), n_boot=50, seed=s)
        assert c.method == "logistic" and np.isfinite(c.gof_p) and np.isfinite(c.interp_low)
        rejected += c.misfit
    assert rejected < 5


def test_asymmetric_curve_is_flagged_and_crossing_given_model_free() -> None:
    """The exact ReLU decision at d = 8 (seed 21, 256 data sets per N; docs/capacity.md): a slow fall then a cliff.
    The logistic model is rejected (G² = 44 on 9 degrees of freedom, p ≈ 1e-6 < 0.01) and the logistic N* falls
    below 13, where the observed rate 153/256 is still above 1/2; the model-free crossing and its bootstrap
    interval lie between 13 and 14, the two N whose rates bracket 1/2 (0.60 and 0.20)."""
    n = np.arange(6, 17)
    k = np.array([256, 256, 256, 256, 250, 233, 190, 153, 51, 3, 0])
    c = estimate_crossing(n, k, np.full(n.size, 256), seed=21)
    assert c.method == "logistic" and c.misfit and c.gof_p < 1e-4
    assert c.n_star < 13 < c.n_star_interp < 14
    assert 13 < c.interp_low <= c.n_star_interp <= c.interp_high < 14
