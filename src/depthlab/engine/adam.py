"""Batched Adam over a stack of independent models, with per-model stopping.

All models of a chunk share one tensor program: the loss is the *sum* of per-model losses, so the gradient
with respect to ``theta[m]`` is model ``m``'s own gradient, and Adam's update is elementwise, so stacking is
exact (anchors-software note §B.3). Models that reach the switch criterion are frozen and removed from the
active set; the learning rate decays geometrically from ``adam_lr`` to ``adam_lr · adam_lr_final`` (Kingma &
Ba 2015, Algorithm 1, with bias correction).

Hot path. Parameters, gradients and both moments live *block-major* in one flat buffer each: block ``k``
(``W1``, ``b1``, …) is a contiguous ``(M, *shape)`` slab, so every block is a plain contiguous tensor (fast
batched matrix products, gradients written in place) and the update is one fused elementwise pass over the
whole buffer (``torch._fused_adam_``; in-place foreach-style ops where it is missing). Families with a
``value_and_grad`` hook (MLPs: :func:`depthlab.engine.gram.mlp_value_and_grad`) get their gradient from it,
written straight into the gradient buffer, with no autograd graph; other families (matrix-exponential nets,
committee machines, custom ones) get it from autograd on per-block leaves, non-finite entries set to 0 as
before. Nothing is scrubbed per step on the hot path: a model whose outputs are non-finite at a check (every
``check_every`` steps) stops there and returns its starting parameters (so a later stage starts it afresh; it
fails certification unless those solve it).
"""

from __future__ import annotations

import math

import torch

from depthlab.engine.config import FitConfig
from depthlab.engine.families import Family, Params
from depthlab.engine.objective import residuals_of, solved_of, target_sq_norm
from depthlab.engine.solver import Problem, StageResult, register_solver

_FUSED = hasattr(torch, "_fused_adam_")


def adam_stage(family: Family, theta: torch.Tensor, x: torch.Tensor, y: torch.Tensor,
               cfg: FitConfig) -> tuple[torch.Tensor, torch.Tensor]:
    """Run Adam on every model until it meets ``cfg.adam_switch_tol`` or ``cfg.adam_steps`` run out.

    Args:
        family: network family.
        theta: flat initial parameters ``(M, P)``.
        x: inputs ``(M, N, *in_shape)``; y: targets ``(M, N, *out_shape)``.
        cfg: fit configuration (mode, Adam settings; dtype ``cfg.adam_dtype``).

    Returns:
        ``(theta, steps)``: final parameters ``(M, P)`` in the Adam dtype and the number of steps each model took.
    """
    dt = cfg.adam_torch_dtype
    cdt = torch.complex64 if dt == torch.float32 else torch.complex128
    x = x.to(cdt if x.is_complex() else dt)
    y = y.to(cdt if y.is_complex() else dt)
    with torch.no_grad():  # once for the whole loop (the autograd fallback enables grad where it needs it)
        return _adam_loop(family, theta.to(dt), x, y, cfg)


def _adam_loop(family: Family, start: torch.Tensor, xa: torch.Tensor, ya: torch.Tensor,
               cfg: FitConfig) -> tuple[torch.Tensor, torch.Tensor]:
    """:func:`adam_stage`'s iterations, from ``start`` ``(M, P)`` (already in the Adam dtype)."""
    m = start.shape[0]
    device = start.device
    out = torch.empty_like(start)  # every model is written once, when it stops
    steps = torch.zeros(m, dtype=torch.long, device=device)
    active = torch.arange(m, device=device)
    hook = family.value_and_grad if not (xa.is_complex() or ya.is_complex()) else None
    th = pack(start, family)
    mom = torch.zeros_like(th)
    var = torch.zeros_like(th)
    grad = torch.empty_like(th) if hook is not None else None
    weight = target_sq_norm(ya, cfg.mode).reciprocal()
    b1, b2 = cfg.adam_betas
    n = cfg.adam_steps
    decay = cfg.adam_lr_final ** (1.0 / max(n - 1, 1))
    step_t = torch.zeros((), dtype=torch.float32, device=device)
    params, mom_v, var_v = views(th, m, family), views(mom, m, family), views(var, m, family)
    grad_v = views(grad, m, family) if grad is not None else None
    work: dict = {}  # the hook's scratch buffers, kept while the active set is unchanged
    for t in range(1, n + 1):
        lr = cfg.adam_lr * decay ** (t - 1)
        if hook is not None:
            hook(params, xa, ya, cfg.mode, cfg.margin, weight=weight, out=grad_v, value=False, work=work)
            _adam_update([th], [grad], [mom], [var], step_t, t, lr, b1, b2, cfg.adam_eps)
        else:
            grads = _autograd_grads(family, params, xa, ya, weight, cfg)
            _adam_update(list(params.values()), grads, list(mom_v.values()), list(var_v.values()), step_t, t,
                         lr, b1, b2, cfg.adam_eps)
        last = t == n
        if t % cfg.check_every == 0 or last:
            done, finite = solved_of(family.forward(params, xa), ya, cfg.mode, cfg.adam_switch_tol)
            bad = ~finite
            stop = torch.ones_like(done) if last else done | bad
            if bool(stop.any()):
                idx = active[stop]
                col = 0
                for v in params.values():  # the stopped models' blocks, straight into their columns of ``out``
                    size = v[0].numel()
                    out[idx, col:col + size] = v[stop].reshape(-1, size)
                    col += size
                if bool(bad.any()):  # a model whose outputs overflowed returns its starting parameters
                    out[active[bad]] = start[active[bad]]
                steps[idx] = t
                keep = ~stop
                active = active[keep]
                m = int(active.numel())
                if m == 0:
                    break
                th, mom, var = take(th, keep, family), take(mom, keep, family), take(var, keep, family)
                if grad is not None:
                    grad = take(grad, keep, family)
                xa, ya, weight = _take(xa, keep), _take(ya, keep), weight[keep]
                params, mom_v, var_v = views(th, m, family), views(mom, m, family), views(var, m, family)
                grad_v = views(grad, m, family) if grad is not None else None
                work = {}
    return out, steps


def _autograd_grads(family: Family, params: Params, x: torch.Tensor, y: torch.Tensor, weight: torch.Tensor,
                    cfg: FitConfig) -> list[torch.Tensor]:
    """Per-block gradients of ``Σ_m weight_m ‖r_m‖²`` by autograd on per-block leaves (no flat-slice graph),
    non-finite entries set to 0 in place (the fallback for families without a ``value_and_grad`` hook).

    ``weight`` is per model ``(M,)``, or per point ``(M, N)`` (``Σ_m Σ_μ weight_mμ ‖r_mμ‖²``, a mini-batch as a
    0/1 weight: :mod:`depthlab.engine.replicated`)."""
    leaves = {k: v.detach().requires_grad_(True) for k, v in params.items()}
    with torch.enable_grad():
        r = residuals_of(family.forward(leaves, x), y, cfg.mode, cfg.margin)
        sq = r.square()
        if weight.dim() == 2:
            sq = sq.reshape(sq.shape[0], weight.shape[1], -1).sum(-1)
            loss = (sq * weight).sum()
        else:
            loss = (sq.sum(1) * weight).sum()
        grads = torch.autograd.grad(loss, list(leaves.values()))
    return [g.nan_to_num_(nan=0.0, posinf=0.0, neginf=0.0).contiguous() for g in grads]


def _adam_update(ps: list[torch.Tensor], gs: list[torch.Tensor], ms: list[torch.Tensor], vs: list[torch.Tensor],
                 step_t: torch.Tensor, t: int, lr: float, b1: float, b2: float, eps: float) -> None:
    """One Adam step in place (Kingma & Ba 2015, Algorithm 1): ``m ← β1 m + (1−β1) g``,
    ``v ← β2 v + (1−β2) g²``, ``θ ← θ − lr/(1−β1^t) · m / (√v/√(1−β2^t) + ε)``; fused where torch has it.
    Called under ``no_grad`` (:func:`adam_stage`'s loop)."""
    if _FUSED:
        step_t.fill_(t)
        torch._fused_adam_(ps, gs, ms, vs, [], [step_t] * len(ps), lr=lr, beta1=b1, beta2=b2, weight_decay=0.0,
                           eps=eps, amsgrad=False, maximize=False)
        return
    bc1, bc2 = 1 - b1 ** t, math.sqrt(1 - b2 ** t)  # a torch without the fused kernel
    for p, g, mo, va in zip(ps, gs, ms, vs, strict=True):
        mo.lerp_(g, 1 - b1)
        va.mul_(b2).addcmul_(g, g, value=1 - b2)
        p.addcdiv_(mo, va.sqrt().div_(bc2).add_(eps), value=-lr / bc1)


# ----------------------------------------------------------------------------------------------------------
# Block-major storage: block k of every model is one contiguous (M, *shape) slab of a flat buffer.


def pack(theta: torch.Tensor, family: Family) -> torch.Tensor:
    """Flat ``(M, P)`` parameters (order of ``family.shapes``) → a block-major buffer ``(M·P,)``."""
    m = theta.shape[0]
    parts, start = [], 0
    for shape in family.shapes.values():
        size = math.prod(shape)
        parts.append(theta[:, start:start + size].reshape(m * size))
        start += size
    return torch.cat(parts)


def views(buf: torch.Tensor, m: int, family: Family) -> Params:
    """The blocks of a block-major buffer of ``m`` models: contiguous views ``(m, *shape)``."""
    out: Params = {}
    start = 0
    for name, shape in family.shapes.items():
        size = m * math.prod(shape)
        out[name] = buf[start:start + size].view(m, *shape)
        start += size
    return out


def unpack(buf: torch.Tensor, m: int, family: Family) -> torch.Tensor:
    """Inverse of :func:`pack`: flat parameters ``(m, P)``."""
    return torch.cat([v.reshape(m, -1) for v in views(buf, m, family).values()], dim=1)


def take(buf: torch.Tensor, keep: torch.Tensor, family: Family) -> torch.Tensor:
    """The block-major buffer of the models ``keep`` (a bool mask over the buffer's models)."""
    return torch.cat([v[keep].reshape(-1) for v in views(buf, keep.shape[0], family).values()])


def _take(x: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
    """``x[keep]`` along the model dimension, keeping ``x``'s memory layout.

    Plain indexing returns a tensor contiguous in logical order; a family that stores its data in a
    different order for speed (the committee machine keeps patterns as an (M, K, n, P)-contiguous view) would
    lose that layout after the first model finished. Gathering in storage order (dims by stride) and permuting
    back keeps it; for contiguous data this is exactly ``x[keep]``.
    """
    order = sorted(range(x.dim()), key=lambda d: (d != 0, -x.stride(d)))
    inverse = [order.index(d) for d in range(x.dim())]
    return x.permute(order)[keep].permute(inverse)


def adam_solver(problem: Problem, theta: torch.Tensor) -> StageResult:
    """The ``"adam"`` stage through the solver interface."""
    th, steps = adam_stage(problem.family, theta, problem.x, problem.y, problem.config)
    return StageResult(th, {"adam": steps})


register_solver("adam", adam_solver)
