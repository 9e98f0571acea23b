"""Batched Levenberg–Marquardt (damped Gauss–Newton) with Nielsen's damping update and per-model stopping.

For each model the step solves ``(JᵀJ + λI) δ = −Jᵀr`` (Madsen, Nielsen & Tingleff, *Methods for non-linear
least squares problems*, 2004, eq. 3.13). When the model has more parameters ``P`` than residuals ``R`` the
same step is computed in the dual form ``δ = −Jᵀ (JJᵀ + λI)⁻¹ r`` (an R×R system). Either system is solved by
a batched Cholesky factorisation computed in place in the system matrix's own buffer and two triangular solves
on that factor (:func:`cholesky_solve_inplace`; a failed factorisation counts as a rejected step); with the
family's ``gauss_newton`` hook the kernel buffers are allocated once per stage and reused. The gain ratio
``ρ = (F(θ) − F(θ+δ)) / (½ δᵀ(λδ − Jᵀr))`` drives Nielsen's update (ibid. eq. 3.16): accept if
``ρ > 0`` with ``λ ← λ·max(1/3, 1 − (2ρ − 1)³), ν ← 2``; else ``λ ← λν, ν ← 2ν``.

Per-model Jacobians ``J_m = ∂r_m/∂θ_m`` come from the family's explicit ``jacobian`` hook when it has one
(MLPs: :func:`depthlab.engine.families.mlp_jacobian`; complex families return the Jacobian of their real-split
outputs, e.g. the matrix-exponential nets' Daleckii–Krein Jacobian in :mod:`depthlab.matexp.family`), else
from one batched autodiff call over all models:
``jacfwd`` of ``u ↦ r(θ + u)`` with ``u`` shared by the models (``P`` forward passes) when ``P ≤ R``, else
``jacrev`` of ``θ ↦ Σ_m r_m(θ)`` (``R`` backward passes). Because model ``m``'s residual depends only on
``θ_m``, both give exactly the stacked per-model Jacobians ``(M, R, P)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch
from torch.func import jacfwd, jacrev

from depthlab.engine.config import FitConfig
from depthlab.engine.families import Family
from depthlab.engine.objective import flatten, residuals, solved, unflatten
from depthlab.engine.solver import Problem, StageResult, register_solver


def stacked_jacobian(fn: Callable[[torch.Tensor], torch.Tensor], theta: torch.Tensor,
                     n_res: int) -> torch.Tensor:
    """Per-model Jacobians ``(M, R, P)`` of a stacked residual map ``fn: (M, P) -> (M, R)``.

    Requires that row ``m`` of ``fn(theta)`` depends only on ``theta[m]``.
    """
    p = theta.shape[1]
    if p <= n_res:
        u0 = torch.zeros(p, dtype=theta.dtype, device=theta.device)
        return jacfwd(lambda u: fn(theta + u))(u0)
    jac = jacrev(lambda th: fn(th).sum(0))(theta)  # (R, M, P)
    return jac.permute(1, 0, 2)


def cholesky_solve_inplace(a: torch.Tensor, rhs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Solve ``a x = rhs`` for a batch of symmetric positive definite ``a`` by Cholesky, overwriting ``a``.

    The factor is computed in place in ``a``'s own memory (``a`` ``(M, R, R)``, contiguous, is read as the
    column-major matrix it equals by symmetry, so LAPACK's ``potrf`` needs no transposed copy and no fresh
    allocation), then two batched triangular solves (``trsm``) on that factor: no clone of the matrix or the
    factor, unlike ``torch.cholesky_solve``.

    Args:
        a: ``(M, R, R)`` symmetric matrices (only one triangle is read); destroyed (holds the factor after).
        rhs: ``(M, R, K)`` right-hand sides.

    Returns:
        ``(x, info)``: solutions ``(M, R, K)`` and LAPACK's ``info`` ``(M,)`` (0 where the factorisation
        succeeded; the solution is meaningless elsewhere).
    """
    col = a.mT  # column-major view of the same (symmetric) matrix
    info = torch.empty(a.shape[0], dtype=torch.int32, device=a.device)
    try:
        low, info = torch.linalg.cholesky_ex(col, out=(col, info))
    except RuntimeError:  # pragma: no cover - a torch that refuses the aliased output: one copy
        low, info = torch.linalg.cholesky_ex(col)
    z = torch.linalg.solve_triangular(low, rhs, upper=False)
    return torch.linalg.solve_triangular(low.mT, z, upper=True), info


def lm_step(jac: torch.Tensor, r: torch.Tensor, lam: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Damped Gauss–Newton steps for a stack of models.

    Args:
        jac: Jacobians ``(M, R, P)``.
        r: residuals ``(M, R)``.
        lam: damping ``(M,)``.

    Returns:
        ``(delta, ok)``: steps ``(M, P)`` and a mask of models whose Cholesky factorisation succeeded.
    """
    n_res, p = jac.shape[1], jac.shape[2]
    g = torch.bmm(r.unsqueeze(1), jac).squeeze(1)
    if p <= n_res:
        a = torch.bmm(jac.transpose(1, 2), jac)
        a.diagonal(dim1=1, dim2=2).add_(lam.unsqueeze(1))
        sol, info = cholesky_solve_inplace(a, g.unsqueeze(2))
        delta = -sol.squeeze(2)
    else:
        b = torch.bmm(jac, jac.transpose(1, 2))
        b.diagonal(dim1=1, dim2=2).add_(lam.unsqueeze(1))
        z, info = cholesky_solve_inplace(b, r.unsqueeze(2))
        delta = -torch.bmm(z.transpose(1, 2), jac).squeeze(1)
    ok = (info == 0) & torch.isfinite(delta).all(dim=1)
    return torch.where(ok.unsqueeze(1), delta, torch.zeros_like(delta)), ok


def lm_step_dual(kern: torch.Tensor, jt: Callable[[torch.Tensor], torch.Tensor], r: torch.Tensor,
                 lam: torch.Tensor, *, overwrite: bool = False) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Dual-form damped Gauss–Newton steps ``δ = −Jᵀ (JJᵀ + λI)⁻¹ r`` from ``K = JJᵀ`` and ``z ↦ Jᵀz``.

    Args:
        kern: ``JJᵀ`` ``(M, R, R)``.
        jt: maps ``z`` ``(M, R)`` to ``Jᵀz`` ``(M, P)``.
        r: residuals ``(M, R)``.
        lam: damping ``(M,)``.
        overwrite: factorise ``kern`` in place (its contents are destroyed); else a copy is factorised.

    Returns:
        ``(delta, ok, g)``: steps ``(M, P)``, the mask of successful factorisations, and the gradient
        ``g = Jᵀr`` ``(M, P)``.
    """
    b = kern if overwrite and kern.is_contiguous() else kern.contiguous().clone()
    b.diagonal(dim1=1, dim2=2).add_(lam.unsqueeze(1))
    z, info = cholesky_solve_inplace(b, r.unsqueeze(2))
    delta = -jt(z.squeeze(2))
    ok = (info == 0) & torch.isfinite(delta).all(dim=1)
    return torch.where(ok.unsqueeze(1), delta, torch.zeros_like(delta)), ok, jt(r)


def nielsen_update(f: torch.Tensor, f_new: torch.Tensor, delta: torch.Tensor, g: torch.Tensor, ok: torch.Tensor,
                   lam: torch.Tensor, nu: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Accept or reject LM steps and update the damping (Nielsen; module docstring), per model.

    Args:
        f, f_new: losses ``½‖r‖²`` before and after the step ``(M,)``.
        delta: the steps ``(M, P)``; g: the gradients ``Jᵀr`` ``(M, P)`` they were computed from.
        ok: mask of successful factorisations; lam, nu: damping state ``(M,)``.

    Returns:
        ``(accept, lam, nu)``: the accepted mask and the updated damping state.
    """
    pred = 0.5 * (delta * (lam.unsqueeze(1) * delta - g)).sum(1)
    rho = (f - f_new) / pred.clamp_min(torch.finfo(f.dtype).tiny)
    accept = ok & torch.isfinite(f_new) & (f_new < f) & (rho > 0)
    factor = torch.clamp(1 - (2 * rho - 1) ** 3, min=1.0 / 3.0)
    lam = torch.where(accept, lam * factor, lam * nu)
    nu = torch.where(accept, torch.full_like(nu, 2.0), nu * 2)
    return accept, lam, nu


def track_progress(f: torch.Tensor, best: torch.Tensor, since: torch.Tensor, min_decrease: float
                   ) -> tuple[torch.Tensor, torch.Tensor]:
    """``(best, since)``: best loss so far and iterations since it last fell by the relative ``min_decrease``."""
    improved = f < best * (1 - min_decrease)
    return torch.where(improved, f, best), torch.where(improved, torch.zeros_like(since), since + 1)


def lm_should_stop(done: torch.Tensor, since: torch.Tensor, lam: torch.Tensor, lam0: torch.Tensor, it: int,
                   cfg: FitConfig) -> torch.Tensor:
    """Per-model stopping rule of LM: solved, stalled (``cfg.lm_patience``), damping beyond 1e16 × its
    initial value, or the last of ``cfg.lm_steps`` iterations."""
    return done | (since >= cfg.lm_patience) | (lam > 1e16 * lam0) | (it == cfg.lm_steps)


def lm_stage(family: Family, theta: torch.Tensor, x: torch.Tensor, y: torch.Tensor,
             cfg: FitConfig) -> tuple[torch.Tensor, torch.Tensor]:
    """Levenberg–Marquardt on every model until solved, stalled, or ``cfg.lm_steps`` iterations.

    A regression model stops when its relative residual is ≤ ``cfg.tol · cfg.lm_polish_factor``, a
    classification model when all margins are positive; a model that has not reduced its loss by
    ``cfg.lm_min_decrease`` (relative to its best) for ``cfg.lm_patience`` iterations, or whose damping
    exceeds 1e16 × its initial value, stops as stalled. Families with a ``repair`` hook (ReLU MLPs: dead-unit
    revival) get it at the start and every ``cfg.repair_every`` iterations; it preserves the outputs, so the
    residuals and the damping state stay valid.

    Args:
        family: network family.
        theta: flat initial parameters ``(M, P)``.
        x: inputs ``(M, N, *in_shape)``; y: targets ``(M, N, *out_shape)``.
        cfg: fit configuration (dtype ``cfg.lm_dtype``).

    Returns:
        ``(theta, iterations)``: final parameters ``(M, P)`` (LM dtype) and iterations used per model.
    """
    dt = cfg.lm_torch_dtype
    cdt = torch.complex64 if dt == torch.float32 else torch.complex128
    x = x.to(cdt if x.is_complex() else dt)
    y = y.to(cdt if y.is_complex() else dt)
    out = theta.to(dt).clone()
    n_models = theta.shape[0]
    iters = torch.zeros(n_models, dtype=torch.long, device=theta.device)
    threshold = cfg.tol * cfg.lm_polish_factor
    active = torch.arange(n_models, device=theta.device)

    def res(th: torch.Tensor, xa: torch.Tensor, ya: torch.Tensor) -> torch.Tensor:
        return residuals(family, th, xa, ya, cfg.mode, cfg.margin)

    # Models that are already solved skip the stage.
    done0 = solved(family, out, x, y, cfg.mode, threshold)
    keep = ~done0
    active, th, xa, ya = active[keep], out[keep], x[keep], y[keep]
    if active.numel() == 0:
        return out, iters
    if family.repair is not None:
        th = flatten(family.repair(unflatten(th, family), xa), family)
    if family.readout is not None and cfg.mode == "regression" and cfg.readout:
        new = flatten(family.readout(unflatten(th, family), xa, ya), family)
        better = res(new, xa, ya).square().sum(1) < res(th, xa, ya).square().sum(1)
        th = torch.where(better.unsqueeze(1), new, th)
    r = res(th, xa, ya)
    n_res = r.shape[1]
    f = 0.5 * r.square().sum(1)
    best = f.clone()
    since = torch.zeros_like(active)
    nu = torch.full_like(f, 2.0)
    lam = None
    lam0 = None
    dual_kernel = (cfg.lm_gauss_newton and family.gauss_newton is not None and cfg.mode == "regression"
                   and not xa.is_complex() and th.shape[1] > n_res)
    if dual_kernel:  # K and a scratch matrix per model, reused by every iteration (models leave from the end)
        kbuf = torch.empty(th.shape[0], n_res, n_res, dtype=dt, device=th.device)
        wbuf = torch.empty_like(kbuf)
    for it in range(1, cfg.lm_steps + 1):
        if family.repair is not None and it % cfg.repair_every == 0:
            th = flatten(family.repair(unflatten(th, family), xa), family)
        if dual_kernel:
            m_act = th.shape[0]
            kern, jt = family.gauss_newton(unflatten(th, family), xa, out=kbuf[:m_act], work=wbuf[:m_act])
            kern = kern.to(dt)
            if lam is None:  # mean diag(JᵀJ) = trace(JJᵀ) / P
                lam = cfg.lm_tau * (kern.diagonal(dim1=1, dim2=2).sum(1) / th.shape[1]).clamp_min(
                    torch.finfo(dt).tiny)
                lam0 = lam.clone()
            delta, ok, g = lm_step_dual(kern, jt, r, lam, overwrite=True)
        elif family.jacobian is not None:
            jac = family.jacobian(unflatten(th, family), xa).to(dt)
            if cfg.mode == "classification":
                active_rows = (r > 0).to(dt) * ya.reshape(ya.shape[0], -1)
                jac = -active_rows.unsqueeze(2) * jac
        else:
            jac = stacked_jacobian(lambda t, xa=xa, ya=ya: res(t, xa, ya), th, n_res)
        if not dual_kernel:
            if lam is None:
                diag = jac.square().sum(1)  # diag(JᵀJ), (M, P)
                lam = cfg.lm_tau * diag.mean(1).clamp_min(torch.finfo(dt).tiny)
                lam0 = lam.clone()
            delta, ok = lm_step(jac, r, lam)
            g = torch.bmm(r.unsqueeze(1), jac).squeeze(1)
        th_new = th + delta
        with torch.no_grad():
            r_new = res(th_new, xa, ya)
        f_new = 0.5 * r_new.square().sum(1)
        accept, lam, nu = nielsen_update(f, f_new, delta, g, ok, lam, nu)
        th = torch.where(accept.unsqueeze(1), th_new, th)
        r = torch.where(accept.unsqueeze(1), r_new, r)
        f = torch.where(accept, f_new, f)
        best, since = track_progress(f, best, since, cfg.lm_min_decrease)
        iters[active] = it
        done = solved(family, th, xa, ya, cfg.mode, threshold)
        stop = lm_should_stop(done, since, lam, lam0, it, cfg)
        if bool(stop.any()):
            out[active[stop]] = th[stop].detach()
            keep = ~stop
            active, th, xa, ya, r, f = active[keep], th[keep], xa[keep], ya[keep], r[keep], f[keep]
            best, since, nu, lam, lam0 = best[keep], since[keep], nu[keep], lam[keep], lam0[keep]
            if active.numel() == 0:
                break
    return out, iters


def lm_solver(problem: Problem, theta: torch.Tensor) -> StageResult:
    """The ``"lm"`` stage through the solver interface."""
    th, steps = lm_stage(problem.family, theta, problem.x, problem.y, problem.config)
    return StageResult(th, {"lm": steps})


def lm_along(path: Iterable[Family], problem: Problem, theta: torch.Tensor,
             on_level: Callable[[Family, torch.Tensor], None] | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Natural-parameter continuation: LM on each family of ``path`` in turn (same parameters), each level
    started where the previous one ended (Allgower & Georg 1990, §1–2). ``on_level(family, theta)`` runs after
    each level. Returns ``(theta, steps)``, ``steps`` the LM iterations per model over all levels ``(M,)``."""
    steps = torch.zeros(theta.shape[0], dtype=torch.long, device=theta.device)
    for fam in path:
        theta, k = lm_stage(fam, theta, problem.x, problem.y, problem.config)
        steps += k
        if on_level is not None:
            on_level(fam, theta)
    return theta, steps


def continuation_solver(problem: Problem, theta: torch.Tensor) -> StageResult:
    """The ``"continuation"`` stage: :func:`lm_along` the family's smoother ``homotopy(s)`` for each ``s`` of
    ``config.continuation_slopes`` (a family without a homotopy is returned unchanged)."""
    hom = problem.family.homotopy
    if hom is None:
        return StageResult(theta, {"lm": torch.zeros(theta.shape[0], dtype=torch.long, device=theta.device)})
    theta, steps = lm_along((hom(s) for s in problem.config.continuation_slopes), problem, theta)
    return StageResult(theta, {"lm": steps})


register_solver("lm", lm_solver)
register_solver("continuation", continuation_solver)
