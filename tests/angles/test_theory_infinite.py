"""Infinite-width map (eq. 12): iteration values, precision at tiny angles, the 3π/ℓ law."""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest

from depthlab.angles import J, infinite_width_angles, infinite_width_asymptote, infinite_width_map


def _mp_iterate(theta0: float, depth: int) -> list[float]:
    with mp.workdps(50 + int(2 * math.log10(1 / theta0))):  # acos near 1 needs ~2·log10(1/θ) extra digits
        t = mp.mpf(theta0)
        out = [float(t)]
        for _ in range(depth):
            t = mp.acos((mp.sin(t) + (mp.pi - t) * mp.cos(t)) / mp.pi)
            out.append(float(t))
    return out


def test_first_step_from_orthogonal_inputs() -> None:
    th = infinite_width_angles(np.pi / 2, 1)
    assert th.shape == (2,)
    assert math.cos(th[1]) == pytest.approx(1 / math.pi, rel=1e-15)


def test_iteration_matches_high_precision() -> None:
    ref = _mp_iterate(math.pi / 2, 100)
    np.testing.assert_allclose(infinite_width_angles(np.pi / 2, 100), ref, rtol=1e-13)


def test_map_equals_two_j11() -> None:
    th = np.linspace(0.01, np.pi, 50)
    np.testing.assert_allclose(np.cos(infinite_width_map(th)), 2 * J(1, 1, th), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("theta", [0.49, 1e-3, 1e-6, 1e-8, 1e-12, 1e-200])
def test_tiny_angles_keep_relative_precision(theta: float) -> None:
    ref = _mp_iterate(theta, 5)
    np.testing.assert_allclose(infinite_width_angles(theta, 5), ref, rtol=1e-13)
    np.testing.assert_allclose(infinite_width_map(np.array(ref[:-1])), ref[1:], rtol=1e-13)


def test_three_pi_over_ell_law() -> None:
    """ℓθ_ℓ → 3π, with the derived correction 3π/θ_ℓ − ℓ − 1.5 ln ℓ → const (converges)."""
    depth = 20_000
    th = infinite_width_angles(np.pi / 2, depth)
    ell = np.array([1000, 10_000, 20_000])
    assert np.all(np.diff(ell * th[ell]) > 0) and np.all(ell * th[ell] < 3 * math.pi)
    assert 20_000 * th[20_000] == pytest.approx(3 * math.pi, rel=2e-3)
    c = 3 * math.pi / th[ell] - ell - 1.5 * np.log(ell)
    assert abs(c[2] - c[1]) < 0.01 * abs(c[1] - (3 * math.pi / th[100] - 100 - 1.5 * math.log(100)))
    asym = infinite_width_asymptote(depth)
    assert asym.shape == (depth + 1,) and np.isnan(asym[0])
    assert asym[1000] == pytest.approx(3 * math.pi / 1000)
    refined = infinite_width_asymptote(depth, refined=True)
    # the refined law is closer to the truth than 3π/ℓ at every large depth
    assert np.all(np.abs(refined[ell] - th[ell]) < np.abs(asym[ell] - th[ell]))
