"""Variable projection: Levenberg–Marquardt on the hidden parameters alone, the linear output layer eliminated.

A family whose output layer is linear computes ``F(X) = H(θ_h) Θ`` with ``H`` ``(N, K)`` the design matrix of
that layer (an MLP's last hidden features, plus a column of ones with biases; the family's ``features`` hook) and
``Θ`` ``(K, out)`` the output parameters (``readout_params``). For fixed hidden parameters ``θ_h`` the best
``Θ`` is the least-squares solution ``Θ*(θ_h) = H⁺ Y`` (the family's ``readout`` hook), so fitting reduces to
the *variable-projection* problem (Golub & Pereyra, SIAM J. Numer. Anal. 10 (1973) 413)

    min over θ_h of ½ ‖r(θ_h)‖²,   r(θ_h) = F(θ_h, Θ*(θ_h)) − Y = −P⊥(θ_h) Y,   P⊥ = I − H H⁺,

with fewer unknowns and no valley along the output weights. The ``"varpro"`` stage runs Levenberg–Marquardt
(:func:`depthlab.engine.lm.lm_step`, Nielsen's damping update :func:`~depthlab.engine.lm.nielsen_update`, the
LM budget, patience and tolerance of :class:`~depthlab.engine.config.FitConfig`) on ``r`` with **Kaufman's
Jacobian** (Kaufman, BIT 15 (1975) 49; O'Leary & Rust, Comput. Optim. Appl. 54 (2013) 579, eq. 2.6)

    J_K = P⊥ · ∂F/∂θ_h |_{Θ = Θ*}

(:func:`kaufman_jacobian`: the family's ordinary ``jacobian``, hidden columns only, projected with ``P⊥``
along the N axis for every output column, i.e. with ``I_out ⊗ P⊥``). The exact derivative of ``r`` is
``J = J_K + (H⁺)ᵀ (∂H)ᵀ P⊥ Y`` (Golub & Pereyra's second term, whose columns lie in ``range(H)``), so
``P⊥ J = J_K`` exactly, ``J_Kᵀ r = Jᵀ r`` (the reduced gradient is exact, since ``r ∈ range(P⊥)``), and
``J_K = J`` at an exact fit (``P⊥ Y = 0``). Every trial point ``θ_h + δ`` is re-projected: its output layer is
re-solved from a batched SVD ``H = U S Vᵀ`` (:func:`ridge_project`; ``Θ*`` and ``P⊥`` with the rank rule of
``torch.linalg.pinv``: singular values ≤ ``max(N, K) · ε · σ_max`` count as zero), so the stage always holds
full parameters ``(θ_h, Θ*)``; after the last level the family's ``readout`` re-solves ``Θ*`` once more and the
stage returns them, and the engine's float64 certificate judges the full network.

**Ridge levels** (``FitConfig.varpro_ridge``, default ``(0,)``: none). A level ``ρ > 0`` solves
``Θ* = argmin ‖HΘ − Y‖² + μ‖Θ‖²``, ``μ = ρN``, i.e. variable projection of the augmented system
``Ĥ = [H; √μ I]``, ``Ŷ = [Y; 0]`` (regularised VarPro, as in Newman, Ruthotto, Hart & van Bloemen Waanders,
SIAM J. Math. Data Sci. 3 (2021) 1041), whose Kaufman Jacobian is ``P̂⊥ [∂F/∂θ_h; 0]`` with ``range(Ĥ)``
spanned by ``[U S; √μ V] / √(S² + μ)``; each level is one reduced-LM run started where the previous ended. It
was meant to keep ``H⁺Y`` from absorbing a near-singular ``H`` (plain varpro's failure mode on random targets:
docs/capacity.md "Variable projection"); on the tuning probes it did not help, so it is off by default.

Models are stacked (batched SVD, Jacobians and Cholesky solves, per-model damping and stopping; no Python loop
over models), so model ``m``'s result depends only on its own data and start. A family with a ``repair`` hook
(ReLU: dead-unit revival) gets it at the start and every ``repair_every`` iterations, followed by a re-projection.
Cost per iteration and model: the Jacobian ``(N·out) × P`` and its projection ``O(N·K·out·P_h)``, the normal
matrix ``O(N·out·P_h²)`` and its Cholesky ``O(P_h³)`` (or the dual ``R × R`` system when ``P_h > R = N·out``),
plus an SVD of ``N × K``; against full LM the system shrinks from ``P`` to ``P_h = P − K·out`` unknowns.

Per-model diagnostics (``FitResult.info["varpro:<name>"]``): ``iterations`` (reduced-LM iterations, all levels) and
``residual`` (relative residual ``‖P⊥Y‖/‖Y‖`` of the returned full parameters, working dtype).
"""

from __future__ import annotations

import math

import torch

from depthlab.engine.config import FitConfig
from depthlab.engine.families import Family
from depthlab.engine.homotopy import check_regression
from depthlab.engine.lm import lm_should_stop, lm_step, nielsen_update, track_progress
from depthlab.engine.objective import flatten, residuals, unflatten
from depthlab.engine.solver import Problem, StageResult, register_solver
from depthlab.errors import ConfigError


def check_family(family: Family) -> None:
    """A :class:`ConfigError` unless ``family`` has what variable projection needs: a linear output layer
    (``readout`` and ``features`` hooks, ``readout_params``), an explicit ``jacobian`` and real data."""
    missing = [name for name, hook in (("readout", family.readout), ("features", family.features),
                                       ("jacobian", family.jacobian)) if hook is None]
    if not family.readout_params:
        missing.append("readout_params")
    if missing:
        raise ConfigError(f"the 'varpro' solver needs a family with a linear output layer and an explicit Jacobian "
                          f"(hooks readout, features, jacobian and readout_params); family {family.name!r} lacks "
                          f"{', '.join(missing)}")
    if family.complex_inputs:
        raise ConfigError(f"the 'varpro' solver fits real families only; {family.name!r} is complex")
    unknown = [k for k in family.readout_params if k not in family.shapes]
    if unknown:
        raise ConfigError(f"readout_params {unknown} are not parameters of family {family.name!r}")


def hidden_columns(family: Family, device: torch.device | str = "cpu") -> torch.Tensor:
    """Indices ``(P_h,)`` of the hidden parameters' columns of flat ``theta`` (all but ``readout_params``)."""
    cols: list[int] = []
    start = 0
    for name, shape in family.shapes.items():
        size = math.prod(shape)
        if name not in family.readout_params:
            cols.extend(range(start, start + size))
        start += size
    return torch.tensor(cols, dtype=torch.long, device=device)


def range_basis(h: torch.Tensor) -> torch.Tensor:
    """An orthonormal basis of ``range(H)`` per model, ``(M, N, min(N, K))``, columns beyond the numerical rank
    zeroed (the rank rule of ``torch.linalg.pinv``: singular values > ``max(N, K) · ε · σ_max``)."""
    u, s, _ = torch.linalg.svd(h, full_matrices=False)
    return u * _numerical_rank_mask(s, h).unsqueeze(1).to(u.dtype)


def _numerical_rank_mask(s: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
    """``(M, k)`` mask of the singular values ``s`` of ``h`` above ``max(N, K) · ε · σ_max`` (``torch.linalg.pinv``'s
    rule)."""
    return s > max(h.shape[-2], h.shape[-1]) * torch.finfo(h.dtype).eps * s[:, :1]


def project_out(basis: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
    """``P⊥ a = a − U (Uᵀ a)`` along the N axis: ``basis`` ``(M, N, k)`` orthonormal, ``a`` ``(M, N, C)``."""
    return a - torch.bmm(basis, torch.bmm(basis.mT, a))


def set_readout(family: Family, theta: torch.Tensor, coef: torch.Tensor) -> torch.Tensor:
    """``theta`` with its output layer set to ``coef`` ``(M, K, out)``: the ``readout_params`` in order, each read
    as rows of ``coef`` (the MLP: ``W_L`` ``(width, out)`` is rows ``0 … width − 1``, ``b_L`` the last row)."""
    out = theta.clone()
    m, n_out = coef.shape[0], coef.shape[2]
    start, row, cols = 0, 0, {}
    for name, shape in family.shapes.items():
        cols[name] = (start, math.prod(shape))
        start += math.prod(shape)
    for name in family.readout_params:
        at, size = cols[name]
        rows = size // n_out
        out[:, at:at + size] = coef[:, row:row + rows].reshape(m, size)
        row += rows
    return out


@torch.no_grad()
def ridge_project(family: Family, theta: torch.Tensor, x: torch.Tensor, y: torch.Tensor, rho: float = 0.0
                  ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Solve the output layer ``Θ* = argmin ‖HΘ − Y‖² + μ‖Θ‖²`` (``μ = ρ·N``) by a batched SVD of ``H``.

    ``μ = 0`` is the minimum-norm least-squares solution ``H⁺Y`` (rank rule of :func:`range_basis`). For ``μ > 0``
    it is the least-squares solution of the augmented system ``Ĥ = [H; √μ I]``, ``Ŷ = [Y; 0]``.

    Returns:
        ``(theta, basis, r_aug, r)``: ``theta`` with ``Θ*``; an orthonormal basis of ``range(Ĥ)`` ``(M, N', k)``
        (``N' = N``, or ``N + K`` for ``μ > 0``: ``[U S; √μ V] / √(S² + μ)`` from ``H = U S Vᵀ``); the reduced
        residual ``ĤΘ* − Ŷ`` flattened point-major ``(M, N'·out)``; and the data residual ``HΘ* − Y`` ``(M, N·out)``.
    """
    params = unflatten(theta, family)
    h = family.features(params, x).to(theta.dtype)
    m, n = h.shape[0], h.shape[1]
    u, s, vh = torch.linalg.svd(h, full_matrices=False)
    if rho == 0.0:
        keep = _numerical_rank_mask(s, h)
        inv = torch.where(keep, 1.0 / torch.where(keep, s, torch.ones_like(s)), torch.zeros_like(s))
        basis = u * keep.unsqueeze(1).to(u.dtype)
    else:
        mu = rho * n
        inv = s / (s.square() + mu)
        basis = torch.cat([u * s.unsqueeze(1), math.sqrt(mu) * vh.mT], dim=1) / (s.square() + mu).sqrt().unsqueeze(1)
    coef = vh.mT @ (inv.unsqueeze(2) * (u.mT @ y))
    r = (h @ coef - y).reshape(m, -1)
    r_aug = r if rho == 0.0 else torch.cat([h @ coef - y, math.sqrt(rho * n) * coef], dim=1).reshape(m, -1)
    return set_readout(family, theta, coef), basis, r_aug, r


@torch.no_grad()
def kaufman_jacobian(family: Family, theta: torch.Tensor, x: torch.Tensor,
                     hidden: torch.Tensor | None = None, basis: torch.Tensor | None = None) -> torch.Tensor:
    """Kaufman's Jacobian ``J_K = (I_out ⊗ P⊥) ∂F/∂θ_h`` ``(M, N'·out, P_h)`` at flat parameters ``theta``.

    ``theta`` should hold the optimal output layer ``Θ*`` (:func:`ridge_project`, or :func:`project`); the rows are
    point-major like the family's ``jacobian`` (``n·out + j``), the columns the hidden ones
    (:func:`hidden_columns`). ``basis`` (from :func:`ridge_project`) spans ``range(Ĥ)``; with ``N' = N + K`` rows
    (a ridge level) the Jacobian ``[∂F/∂θ_h; 0]`` of the augmented system is projected. Default: ``range(H)``.
    """
    if hidden is None:
        hidden = hidden_columns(family, theta.device)
    params = unflatten(theta, family)
    jac = family.jacobian(params, x).to(theta.dtype)[:, :, hidden]
    m, n = x.shape[0], x.shape[1]
    if basis is None:
        basis = range_basis(family.features(params, x).to(theta.dtype))
    j3 = jac.reshape(m, n, -1)
    if basis.shape[1] > n:
        j3 = torch.cat([j3, j3.new_zeros(m, basis.shape[1] - n, j3.shape[2])], dim=1)
    return project_out(basis, j3).reshape(m, -1, jac.shape[2])


@torch.no_grad()
def project(family: Family, theta: torch.Tensor, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """``theta`` with its output layer replaced by the least-squares ``Θ* = H⁺Y`` (the family's ``readout``)."""
    return flatten(family.readout(unflatten(theta, family), x, y), family).to(theta.dtype)


@torch.no_grad()
def varpro_level(family: Family, theta: torch.Tensor, x: torch.Tensor, y: torch.Tensor, cfg: FitConfig,
                 rho: float) -> tuple[torch.Tensor, torch.Tensor]:
    """One reduced-LM run at ridge level ``rho`` (:func:`varpro_stage`); returns ``(theta, iterations)``."""
    dt = theta.dtype
    n_models = theta.shape[0]
    iters = torch.zeros(n_models, dtype=torch.long, device=theta.device)
    hidden = hidden_columns(family, theta.device)
    threshold = cfg.tol * cfg.lm_polish_factor
    ynorm = y.reshape(n_models, -1).norm(dim=1)

    def is_solved(r: torch.Tensor, yn: torch.Tensor) -> torch.Tensor:
        return torch.isfinite(r).all(dim=1) & (r.norm(dim=1) <= threshold * yn)

    th, basis, ra, r = ridge_project(family, theta, x, y, rho)
    out = th.clone()
    active = torch.arange(n_models, device=theta.device)
    keep = ~is_solved(r, ynorm)
    active, th, xa, ya, ra, r, yn, basis = (active[keep], th[keep], x[keep], y[keep], ra[keep], r[keep],
                                            ynorm[keep], basis[keep])
    if active.numel() == 0:
        return out, iters
    f = 0.5 * ra.square().sum(1)
    best = f.clone()
    since = torch.zeros_like(active)
    nu = torch.full_like(f, 2.0)
    lam = lam0 = None
    for it in range(1, cfg.lm_steps + 1):
        if family.repair is not None and it % cfg.repair_every == 0:  # outputs kept, then Θ re-solved: f ≤ before
            th, basis, ra, r = ridge_project(family, flatten(family.repair(unflatten(th, family), xa), family),
                                             xa, ya, rho)
            f = 0.5 * ra.square().sum(1)
        jac = kaufman_jacobian(family, th, xa, hidden, basis)
        if lam is None:
            lam = cfg.lm_tau * jac.square().sum(1).mean(1).clamp_min(torch.finfo(dt).tiny)
            lam0 = lam.clone()
        delta, ok = lm_step(jac, ra, lam)
        g = torch.bmm(ra.unsqueeze(1), jac).squeeze(1)
        th_new = th.clone()
        th_new[:, hidden] += delta
        th_new, basis_new, ra_new, r_new = ridge_project(family, th_new, xa, ya, rho)
        f_new = 0.5 * ra_new.square().sum(1)
        accept, lam, nu = nielsen_update(f, f_new, delta, g, ok, lam, nu)
        a1, a2 = accept.unsqueeze(1), accept.view(-1, 1, 1)
        th, ra, r = torch.where(a1, th_new, th), torch.where(a1, ra_new, ra), torch.where(a1, r_new, r)
        basis = torch.where(a2, basis_new, basis)
        f = torch.where(accept, f_new, f)
        best, since = track_progress(f, best, since, cfg.lm_min_decrease)
        iters[active] = it
        stop = lm_should_stop(is_solved(r, yn), since, lam, lam0, it, cfg)
        if bool(stop.any()):
            out[active[stop]] = th[stop]
            keep = ~stop
            active, th, xa, ya, ra, r, f, yn, basis = (active[keep], th[keep], xa[keep], ya[keep], ra[keep],
                                                       r[keep], f[keep], yn[keep], basis[keep])
            best, since, nu, lam, lam0 = best[keep], since[keep], nu[keep], lam[keep], lam0[keep]
            if active.numel() == 0:
                break
    return out, iters


@torch.no_grad()
def varpro_stage(family: Family, theta: torch.Tensor, x: torch.Tensor, y: torch.Tensor,
                 cfg: FitConfig) -> tuple[torch.Tensor, torch.Tensor]:
    """Variable-projection LM (module docstring) on every model, one run per ridge level of
    ``cfg.varpro_ridge``, each until solved, stalled or ``cfg.lm_steps`` iterations.

    Stopping is :func:`~depthlab.engine.lm.lm_should_stop`'s: relative data residual ≤ ``cfg.tol ·
    cfg.lm_polish_factor``, no relative loss decrease of ``cfg.lm_min_decrease`` for ``cfg.lm_patience``
    iterations, damping beyond 1e16 × its start, or the iteration budget. After the last level the output layer is
    re-solved by the family's ``readout`` (plain least squares), so the result is ``(θ_h, H⁺Y)``.

    Args:
        family: a real family with ``readout``, ``features``, ``jacobian`` and ``readout_params``.
        theta: flat initial parameters ``(M, P)`` (the output layer is re-solved before the first step).
        x: inputs ``(M, N, *in_shape)``; y: targets ``(M, N, *out_shape)``.
        cfg: fit configuration (regression; dtype ``cfg.lm_dtype``).

    Returns:
        ``(theta, iterations)``: full parameters ``(M, P)`` (LM dtype) and iterations per model over all levels.
    """
    dt = cfg.lm_torch_dtype
    x, y = x.to(dt), y.to(dt)
    th = theta.to(dt)
    iters = torch.zeros(th.shape[0], dtype=torch.long, device=th.device)
    if family.repair is not None:
        th = flatten(family.repair(unflatten(th, family), x), family)
    if hidden_columns(family).numel():
        for rho in cfg.varpro_ridge:
            th, k = varpro_level(family, th, x, y, cfg, rho)
            iters += k
    return project(family, th, x, y), iters


def varpro_solver(problem: Problem, theta: torch.Tensor) -> StageResult:
    """The ``"varpro"`` stage through the solver interface (see :func:`varpro_stage`).

    Returns:
        Full parameters ``(M, P)`` (hidden ones fitted, output layer ``H⁺Y``); counter ``lm`` (reduced-LM
        iterations); info ``iterations`` and ``residual`` (relative, working dtype), each ``(M,)``.

    Raises:
        ConfigError: classification mode, or a family without a linear output layer and explicit Jacobian.
    """
    check_regression(problem, "varpro")
    check_family(problem.family)
    th, steps = varpro_stage(problem.family, theta, problem.x, problem.y, problem.config)
    y = problem.y.to(th.dtype)
    rel = (residuals(problem.family, th, problem.x.to(th.dtype), y, "regression").norm(dim=1)
           / y.reshape(y.shape[0], -1).norm(dim=1))
    return StageResult(th, {"lm": steps}, {"iterations": steps.clone(), "residual": rel})


register_solver("varpro", varpro_solver)
