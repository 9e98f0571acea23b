"""Point-incremental exact fitting: fit the first ``n0`` points, then add the others one at a time.

For each model (stacked, per-model state), with ``n0 = FitConfig.points_start`` (0: the input dimension):

1. fit points ``1…n0`` by a target homotopy (:func:`depthlab.engine.homotopy.track`) from the start parameters;
2. for ``n = n0 + 1, …, N``: track ``F_θ(X_{1:n}) = (1 − t)·F_θ(X_{1:n}) |_{θ = θ_{n−1}} + t·Y_{1:n}`` from the
   previous solution ``θ_{n−1}``. Its start ``Y0`` already equals the targets of the first ``n − 1`` points to the
   corrector tolerance, so the path moves, in effect, only the new point's output from its current value to
   its target.

Where a tracking stops before ``t = 1`` (a fold, a singular ``JJᵀ``, the budget), Levenberg–Marquardt
(:func:`depthlab.engine.lm.lm_stage`, the configuration's LM budget) continues on the same ``n`` points from
the last accepted point; a model that LM does not fit either stops adding points and returns that LM result (a
following ``"lm"`` stage then works on all ``N`` points). Diagnostics (``StageResult.info``): ``fitted_points``
(the largest ``n`` fitted to the tolerance, 0 if none) per model.
"""

from __future__ import annotations

import math

import torch

from depthlab.engine.homotopy import STATUS, check_regression, track
from depthlab.engine.lm import lm_stage
from depthlab.engine.objective import solved
from depthlab.engine.solver import Problem, StageResult, register_solver


@torch.no_grad()
def points_solver(problem: Problem, theta: torch.Tensor) -> StageResult:
    """The ``"points"`` stage through the solver interface (module docstring).

    Args:
        problem: family, data ``x`` ``(M, N, *in_shape)``, ``y`` ``(M, N, *out_shape)`` and configuration.
        theta: start parameters ``(M, P)``.

    Returns:
        Parameters ``(M, P)`` (float64); counters ``homotopy`` (accepted steps), ``homotopy_solves`` and ``lm``
        (fallback LM iterations); info ``fitted_points`` ``(M,)``.
    """
    check_regression(problem, "points")
    fam, x, y, cfg = problem.family, problem.x, problem.y, problem.config
    x = x.to(torch.complex128 if x.is_complex() else torch.float64)
    y = y.to(torch.complex128 if y.is_complex() else torch.float64)
    n_total = x.shape[1]
    n0 = min(cfg.points_start or math.prod(fam.in_shape), n_total)
    th = theta.to(torch.float64).clone()
    m, dev = th.shape[0], th.device
    fitted = torch.zeros(m, dtype=torch.long, device=dev)
    counters = {k: torch.zeros(m, dtype=torch.long, device=dev) for k in ("homotopy", "homotopy_solves", "lm")}
    alive = torch.arange(m, device=dev)
    threshold = min(cfg.homotopy_tol, cfg.tol * cfg.lm_polish_factor)
    for n in range(n0, n_total + 1):
        if alive.numel() == 0:
            break
        xs, ys = x[alive, :n], y[alive, :n]
        sub, info = track(fam, th[alive], xs, ys, cfg)
        counters["homotopy"][alive] += info["steps"]
        counters["homotopy_solves"][alive] += info["solves"]
        ok = info["status"] == STATUS["reached"]
        bad = torch.nonzero(~ok).squeeze(1)
        if bad.numel():
            th_lm, iters = lm_stage(fam, sub[bad], xs[bad], ys[bad], cfg)
            th_lm = th_lm.to(torch.float64)
            counters["lm"][alive[bad]] += iters
            sub[bad] = th_lm
            ok[bad] = solved(fam, th_lm, xs[bad], ys[bad], "regression", threshold)
        th[alive] = sub
        fitted[alive[ok]] = n
        alive = alive[ok]
    return StageResult(th, counters, {"fitted_points": fitted})


register_solver("points", points_solver)
