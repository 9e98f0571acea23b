"""The target-homotopy and point-incremental solvers: known answers, the tracking invariant, packing.

Tolerances: the corrector accepts a point when ‖F_θ(X) − Y(t)‖ ≤ homotopy_tol·‖Y‖ (1e-10 by default); a test
that recomputes this residual independently allows 1e-4 of the tolerance on top, i.e. 1e-14·‖Y‖ (the same
float64 quantity computed by other operations differs by rounding, ~1e-16·‖Y‖ per entry, ~1e-15·‖Y‖ in norm).
Linear known answers are compared to 1e-10
(float64 least squares on well-conditioned 5×5 Gaussian systems: condition numbers ~10–100, rounding ~1e-14).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from depthlab.engine import FitConfig, fit, sampler_for, square_mlp
from depthlab.engine.homotopy import STATUS, gn_system
from depthlab.engine.objective import flatten
from depthlab.errors import ConfigError

HT = ("target-homotopy",)


def _stacked(fam, key, m, n, seed=0):
    return sampler_for(fam, n)(f"{key}-{seed}", range(m))


def test_linear_net_path_ends_at_min_norm_correction():
    """y = xW (one linear layer), N = 3 < d = 5: the solution set is affine and the tracker's predictor is exact,
    so it must end at W0 + X⁺(Y − XW0), the least-change solution from W0."""
    fam = square_mlp(5, 1, "linear")
    x, y = _stacked(fam, "lin", 4, 3)
    res = fit(fam, (x, y), key="lin", config=FitConfig(stages=HT))
    assert (res.info["target-homotopy:status"] == STATUS["reached"]).all()
    assert (res.info["target-homotopy:t"] == 1.0).all()
    w0 = fam.initial("lin", range(4))["W1"]
    expect = w0 + torch.linalg.pinv(x) @ (y - x @ w0)
    np.testing.assert_allclose(res.params["W1"].numpy(), expect.numpy(), atol=1e-10)
    assert res.success.all()


def test_linear_net_beyond_d_points_is_singular_at_start():
    """N = d + 2 points: J Jᵀ = (XXᵀ) ⊗ I has rank d·d < N·d, so the tracker must stop at t = 0 as singular and
    hand back θ0 unchanged."""
    fam = square_mlp(4, 1, "linear")
    x, y = _stacked(fam, "lin2", 3, 6)
    res = fit(fam, (x, y), key="lin2", config=FitConfig(stages=HT))
    assert (res.info["target-homotopy:status"] == STATUS["singular"]).all()
    assert (res.info["target-homotopy:t"] == 0.0).all()
    w0 = fam.initial("lin2", range(3))["W1"]
    assert torch.equal(res.params["W1"], w0)
    assert not res.success.any()


@pytest.mark.parametrize("n", [3, 6])
def test_one_hidden_layer_with_at_most_d_points_reaches_t1(n):
    """tanh, d = 6, N ≤ d: the readout block G ⊗ I of JJᵀ (G = Gram of the N hidden features, rank N for generic
    data) keeps JJᵀ positive definite along the whole path, so every model reaches t = 1 and certifies."""
    fam = square_mlp(6, 2, "tanh")
    res = fit(fam, sampler_for(fam, n), key=f"hid{n}", indices=range(6), config=FitConfig(stages=HT))
    assert (res.info["target-homotopy:status"] == STATUS["reached"]).all()
    assert res.success.all() and (res.rel_residual <= 1e-10).all()


def test_target_near_the_start_network_is_reached():
    """Targets that are the outputs of a network θ* = θ0 + 0.05·ξ (ξ standard normal): the straight target path is
    within O(0.05²) of the network path F_{θ0 + t(θ* − θ0)}, inside the image, so a model reaches t = 1 where
    JJᵀ is well conditioned at θ0 (λ_min ≥ 1e-6·mean eigenvalue; the argument needs F's image to be a smooth
    manifold of full dimension near the segment, and a nearly singular JJᵀ means curvature ~1/σ_min)."""
    fam = square_mlp(4, 2, "tanh")
    m, n = 6, 7  # 7 points, 28 residuals < 32 parameters
    x, _ = _stacked(fam, "teach", m, n)
    th0 = flatten(fam.initial("teach", range(m)), fam)
    gen = torch.Generator().manual_seed(5)
    th_star = th0 + 0.05 * torch.randn(th0.shape, generator=gen, dtype=torch.float64)
    from depthlab.engine.objective import outputs
    y = outputs(fam, th_star, x)
    res = fit(fam, (x, y), key="teach", config=FitConfig(stages=HT))
    eig = torch.linalg.eigvalsh(gn_system(fam, th0, x)[0])
    good = (eig[:, 0] >= 1e-6 * eig.mean(1)).numpy()
    assert good.sum() >= 3
    assert (res.info["target-homotopy:status"][good] == STATUS["reached"]).all()
    assert res.success[good].all()


def test_teacher_targets_hand_over_at_last_accepted_point():
    """Targets from an independent network (an exact solution exists): each model either reaches t = 1, or stops
    (fold / singular / budget) at t < 1; the chained LM stage starts from the returned point."""
    fam = square_mlp(4, 2, "tanh")
    m, n = 8, 7
    x, _ = _stacked(fam, "teach2", m, n)
    teacher = flatten(fam.initial("teacher", range(m)), fam)
    from depthlab.engine.objective import outputs
    y = outputs(fam, teacher, x)
    res = fit(fam, (x, y), key="teach2", config=FitConfig(stages=HT))
    t, st = res.info["target-homotopy:t"], res.info["target-homotopy:status"]
    assert ((st == STATUS["reached"]) == (t == 1.0)).all()
    assert np.isin(st, list(STATUS.values())[1:]).all()
    assert (res.success == (st == STATUS["reached"])).all()
    chained = fit(fam, (x, y), key="teach2", config=FitConfig(stages=(*HT, "lm")))
    np.testing.assert_array_equal(chained.info["target-homotopy:t"], t)
    assert (chained.rel_residual <= res.rel_residual * (1 + 1e-12)).all()  # LM never increases the residual


@pytest.mark.parametrize("budget", [1, 3, 8, 20])
def test_tracker_stays_on_the_solution_set(budget):
    """At every accepted t (stopping after `budget` predictor–corrector iterations samples the accepted points),
    ‖F_θ(X) − ((1 − t)F_θ0(X) + tY)‖ ≤ homotopy_tol·‖Y‖, recomputed here from the returned θ and t."""
    from depthlab.engine.objective import outputs
    fam = square_mlp(4, 2, "tanh")
    m, n = 8, 7  # near capacity (bound 8): some models fold
    x, y = _stacked(fam, "track", m, n)
    cfg = FitConfig(stages=HT, homotopy_steps=budget)
    res = fit(fam, (x, y), key="track", config=cfg)
    th0 = flatten(fam.initial("track", range(m)), fam)
    th = flatten(res.params, fam)
    t = torch.as_tensor(res.info["target-homotopy:t"]).reshape(-1, 1, 1)
    target = (1 - t) * outputs(fam, th0, x) + t * y
    rel = (outputs(fam, th, x) - target).flatten(1).norm(dim=1) / y.flatten(1).norm(dim=1)
    assert (rel <= cfg.homotopy_tol * (1 + 1e-4)).all(), rel
    assert (res.info["target-homotopy:max_residual"] <= cfg.homotopy_tol).all()
    if budget == 20:
        assert (t > 0).any()


@pytest.mark.parametrize("stage", ["target-homotopy", "points"])
def test_chunking_and_packing_invariance(stage):
    """Model m's result depends only on its own data and start: chunk sizes 1, 3 and all, and an index subset,
    give the same success flags, t reached / points fitted, and residuals (certified ones below 1e-8; others to
    1e-6 relative: BLAS may block a batch differently, see tests/engine/test_packing.py)."""
    fam = square_mlp(4, 2, "tanh")
    sampler = sampler_for(fam, 8)
    cfg = FitConfig(stages=(stage,))
    key = f"pack-{stage}"
    ref = fit(fam, sampler, key=key, indices=range(6), chunk_size=6, config=cfg)
    info_key = "target-homotopy:t" if stage == "target-homotopy" else "points:fitted_points"
    for size, idx in ((1, range(6)), (3, range(6)), (2, [4, 1])):
        res = fit(fam, sampler, key=key, indices=idx, chunk_size=size, config=cfg)
        sel = list(idx)
        np.testing.assert_array_equal(res.success, ref.success[sel])
        np.testing.assert_allclose(res.info[info_key], ref.info[info_key][sel], rtol=1e-9)
        ok = ref.success[sel]
        assert (res.rel_residual[ok] <= 1e-8).all()
        np.testing.assert_allclose(res.rel_residual[~ok], ref.rel_residual[sel][~ok], rtol=1e-6)


def test_points_fits_all_points_below_d():
    """N ≤ d: the first n0 = d points already include all of them: one homotopy, every model certified."""
    fam = square_mlp(5, 2, "tanh")
    res = fit(fam, sampler_for(fam, 5), key="pts", indices=range(4), config=FitConfig(stages=("points",)))
    assert (res.info["points:fitted_points"] == 5).all() and res.success.all()


def test_points_fitted_count_matches_certificate():
    """Near capacity: a model that fitted all N points (to the corrector tolerance ≤ 1e-10) certifies at 1e-8,
    and every model fitted at least the first n0 = d points (N ≤ d is always reachable, test above)."""
    fam = square_mlp(4, 2, "tanh")
    n = 8
    res = fit(fam, sampler_for(fam, n), key="pts2", indices=range(8), config=FitConfig(stages=("points",)))
    fitted = res.info["points:fitted_points"]
    assert (fitted >= 4).all()
    np.testing.assert_array_equal(res.success, fitted == n)


def test_classification_is_refused():
    from depthlab.engine import perceptron, random_labels
    x, y = random_labels("c", range(2), n=4, d=3)
    with pytest.raises(ConfigError, match="regression"):
        fit(perceptron(3), (x, y), key=0, config=FitConfig(mode="classification", stages=HT))


@pytest.mark.parametrize("bad", [{"homotopy_min_step": 0.0}, {"homotopy_step": 0.5},
                                 {"homotopy_contraction": 1.5}, {"points_start": -1}, {"homotopy_steps": 0}])
def test_bad_homotopy_config(bad):
    with pytest.raises(ConfigError):
        FitConfig(**bad)
