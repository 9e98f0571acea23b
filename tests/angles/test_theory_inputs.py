"""Bad inputs raise InputError with a message naming the problem."""

from __future__ import annotations

import math

import pytest

from depthlab.angles import (
    J,
    P,
    Q,
    infinite_width_angles,
    infinite_width_asymptote,
    mu,
    predict_density,
    predict_mean_path,
    rho,
    sigma2,
)
from depthlab.errors import InputError


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: mu(0.1, 1), "≥ 2"),
        (lambda: sigma2(0.1, [64, 0]), "≥ 2"),
        (lambda: rho(2.5), "integer"),
        (lambda: mu(-0.1, 64), r"\[0, π\]"),
        (lambda: sigma2(4.0, 64), r"\[0, π\]"),
        (lambda: J(1, 1, [0.1, math.nan]), "NaN"),
        (lambda: J(-1, 2, 0.3), "a must be ≥ 0"),
        (lambda: J(1, -2, 0.3), "b must be ≥ 0"),
        (lambda: J(1.5, 2, 0.3), "integer"),
        (lambda: P(-1, 0), "≥ 0"),
        (lambda: Q(2.0, 0), "integer"),
        (lambda: infinite_width_angles(0.3, 0), "depth must be ≥ 1"),
        (lambda: infinite_width_angles(3.5, 5), r"\[0, π\]"),
        (lambda: infinite_width_asymptote(-2), "depth"),
        (lambda: predict_mean_path(0.3, []), "empty"),
        (lambda: predict_mean_path(0.3, [64, 1]), r"widths\[1\]"),
        (lambda: predict_mean_path(0.3, [64, 32.5]), "integer"),
        (lambda: predict_mean_path(-1.0, [64]), "theta0"),
        (lambda: predict_density(0.3, [64], kernel="nope"), "kernel"),
        (lambda: predict_density(0.3, [64], grid=[0.0, -1.0, 2.0]), "increasing"),
        (lambda: predict_density(0.0, [64]), "−∞"),
        (lambda: predict_density(0.3, [64, 64]).cdf(3), "layer"),
    ],
)
def test_bad_inputs(call, match: str) -> None:
    with pytest.raises(InputError, match=match):
        call()
