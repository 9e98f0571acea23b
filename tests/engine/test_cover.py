"""Cover's theorem: a bias-free perceptron separates N random labelled points in R^d with probability
C(N, d)/2^N = 2^(1−N) Σ_{k<d} C(N−1, k) (Cover 1965, Theorem 1).

Separability is certified both ways by an exact linear program (:func:`linearly_separable`); the engine's
classification mode can only certify *separable*, so it must separate every LP-separable set and (by
construction) never claims a non-separable one.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from depthlab.engine import FitConfig, cover_probability, fit, linearly_separable, perceptron, random_labels

M = 300  # data sets per (N, d)


def test_cover_formula_values():
    assert cover_probability(5, 5) == 1.0
    assert cover_probability(10, 5) == 0.5  # N = 2d
    assert cover_probability(15, 5) == pytest.approx(1471 / 16384, rel=1e-15)


@pytest.mark.parametrize("n", [5, 10, 15])
def test_perceptron_matches_cover(n):
    d = 5
    key = f"cover-{n}-{d}"
    x, y = random_labels(key, range(M), n, d)
    lp = linearly_separable(x, y)
    p = cover_probability(n, d)
    se = math.sqrt(max(p * (1 - p), 1e-12) / M)
    # 4 binomial standard errors: a false alarm has probability < 1e-4 per cell.
    assert abs(lp.mean() - p) <= 4 * se + 1e-12, (lp.mean(), p)
    res = fit(perceptron(d), (x, y), key=key, config=FitConfig(mode="classification"))
    assert not (res.success & ~lp).any()  # certified margins > 0 imply LP-separable
    np.testing.assert_array_equal(res.success, lp)  # the convex squared hinge is minimised to 0 iff separable
    assert (res.min_margin[res.success] > 0).all()


def test_separating_vectors_return_certified_separators() -> None:
    """The LP's separators have every margin ≥ 1 up to HiGHS's feasibility tolerance (1e-7), with and without an
    affine term; inseparable sets (one point with both labels) get no separator."""
    from depthlab.engine.separability import separating_vectors

    gen = torch.Generator().manual_seed(11)
    x = torch.randn(6, 7, 4, generator=gen, dtype=torch.float64)
    y = torch.where(torch.rand(6, 7, generator=gen) < 0.5, 1.0, -1.0).double()
    x[5, 1], y[5, 1] = x[5, 0], -y[5, 0]
    for bias in (False, True):
        w, ok = separating_vectors(x, y, bias=bias)
        xa = torch.cat([x, torch.ones(6, 7, 1, dtype=torch.float64)], 2) if bias else x
        margins = y.numpy() * np.einsum("mnd,md->mn", xa.numpy(), w)
        assert ok.sum() >= 4 and not ok[5]
        assert (margins[ok] >= 1 - 1e-7).all() and (w[~ok] == 0).all()
        assert (ok == linearly_separable(x, y, bias=bias)).all()


def test_gordan_certificate_agrees_with_the_lp_and_checks_itself() -> None:
    """Near the threshold (N = 2d, half the sets separable) the certificate fires exactly on the sets the LP
    (run directly, HiGHS) calls infeasible; its λ is ≥ 0 with Σλ ≈ 1 and ‖Aᵀλ‖ at rounding level (≤ 1e-12
    relative, the module's threshold), and it never fires on a separable set (there ‖Aᵀλ‖ is bounded away from 0,
    as λᵀA w ≥ Σλ for any separator w)."""
    import scipy.optimize

    from depthlab.engine.separability import GORDAN_TOL, gordan_certificate

    gen = np.random.default_rng(3)
    fired = separable = 0
    for _ in range(200):
        a = gen.standard_normal((12, 6)) * np.where(gen.random(12) < 0.5, 1.0, -1.0)[:, None]
        lp = scipy.optimize.linprog(np.zeros(6), A_ub=-a, b_ub=-np.ones(12), bounds=[(None, None)] * 6,
                                    method="highs-ipm")
        assert lp.status in (0, 2)
        ok, lam = gordan_certificate(a)
        assert ok == (lp.status == 2)
        if ok:
            assert lam.min() >= 0 and abs(lam.sum() - 1) < 1e-9
            assert np.linalg.norm(a.T @ lam) <= GORDAN_TOL * np.linalg.norm(a, axis=1).max()
        fired += ok
        separable += lp.status == 0
    assert fired > 40 and separable > 40  # both outcomes are exercised
    # constructed: a point and its negative cannot both be on the positive side
    a = np.array([[1.0, 2.0], [-1.0, -2.0], [0.5, 0.1]])
    assert gordan_certificate(a)[0] and not gordan_certificate(np.abs(a))[0]
