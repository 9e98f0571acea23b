"""Numerics of the constructions: gap widening, the float64 rounding bound, iterative refinement.

The rounding-bound test compares the float64 forward pass with the same weights evaluated in extended precision
(``np.longdouble``, 64-bit mantissa on x86; where longdouble is plain float64 the test is skipped): the bound is a
rigorous first-order bound, so it must hold at every point.
"""

from __future__ import annotations

import numpy as np
import pytest

from depthlab.interp.datasets import random_points
from depthlab.interp.theory.build import build
from depthlab.interp.theory.construction import forward_slopes, left_thresholds, separating_direction
from depthlab.interp.theory.numerics import gamma, refine_output, rounding_bound, widen_gaps

EXTENDED = np.finfo(np.longdouble).eps < np.finfo(np.float64).eps


def _min_gap(t: np.ndarray) -> float:
    return float(np.diff(np.sort(t)).min())


@pytest.mark.parametrize(("N", "d"), [(300, 10), (500, 60)])
def test_widen_gaps_widens_the_smallest_gap(N: int, d: int) -> None:
    X = np.random.default_rng(N + d).standard_normal((N, d))
    w, t = separating_direction(X, np.random.default_rng(0), widen=False)
    v = widen_gaps(X, w)
    assert abs(np.linalg.norm(v) - 1) < 1e-12
    assert _min_gap(X @ v) > 1.5 * _min_gap(t)  # measured 2–20×; the method never returns a smaller gap


def test_widen_gaps_keeps_degenerate_inputs() -> None:
    X = np.arange(5.0)[:, None]  # d = 1: nothing to move
    assert np.array_equal(widen_gaps(X, np.ones(1)), np.ones(1))


def _extended_forward(net, X: np.ndarray) -> np.ndarray:
    h = X.astype(np.longdouble)
    for ell, (W, b) in enumerate(zip(net.weights, net.biases, strict=True)):
        if ell == 0 and net.factors is not None:
            w, s = (a.astype(np.longdouble) for a in net.factors)
            h = np.maximum((h @ w)[:, None] * s[None, :] + b.astype(np.longdouble), 0)
        else:
            h = np.maximum(h @ W.T.astype(np.longdouble) + b.astype(np.longdouble), 0)
    return h @ net.out_weight.astype(np.longdouble) + net.out_bias.astype(np.longdouble)


@pytest.mark.skipif(not EXTENDED, reason="np.longdouble is float64 on this platform")
@pytest.mark.parametrize("name", ["triangular", "two-sided", "normalized", "grouped", "windowed", "classifier"])
def test_rounding_bound_holds_at_every_point(name: str) -> None:
    X, Y = random_points(400, 6, np.random.default_rng(7))
    target = np.random.default_rng(8).integers(0, 4, 400) if name == "classifier" else Y
    con = build(name, X, target, rng=np.random.default_rng(9))
    err = np.abs(con.net(X) - _extended_forward(con.net, X)).astype(np.float64)
    bound = rounding_bound(con.net, X)
    assert bound.shape == err.shape
    assert np.all(err <= bound), float(np.max(err / np.maximum(bound, 1e-300)))
    assert np.max(bound) < 1e-3  # not vacuous


def test_refinement_removes_a_solve_error() -> None:
    X, Y = random_points(300, 5, np.random.default_rng(10))
    con = build("triangular", X, Y, rng=np.random.default_rng(11))
    net, o = con.net, con.order
    ts = (X @ net.factors[0])[o]
    c = left_thresholds(ts)
    np.testing.assert_allclose(-net.biases[0], c)
    exact = np.max(np.abs(net(X) - Y))
    net.out_weight = net.out_weight * (1 + 1e-7 * np.random.default_rng(12).standard_normal(net.out_weight.shape))
    spoiled = np.max(np.abs(net(X) - Y))
    assert spoiled > 1e3 * max(exact, 1e-14)
    refine_output(net, X, Y, lambda r: forward_slopes(ts, c, r[o]), steps=3)
    assert np.max(np.abs(net(X) - Y)) <= max(10 * exact, 1e-12)


def test_gamma() -> None:
    u = np.finfo(np.float64).eps / 2
    assert gamma(1) == pytest.approx(u) and gamma(10**6) > 10**6 * u


def test_verified_candidates_keep_the_smallest_residual() -> None:
    from depthlab.interp.theory.construction import best_of, candidate_directions, verified_candidates
    from depthlab.interp.theory.one_hidden_layer import _triangular_from, triangular

    X, Y = random_points(500, 8, np.random.default_rng(30))
    assert verified_candidates(500) == 8 and verified_candidates(10_000) == 1
    dirs = candidate_directions(X, np.random.default_rng(31), 32, 8)
    assert len(dirs) == 8
    each = [_triangular_from(X, Y, w).residual for w in dirs]
    con = triangular(X, Y, rng=np.random.default_rng(31))
    assert con.residual == min(each)  # same generator state: the same candidates, the best one kept
    assert best_of(iter([con])) is con
    assert len(candidate_directions(X[:, :1], np.random.default_rng(0), 32, 8)) == 1  # R^1: one direction
