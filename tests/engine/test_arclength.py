"""The pseudo-arclength (Moore–Penrose) target homotopy: a known fold it must pass, the tracking invariant,
linear known answers, packing.

Tolerances: the corrector accepts a point when ‖F_θ(X) − Y(t)‖ ≤ homotopy_tol·‖Y‖ (1e-10); recomputing that
residual independently allows 1e-4 of the tolerance on top (rounding of the same float64 quantity, ~1e-15·‖Y‖).
The fold's location is analytic: the monotone tracker's t is compared with it to its step rule's resolution
(a failed correction halves h down to homotopy_min_step = 1e-4, so it stops within ~2e-3 of the fold in t).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from depthlab.engine import FitConfig, fit, sampler_for, square_mlp
from depthlab.engine.arclength import STATUS
from depthlab.engine.families import Family
from depthlab.engine.objective import flatten, outputs
from depthlab.errors import ConfigError

ARC = ("arclength",)


def _cubic() -> Family:
    """One parameter θ, one output f(θ) = θ³ − 1.5θ² + 0.6θ (times the input 1), started at θ0 = 0.

    f rises on [0, θ₋], falls on [θ₋, θ₊] and rises after, θ± = (3 ± √1.8)/6: the solution curve of f(θ) = t
    (target Y = 1 from Y0 = f(0) = 0) turns back in t at θ₋ (t = f(θ₋) ≈ 0.0733) and again at θ₊
    (t = f(θ₊) ≈ 0.0284) before it reaches t = 1 at the real root of f(θ) = 1.
    """
    def forward(p, x):
        w = p["w"]
        return (w ** 3 - 1.5 * w ** 2 + 0.6 * w).unsqueeze(1) * x

    return Family(name="cubic-fold", shapes={"w": (1,)}, forward=forward, in_shape=(1,), out_shape=(1,),
                  init_scales={"w": 0.0})


def test_passes_the_folds_the_monotone_tracker_stops_at():
    fam, m = _cubic(), 3
    x = torch.ones(m, 1, 1, dtype=torch.float64)
    y = torch.ones(m, 1, 1, dtype=torch.float64)
    theta_lo = (3 - math.sqrt(1.8)) / 6
    f = lambda w: w ** 3 - 1.5 * w ** 2 + 0.6 * w  # noqa: E731
    mono = fit(fam, (x, y), key="c", config=FitConfig(stages=("target-homotopy",)))
    assert (mono.info["target-homotopy:status"] == 1).all()  # fold
    assert np.allclose(mono.info["target-homotopy:t"], f(theta_lo), atol=2e-3)
    res = fit(fam, (x, y), key="c", config=FitConfig(stages=ARC))
    assert (res.info["arclength:status"] == STATUS["reached"]).all()
    assert (res.info["arclength:turns"] == 2).all()
    assert (res.info["arclength:t"] == 1.0).all()
    root = [r.real for r in np.roots([1, -1.5, 0.6, -1]) if abs(r.imag) < 1e-12]
    np.testing.assert_allclose(res.params["w"].ravel(), root[0], rtol=1e-9)
    assert res.success.all() and (res.info["arclength:max_residual"] <= 1e-10).all()


def test_linear_net_reaches_t1():
    """y = xW, N = 3 < d = 5: the solution set is affine in (θ, t), every correction is exact; t = 1 and a fit."""
    fam = square_mlp(5, 1, "linear")
    x, y = sampler_for(fam, 3)("lin-0", range(4))
    res = fit(fam, (x, y), key="lin", config=FitConfig(stages=ARC))
    assert (res.info["arclength:status"] == STATUS["reached"]).all()
    assert res.success.all()


@pytest.mark.parametrize("budget", [1, 5, 25])
def test_tracker_stays_on_the_solution_set(budget):
    """At every accepted point (sampled by stopping after `budget` iterations) the residual of
    F_θ(X) = F_θ0(X) + t(Y − F_θ0(X)), recomputed here from the returned θ and t, is ≤ homotopy_tol·‖Y‖."""
    fam = square_mlp(4, 2, "tanh")
    m, n = 6, 7
    x, y = sampler_for(fam, n)("arc-0", range(m))
    cfg = FitConfig(stages=ARC, homotopy_steps=budget)
    res = fit(fam, (x, y), key="arc", config=cfg)
    th0 = flatten(fam.initial("arc", range(m)), fam)
    t = torch.as_tensor(res.info["arclength:t"]).reshape(-1, 1, 1)
    y0 = outputs(fam, th0, x)
    rel = (outputs(fam, flatten(res.params, fam), x) - y0 - t * (y - y0)).flatten(1).norm(dim=1)
    rel = rel / y.flatten(1).norm(dim=1)
    assert (rel <= cfg.homotopy_tol * (1 + 1e-4)).all(), rel
    assert (res.info["arclength:max_residual"] <= cfg.homotopy_tol).all()
    assert (res.info["arclength:t_max"] >= res.info["arclength:t"]).all()


def test_chunking_and_packing_invariance():
    fam = square_mlp(4, 2, "tanh")
    sampler = sampler_for(fam, 6)
    cfg = FitConfig(stages=ARC, homotopy_steps=60)
    ref = fit(fam, sampler, key="arcpack", indices=range(4), chunk_size=4, config=cfg)
    for size, idx in ((1, range(4)), (2, [3, 1])):
        res = fit(fam, sampler, key="arcpack", indices=idx, chunk_size=size, config=cfg)
        sel = list(idx)
        np.testing.assert_array_equal(res.success, ref.success[sel])
        np.testing.assert_array_equal(res.info["arclength:status"], ref.info["arclength:status"][sel])
        np.testing.assert_allclose(res.info["arclength:t"], ref.info["arclength:t"][sel], rtol=1e-9, atol=1e-12)


def test_classification_is_refused():
    from depthlab.engine import perceptron, random_labels
    x, y = random_labels("c", range(2), n=4, d=3)
    with pytest.raises(ConfigError, match="regression"):
        fit(perceptron(3), (x, y), key=0, config=FitConfig(mode="classification", stages=ARC))
