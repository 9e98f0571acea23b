"""LM linear algebra on the factor it has: in-place Cholesky and triangular solves give the old iterates."""

from __future__ import annotations

import pytest
import torch

from depthlab.engine import FitConfig, sampler_for, square_mlp
from depthlab.engine.lm import cholesky_solve_inplace, lm_stage, lm_step
from depthlab.engine.objective import flatten, residuals
from depthlab.seeding import stacked_normal


def test_cholesky_solve_inplace_matches_cholesky_solve() -> None:
    a = stacked_normal("chol", [(i,) for i in range(4)], (9, 12))
    spd = a @ a.mT + 0.1 * torch.eye(9, dtype=torch.float64)
    rhs = stacked_normal("chol-b", [(i,) for i in range(4)], (9, 2))
    want = torch.cholesky_solve(rhs, torch.linalg.cholesky(spd))
    work = spd.clone()
    got, info = cholesky_solve_inplace(work, rhs)
    assert (info == 0).all()
    torch.testing.assert_close(got, want, rtol=1e-12, atol=1e-12)
    # an indefinite matrix is reported, not raised
    bad = spd.clone()
    bad[1] = -bad[1]
    _, info = cholesky_solve_inplace(bad, rhs)
    assert info.tolist()[1] > 0 and info.tolist()[0] == 0


def test_primal_lm_step_solves_the_damped_normal_equations() -> None:
    jac = stacked_normal("lm-primal", [(i,) for i in range(3)], (10, 4))
    r = stacked_normal("lm-primal-r", [(i,) for i in range(3)], (10,))
    lam = torch.tensor([0.1, 1.0, 10.0], dtype=torch.float64)
    delta, ok = lm_step(jac, r, lam)
    a = jac.mT @ jac + lam[:, None, None] * torch.eye(4, dtype=torch.float64)
    want = -torch.linalg.solve(a, (jac.mT @ r.unsqueeze(2))).squeeze(2)
    assert ok.all()
    torch.testing.assert_close(delta, want, rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize("width,depth,points", [(6, 3, 5), (5, 2, 4)])
def test_dual_lm_residual_trajectory_matches_the_old_path(width: int, depth: int, points: int,
                                                          benchmark_script) -> None:
    """Same residuals after each of the first iterations as the pre-issue-15 kernel and step (float64)."""
    ref = benchmark_script("lm_reference")
    fam = square_mlp(width, depth, "tanh")
    assert fam.n_params > points * width  # dual-form steps
    x, y = sampler_for(fam, points)("lm-traj", range(4))
    theta = flatten(fam.initial("lm-traj", range(4)), fam)
    for iters in range(1, 6):
        cfg = FitConfig(stages=("lm",), lm_steps=iters, lm_patience=10**9, readout=False)
        new, _ = lm_stage(fam, theta, x, y, cfg)
        with ref.todays_lm() as old_family:
            old, _ = lm_stage(old_family(fam), theta, x, y, cfg)
        r_new = residuals(fam, new, x, y, "regression").norm(dim=1)
        r_old = residuals(fam, old, x, y, "regression").norm(dim=1)
        torch.testing.assert_close(r_new, r_old, rtol=1e-12, atol=0.0)
