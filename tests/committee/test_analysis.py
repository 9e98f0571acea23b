"""Transition fits: logistic MLE on synthetic data with a known α_50, and the 1/N extrapolation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from depthlab.committee.analysis import extrapolate, fit_transition, transitions


def test_logistic_fit_recovers_alpha50() -> None:
    rng = np.random.default_rng(0)
    alpha = np.repeat(np.linspace(1.0, 3.0, 9), 200)
    p = 1.0 / (1.0 + np.exp((alpha - 2.1) / 0.3))
    s = (rng.random(alpha.size) < p).astype(float)
    t = fit_transition(alpha, s)
    assert t.bracketed
    # Within 4 standard errors of the truth (the SE is the inverse observed Fisher information).
    assert abs(t.alpha50 - 2.1) < 4 * t.se
    assert 0 < t.se < 0.05


def test_sharp_transition_is_grid_limited() -> None:
    alpha = np.repeat([1.0, 1.5, 2.0, 2.5], 10)
    s = (alpha < 1.75).astype(float)
    t = fit_transition(alpha, s)
    assert 1.5 <= t.alpha50 <= 2.0
    assert t.se == pytest.approx(0.5 / np.sqrt(12))


def test_no_crossing() -> None:
    t = fit_transition(np.array([1.0, 2.0]), np.array([1.0, 1.0]))
    assert np.isnan(t.alpha50) and not t.bracketed


def test_extrapolation_exact_on_linear_data() -> None:
    # α_50(N) = 2.5 − 30/N exactly: the weighted fit returns the intercept 2.5 for any weights.
    Ns = np.array([64, 128, 256])
    trans = pd.DataFrame({"activation": "relu", "weights": "spherical", "K": 4, "N": Ns,
                          "alpha50": 2.5 - 30.0 / Ns, "alpha50_se": [0.05, 0.04, 0.03]})
    ext = extrapolate(trans)
    assert ext["alpha_inf"].iloc[0] == pytest.approx(2.5, abs=1e-12)
    assert ext["slope"].iloc[0] == pytest.approx(-30.0, abs=1e-9)
    assert ext["alpha50_Nmax"].iloc[0] == pytest.approx(2.5 - 30 / 256)


def test_transitions_groups() -> None:
    df = pd.DataFrame({"activation": "sign", "weights": "binary", "K": 3, "N": 30,
                       "alpha": np.repeat([0.2, 0.5, 0.8], 4), "solved": [1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0]})
    t = transitions(df)
    assert len(t) == 1 and 0.2 < t["alpha50"].iloc[0] < 0.8
