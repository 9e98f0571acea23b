"""Target homotopy: track exact fits of a moving target from the network's own outputs to the data.

For each model, with start parameters ``θ0`` and outputs ``Y0 = F_θ0(X)``, the solver follows the solution set
of ``H(θ, t) = F_θ(X) − Y(t) = 0`` with the straight target path ``Y(t) = (1 − t)·Y0 + t·Y`` from ``t = 0``
(where ``θ0`` solves it) to ``t = 1`` (an exact fit of the data). A predictor–corrector method (Allgower &
Georg, *Introduction to Numerical Continuation Methods*, 1990, ch. 2; the Newton corrector for underdetermined
systems of §3.3; a simple halve/double step rule, where ch. 6 has refined ones), stacked over models with
per-model state:

* **Predictor** (Euler step along the minimum-norm tangent): ``J dθ = dY/dt = Y − Y0`` is solved in its dual
  form ``dθ = Jᵀ (JJᵀ + μI)⁻¹ (Y − Y0)`` (``R = N·d_out`` residuals, ``P`` parameters; the minimum-norm solution
  when ``P > R`` and ``JJᵀ`` is invertible), with ``θ ← θ + h·dθ``, ``t ← t + h``. ``JJᵀ`` and ``z ↦ Jᵀz`` come
  from the family's ``gauss_newton`` hook (MLPs: :func:`depthlab.engine.gram.mlp_gauss_newton`, ``J`` never
  formed), else from its explicit ``jacobian`` or autodiff (:func:`depthlab.engine.lm.stacked_jacobian`).
* **Corrector** (damped Gauss–Newton at fixed ``t``): ``θ ← θ − Jᵀ(JJᵀ + μI)⁻¹ H(θ, t)`` until
  ``‖H‖ ≤ homotopy_tol·‖Y‖`` (at ``t = 1``: ``min(homotopy_tol, tol·lm_polish_factor)·‖Y‖``), at most
  ``homotopy_corrector_steps`` iterations; an iteration that does not contract the residual by the factor
  ``homotopy_contraction`` (or a failed factorisation) fails the correction. ``μ = homotopy_damping ·
  trace(JJᵀ)/R`` (relative, so the rule is scale-free).
* **Step rule**: accepted after ≤ 2 corrector iterations (an easy correction) → ``h ← min(2h, h_max)``; other
  accepted steps keep ``h``; a failed correction is discarded and ``h ← h/2``.
* **Folds and singular points**: when a correction fails with ``h < homotopy_min_step``, or the smallest
  eigenvalue of ``JJᵀ`` at an accepted point is below ``homotopy_singular · trace(JJᵀ)/R``, the model stops at
  its **last accepted point** (``t < 1``); a following ``"lm"`` stage (``FitConfig(stages=("target-homotopy",
  "lm"))``) continues from there on the real target.

Per-model diagnostics (``StageResult.info``, and :attr:`depthlab.engine.fit.FitResult.info` as
``"target-homotopy:t"`` etc.): ``t`` (reached), ``max_residual`` (max relative residual ``‖H‖/‖Y‖`` over the
accepted points, ≤ the tolerance by construction), ``status`` (:data:`STATUS`).
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from depthlab.engine.families import Family
from depthlab.engine.lm import cholesky_solve_inplace, stacked_jacobian
from depthlab.engine.objective import outputs, residuals_of, unflatten
from depthlab.engine.solver import Problem, StageResult, register_solver
from depthlab.errors import ConfigError

#: ``status`` codes: running (never returned), reached t = 1, fold (correction failed at the minimum step),
#: singular (tiny smallest eigenvalue of JJᵀ), budget (``homotopy_steps`` exhausted).
STATUS = {"running": -1, "reached": 0, "fold": 1, "singular": 2, "budget": 3}
JtFn = Callable[[torch.Tensor], torch.Tensor]


def gn_system(family: Family, theta: torch.Tensor, x: torch.Tensor) -> tuple[torch.Tensor, JtFn]:
    """``(K, jt)``: ``K = JJᵀ`` ``(M, R, R)`` and ``jt(z) = Jᵀz`` ``(M, R) -> (M, P)`` of the real outputs.

    Uses the family's ``gauss_newton`` hook for real data, else its ``jacobian`` hook, else autodiff.
    """
    if family.gauss_newton is not None and not x.is_complex():
        kern, jt = family.gauss_newton(unflatten(theta, family), x)
        return kern.to(theta.dtype), jt
    if family.jacobian is not None and not x.is_complex():
        jac = family.jacobian(unflatten(theta, family), x).to(theta.dtype)
    else:
        y0 = outputs(family, theta, x).detach()
        n_res = residuals_of(y0, y0, "regression").shape[1]
        jac = stacked_jacobian(lambda th: residuals_of(outputs(family, th, x), y0, "regression"), theta, n_res)
    return torch.bmm(jac, jac.mT), lambda z: torch.bmm(z.unsqueeze(1), jac).squeeze(1)


def _dual_solve(kern: torch.Tensor, jt: JtFn, rhs: torch.Tensor, damping: float
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``Jᵀ (K + μI)⁻¹ rhs`` with ``μ = damping · trace(K)/R``; returns ``(step, ok, mean eigenvalue)``."""
    mean = (kern.diagonal(dim1=1, dim2=2).sum(1) / kern.shape[1]).clamp_min(torch.finfo(kern.dtype).tiny)
    b = kern.clone()
    b.diagonal(dim1=1, dim2=2).add_((damping * mean).unsqueeze(1))
    z, info = cholesky_solve_inplace(b, rhs.unsqueeze(2))
    step = jt(z.squeeze(2))
    ok = (info == 0) & torch.isfinite(step).all(dim=1)
    return torch.where(ok.unsqueeze(1), step, torch.zeros_like(step)), ok, mean


def correct(z: list[torch.Tensor], r: torch.Tensor, tol_abs: torch.Tensor, cfg, step: Callable[..., tuple],
            resid: Callable[[torch.Tensor, list[torch.Tensor]], torch.Tensor]
            ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """The corrector both target trackers share: Newton-type iterations with a contraction test, per row.

    Rows iterate until ``‖r‖ ≤ tol_abs`` (converged) or an iteration fails to shrink ``‖r‖`` by
    ``cfg.homotopy_contraction`` or its linear solve fails (failed), at most ``cfg.homotopy_corrector_steps`` times.

    Args:
        z: the unknowns, a list of row-stacked tensors (``[θ]`` or ``[θ, t]``), updated in place where a step is
            accepted.
        r: residuals ``(A, R)`` at ``z``, updated in place alongside.
        tol_abs: ``(A,)`` absolute tolerances on ``‖r‖``.
        step: ``step(work, [z_i[work]], r[work]) -> ([Δz_i], ok)``: the correction ``z ← z − Δz`` of rows ``work``.
        resid: ``resid(work, [z_i trial]) -> r`` of rows ``work``.

    Returns:
        ``(‖r‖, converged, failed, iterations)``, each ``(A,)``.
    """
    rn = r.norm(dim=1)
    conv = torch.isfinite(rn) & (rn <= tol_abs)
    fail = ~torch.isfinite(rn)
    iters = torch.zeros(r.shape[0], dtype=torch.long, device=r.device)
    for _ in range(cfg.homotopy_corrector_steps):
        work = torch.nonzero(~conv & ~fail).squeeze(1)
        if work.numel() == 0:
            break
        deltas, ok = step(work, [zi[work] for zi in z], r[work])
        iters[work] += 1
        trial = [zi[work] - d for zi, d in zip(z, deltas, strict=True)]
        r_try = resid(work, trial)
        rn_try = r_try.norm(dim=1)
        good = ok & torch.isfinite(rn_try) & (rn_try <= cfg.homotopy_contraction * rn[work])
        gw = work[good]
        for zi, ti in zip(z, trial, strict=True):
            zi[gw] = ti[good]
        r[gw], rn[gw] = r_try[good], rn_try[good]
        fail[work[~good]] = True
        conv[gw] = rn[gw] <= tol_abs[gw]
    return rn, conv, fail, iters


def adapt_steps(h: torch.Tensor, act: torch.Tensor, accept: torch.Tensor, iters: torch.Tensor,
                status: torch.Tensor, cfg, fold: int) -> None:
    """The trackers' step rule, in place: an easy accepted step (≤ 2 corrector iterations) doubles ``h`` up to
    ``homotopy_max_step``; a rejected one halves it, and a row whose step falls below ``homotopy_min_step`` gets
    status ``fold``. ``act`` are the rows of ``accept`` / ``iters`` in the full ``h`` / ``status``."""
    easy = accept & (iters <= 2)
    h[act[easy]] = torch.clamp(2 * h[act[easy]], max=cfg.homotopy_max_step)
    rej = act[~accept]
    h[rej] = h[rej] / 2
    status[rej[h[rej] < cfg.homotopy_min_step]] = fold


@torch.no_grad()
def track(family: Family, theta: torch.Tensor, x: torch.Tensor, y: torch.Tensor, cfg
          ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Track ``F_θ(X) = (1 − t)·F_θ0(X) + t·Y`` from ``t = 0`` to 1 for every model (module docstring).

    Args:
        family: network family (regression, real or complex outputs).
        theta: start parameters ``θ0`` ``(M, P)``.
        x: inputs ``(M, N, *in_shape)``; y: targets ``(M, N, *out_shape)``.
        cfg: :class:`~depthlab.engine.config.FitConfig` (``homotopy_*`` fields, ``tol``, ``lm_polish_factor``).

    Returns:
        ``(theta, info)``: parameters at each model's last accepted point ``(M, P)`` (float64) and per-model
        ``info`` tensors ``t``, ``max_residual`` (float64), ``status``, ``steps`` (accepted), ``solves``
        (linear solves), all ``(M,)``.
    """
    dt = torch.float64
    x = x.to(torch.complex128 if x.is_complex() else dt)
    y = y.to(torch.complex128 if y.is_complex() else dt)
    th = theta.to(dt).clone()
    m, dev = th.shape[0], th.device
    y0 = outputs(family, th, x)
    vel = residuals_of(y, y0, "regression")  # dY/dt = Y − Y0, flattened real (M, R)
    ynorm = residuals_of(y, torch.zeros_like(y), "regression").norm(dim=1).clamp_min(torch.finfo(dt).tiny)
    t = torch.zeros(m, dtype=dt, device=dev)
    h = torch.full((m,), float(cfg.homotopy_step), dtype=dt, device=dev)
    status = torch.full((m,), STATUS["running"], dtype=torch.long, device=dev)
    steps = torch.zeros(m, dtype=torch.long, device=dev)
    solves = torch.zeros(m, dtype=torch.long, device=dev)
    maxres = (residuals_of(y0, y0, "regression").norm(dim=1) / ynorm)  # 0 at t = 0
    final_tol = min(cfg.homotopy_tol, cfg.tol * cfg.lm_polish_factor)

    def target(tt: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
        shape = (-1,) + (1,) * (y.dim() - 1)
        return (1 - tt).reshape(shape) * y0[idx] + tt.reshape(shape) * y[idx]

    for _ in range(cfg.homotopy_steps):
        act = torch.nonzero(status == STATUS["running"]).squeeze(1)
        if act.numel() == 0:
            break
        xa = x[act]
        kern, jt = gn_system(family, th[act], xa)
        eig_min = torch.linalg.eigvalsh(kern)[:, 0]
        tangent, ok, mean = _dual_solve(kern, jt, vel[act], cfg.homotopy_damping)
        solves[act] += 1
        singular = (eig_min < cfg.homotopy_singular * mean) | ~ok
        status[act[singular]] = STATUS["singular"]
        keep = ~singular
        act, xa, tangent = act[keep], xa[keep], tangent[keep]
        if act.numel() == 0:
            continue
        h_eff = torch.minimum(h[act], 1 - t[act])
        t_new = torch.where(h[act] >= 1 - t[act], torch.ones_like(h_eff), t[act] + h_eff)
        tc = th[act] + h_eff.unsqueeze(1) * tangent
        ya = target(t_new, act)
        tol_abs = torch.where(t_new >= 1, final_tol, cfg.homotopy_tol) * ynorm[act]
        r = residuals_of(outputs(family, tc, xa), ya, "regression")

        def gn_step(work: torch.Tensor, z: list[torch.Tensor], rw: torch.Tensor, xa=xa, act=act):
            k2, jt2 = gn_system(family, z[0], xa[work])
            delta, ok2, _ = _dual_solve(k2, jt2, rw, cfg.homotopy_damping)
            solves[act[work]] += 1
            return [delta], ok2

        def resid(work: torch.Tensor, z: list[torch.Tensor], xa=xa, ya=ya) -> torch.Tensor:
            return residuals_of(outputs(family, z[0], xa[work]), ya[work], "regression")

        rn, conv, fail, iters = correct([tc], r, tol_abs, cfg, gn_step, resid)
        accept = conv & ~fail
        acc = act[accept]
        th[acc] = tc[accept]
        t[acc] = t_new[accept]
        steps[acc] += 1
        maxres[acc] = torch.maximum(maxres[acc], rn[accept] / ynorm[acc])
        adapt_steps(h, act, accept, iters, status, cfg, STATUS["fold"])
        status[acc[t[acc] >= 1]] = STATUS["reached"]
    status[status == STATUS["running"]] = STATUS["budget"]
    return th, {"t": t, "max_residual": maxres, "status": status, "steps": steps, "solves": solves}


def check_regression(problem: Problem, solver: str) -> None:
    """A :class:`ConfigError` unless the problem is a regression (the continuation solvers track targets)."""
    if problem.config.mode != "regression":
        raise ConfigError(f"the {solver!r} solver fits regression targets only (mode={problem.config.mode!r})")


def homotopy_solver(problem: Problem, theta: torch.Tensor) -> StageResult:
    """The ``"target-homotopy"`` stage through the solver interface (see :func:`track`)."""
    check_regression(problem, "target-homotopy")
    th, info = track(problem.family, theta, problem.x, problem.y, problem.config)
    return StageResult(th, {"homotopy": info.pop("steps"), "homotopy_solves": info.pop("solves")}, info)


register_solver("target-homotopy", homotopy_solver)
