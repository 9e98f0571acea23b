"""Pseudo-arclength (Moore–Penrose) target homotopy: a target path that may pass folds in t.

The ``"target-homotopy"`` stage (:mod:`depthlab.engine.homotopy`) advances ``t`` monotonically and stops where the
solution set of ``H(θ, t) = F_θ(X) − Y0 − t·(Y − Y0) = 0`` turns back in ``t`` (a fold). This stage treats
``t`` as one more unknown and follows the solution set in the extended space ``z = (θ, t) ∈ R^{P+1}`` by
arclength, so ``t`` may decrease past a fold and increase again later (Allgower & Georg, *Introduction to
Numerical Continuation Methods*, 1990, ch. 2 and §5.2 "Moore–Penrose continuation"; Keller's pseudo-arclength
method, 1977). With ``A = ∂H/∂z = [J, −v]`` (``R × (P + 1)``, ``v = Y − Y0``), stacked over models:

* **Tangent**: the projection of the previous unit tangent onto ``ker A``,
  ``τ = τ_prev − Aᵀ(AAᵀ)⁻¹A τ_prev``, normalised (``τ_prev = e_t`` at the start, so the first tangent is the
  minimum-norm predictor of the monotone tracker). ``AAᵀ = JJᵀ + vvᵀ`` and ``Aᵀz = (Jᵀz, −v·z)`` come from the
  family's Gauss–Newton hook (:func:`depthlab.engine.homotopy.gn_system`), so ``J`` is never formed for MLPs.
  When ``P + 1 − R = 1`` this is Keller's pseudo-arclength tangent; when the kernel is larger, projecting the
  previous tangent keeps the direction continuous (the path of least turning), which is what lets it pass a
  point where ``t`` cannot increase.
* **Predictor**: ``z ← z + h·τ`` (``h`` an arclength step in ``(θ, t)``).
* **Corrector**: Gauss–Newton with the Moore–Penrose inverse, ``z ← z − Aᵀ(AAᵀ + μI)⁻¹ H(z)`` (``t`` moves
  too), until ``‖H‖ ≤ homotopy_tol·‖Y‖``, at most ``homotopy_corrector_steps`` iterations, each contracting
  the residual by ``homotopy_contraction``; a failed correction halves ``h``, an easy one (≤ 2 iterations)
  doubles it up to ``homotopy_max_step``.
* **Landing**: when the predictor would cross ``t = 1``, the step is shortened so the predicted ``t`` is
  exactly 1 and the correction is made at fixed ``t = 1`` (the monotone tracker's corrector), with the final
  tolerance ``min(homotopy_tol, tol·lm_polish_factor)``.
* **Stops**: ``reached`` (t = 1); ``fold`` here means the correction failed below ``homotopy_min_step`` (the path
  could not be followed); ``singular`` (``λ_min(AAᵀ) < homotopy_singular·trace(AAᵀ)/R``: the extended
  Jacobian lost rank, a bifurcation or a degenerate point); ``returned`` (the path came back below ``t = 0``);
  ``budget``. A following ``"lm"`` stage continues from the last accepted point (with ``t < 1`` its target is
  the data, not the path).

Diagnostics (``StageResult.info``; :attr:`depthlab.engine.fit.FitResult.info` as ``"arclength:t"`` etc.):
``t`` (at the last accepted point), ``t_max`` (largest ``t`` visited), ``turns`` (sign changes of the tangent's
``t`` component between accepted steps: folds passed), ``max_residual`` (≤ the tolerance by construction),
``status`` (:data:`STATUS`).
"""

from __future__ import annotations

import torch

from depthlab.engine.families import Family
from depthlab.engine.homotopy import adapt_steps, check_regression, correct, gn_system
from depthlab.engine.lm import cholesky_solve_inplace
from depthlab.engine.objective import outputs, residuals_of
from depthlab.engine.solver import Problem, StageResult, register_solver
from depthlab.errors import ConfigError

#: ``status`` codes (``running`` is never returned).
STATUS = {"running": -1, "reached": 0, "fold": 1, "singular": 2, "budget": 3, "returned": 4}


def _ext_solve(kern: torch.Tensor, jt, v: torch.Tensor, rhs: torch.Tensor, damping: float
               ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """``Aᵀ(AAᵀ + μI)⁻¹ rhs`` for ``A = [J, −v]``: returns ``(dθ (M, P), dt (M,), ok (M,), λ_min/mean (M,))``.

    ``kern = JJᵀ`` ``(M, R, R)``, ``jt(z) = Jᵀz``, ``v`` ``(M, R)``, ``rhs`` ``(M, R)``; ``μ = damping · trace/R``.
    """
    a = kern + v.unsqueeze(2) * v.unsqueeze(1)
    mean = (a.diagonal(dim1=1, dim2=2).sum(1) / a.shape[1]).clamp_min(torch.finfo(a.dtype).tiny)
    rel_min = torch.linalg.eigvalsh(a)[:, 0] / mean
    b = a.contiguous()
    b.diagonal(dim1=1, dim2=2).add_((damping * mean).unsqueeze(1))
    z, info = cholesky_solve_inplace(b, rhs.unsqueeze(2))
    z = z.squeeze(2)
    dth, dt = jt(z), -(v * z).sum(1)
    ok = (info == 0) & torch.isfinite(dth).all(dim=1) & torch.isfinite(dt)
    zero = torch.zeros_like
    return (torch.where(ok.unsqueeze(1), dth, zero(dth)), torch.where(ok, dt, zero(dt)), ok, rel_min)


@torch.no_grad()
def track_arclength(family: Family, theta: torch.Tensor, x: torch.Tensor, y: torch.Tensor, cfg
                    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Follow ``F_θ(X) = Y0 + t·(Y − Y0)`` by arclength in ``(θ, t)`` from ``(θ0, 0)`` (module docstring).

    Args:
        family: network family (regression, real outputs).
        theta: start parameters ``θ0`` ``(M, P)``.
        x: inputs ``(M, N, *in_shape)``; y: targets ``(M, N, *out_shape)``.
        cfg: :class:`~depthlab.engine.config.FitConfig` (``homotopy_*`` fields, ``tol``, ``lm_polish_factor``).

    Returns:
        ``(theta, info)``: parameters at each model's last accepted point ``(M, P)`` (float64) and per-model info
        ``t``, ``t_max``, ``max_residual`` (float64), ``turns``, ``status``, ``steps`` (accepted), ``solves``.
    """
    dt64 = torch.float64
    x, y = x.to(dt64), y.to(dt64)
    th = theta.to(dt64).clone()
    m, dev = th.shape[0], th.device
    y0 = outputs(family, th, x)
    yflat = residuals_of(y, torch.zeros_like(y), "regression")
    y0flat = residuals_of(y0, torch.zeros_like(y0), "regression")
    v = yflat - y0flat  # dY/dt, (M, R)
    ynorm = yflat.norm(dim=1).clamp_min(torch.finfo(dt64).tiny)
    t = torch.zeros(m, dtype=dt64, device=dev)
    t_max = torch.zeros_like(t)
    tau_th = torch.zeros_like(th)
    tau_t = torch.ones(m, dtype=dt64, device=dev)
    h = torch.full((m,), float(cfg.homotopy_step), dtype=dt64, device=dev)
    status = torch.full((m,), STATUS["running"], dtype=torch.long, device=dev)
    steps = torch.zeros(m, dtype=torch.long, device=dev)
    solves = torch.zeros(m, dtype=torch.long, device=dev)
    turns = torch.zeros(m, dtype=torch.long, device=dev)
    maxres = torch.zeros(m, dtype=dt64, device=dev)
    final_tol = min(cfg.homotopy_tol, cfg.tol * cfg.lm_polish_factor)

    def resid(thx: torch.Tensor, tt: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
        out = residuals_of(outputs(family, thx, x[idx]), torch.zeros_like(y[idx]), "regression")
        return out - y0flat[idx] - tt.unsqueeze(1) * v[idx]

    for _ in range(cfg.homotopy_steps):
        act = torch.nonzero(status == STATUS["running"]).squeeze(1)
        if act.numel() == 0:
            break
        xa, va = x[act], v[act]
        kern, jt = gn_system(family, th[act], xa)
        # tangent: project the previous tangent onto ker A
        g_th, g_t = tau_th[act], tau_t[act]
        a_prev = _j_apply(family, th[act], xa, g_th) - g_t.unsqueeze(1) * va
        corr_th, corr_t, ok, rel_min = _ext_solve(kern, jt, va, a_prev, cfg.homotopy_damping)
        solves[act] += 1
        new_th, new_t = g_th - corr_th, g_t - corr_t
        norm = torch.sqrt((new_th * new_th).sum(1) + new_t * new_t)
        singular = ~ok | (rel_min < cfg.homotopy_singular) | ~(norm > 1e-12)
        status[act[singular]] = STATUS["singular"]
        keep = ~singular
        act, xa, va = act[keep], xa[keep], va[keep]
        if act.numel() == 0:
            continue
        new_th, new_t = new_th[keep] / norm[keep].unsqueeze(1), new_t[keep] / norm[keep]
        hh = h[act].clone()
        landing = (t[act] + hh * new_t >= 1) & (new_t > 0)
        hh = torch.where(landing, (1 - t[act]) / new_t.clamp_min(torch.finfo(dt64).tiny), hh)
        zc_th = th[act] + hh.unsqueeze(1) * new_th
        zc_t = torch.where(landing, torch.ones_like(hh), t[act] + hh * new_t)
        tol_abs = torch.where(landing, final_tol, cfg.homotopy_tol) * ynorm[act]
        r = resid(zc_th, zc_t, act)

        def mp_step(work: torch.Tensor, z: list[torch.Tensor], rw: torch.Tensor, xa=xa, va=va, act=act,
                    landing=landing):
            k2, jt2 = gn_system(family, z[0], xa[work])
            # at the landing the corrector works at fixed t = 1 (Jᵀ(JJᵀ)⁻¹r); elsewhere on (θ, t)
            vw = torch.where(landing[work].unsqueeze(1), torch.zeros_like(va[work]), va[work])
            d_th, d_t, ok2, _ = _ext_solve(k2, jt2, vw, rw, cfg.homotopy_damping)
            solves[act[work]] += 1
            return [d_th, d_t], ok2

        def trial_resid(work: torch.Tensor, z: list[torch.Tensor], act=act) -> torch.Tensor:
            return resid(z[0], z[1], act[work])

        rn, conv, fail, iters = correct([zc_th, zc_t], r, tol_abs, cfg, mp_step, trial_resid)
        accept = conv & ~fail
        acc = act[accept]
        turns[acc] += ((new_t[accept] > 0) != (tau_t[acc] > 0)).long()
        th[acc], t[acc] = zc_th[accept], zc_t[accept]
        tau_th[acc], tau_t[acc] = new_th[accept], new_t[accept]
        t_max[acc] = torch.maximum(t_max[acc], t[acc])
        steps[acc] += 1
        maxres[acc] = torch.maximum(maxres[acc], rn[accept] / ynorm[acc])
        adapt_steps(h, act, accept, iters, status, cfg, STATUS["fold"])
        status[acc[landing[accept]]] = STATUS["reached"]
        status[acc[(t[acc] < 0) & (status[acc] == STATUS["running"])]] = STATUS["returned"]
    status[status == STATUS["running"]] = STATUS["budget"]
    return th, {"t": t, "t_max": t_max, "turns": turns, "max_residual": maxres, "status": status,
                "steps": steps, "solves": solves}


def _j_apply(family: Family, theta: torch.Tensor, x: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
    """``J u`` ``(M, R)``: the directional derivative of the flattened outputs along ``u`` ``(M, P)`` (``jvp``)."""
    def f(th: torch.Tensor) -> torch.Tensor:
        out = outputs(family, th, x)
        return residuals_of(out, torch.zeros_like(out), "regression")

    with torch.enable_grad():
        return torch.func.jvp(f, (theta,), (u,))[1].detach()


def arclength_solver(problem: Problem, theta: torch.Tensor) -> StageResult:
    """The ``"arclength"`` stage through the solver interface (see :func:`track_arclength`)."""
    check_regression(problem, "arclength")
    if problem.x.is_complex():
        raise ConfigError("the 'arclength' solver needs real inputs and outputs (complex families: use "
                          "'target-homotopy')")
    th, info = track_arclength(problem.family, theta, problem.x, problem.y, problem.config)
    return StageResult(th, {"homotopy": info.pop("steps"), "homotopy_solves": info.pop("solves")}, info)


register_solver("arclength", arclength_solver)
