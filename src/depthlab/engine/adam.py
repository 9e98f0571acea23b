"""Batched Adam over a stack of independent models, with per-model stopping.

All models of a chunk share one tensor program: the loss is the *sum* of per-model losses, so the gradient
with respect to ``theta[m]`` is model ``m``'s own gradient, and Adam's update is elementwise, so stacking is
exact (anchors-software note §B.3). Models that reach the switch criterion are frozen and removed from the
active set; the learning rate decays geometrically from ``adam_lr`` to ``adam_lr · adam_lr_final`` (Kingma &
Ba 2015, Algorithm 1, with bias correction).
"""

from __future__ import annotations

import torch

from depthlab.engine.config import FitConfig
from depthlab.engine.families import Family
from depthlab.engine.objective import residuals, solved, target_sq_norm
from depthlab.engine.solver import Problem, StageResult, register_solver


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
    out = theta.to(dt).clone()
    steps = torch.zeros(theta.shape[0], dtype=torch.long, device=theta.device)
    active = torch.arange(theta.shape[0], device=theta.device)
    th = out.clone()
    mom = torch.zeros_like(th)
    var = torch.zeros_like(th)
    xa, ya = x, y
    norm = target_sq_norm(y, cfg.mode)
    b1, b2 = cfg.adam_betas
    n = cfg.adam_steps
    decay = cfg.adam_lr_final ** (1.0 / max(n - 1, 1))
    for t in range(1, n + 1):
        lr = cfg.adam_lr * decay ** (t - 1)
        th.requires_grad_(True)
        r = residuals(family, th, xa, ya, cfg.mode, cfg.margin)
        loss = (r.square().sum(1) / norm).sum()
        (g,) = torch.autograd.grad(loss, th)
        th = th.detach()
        with torch.no_grad():
            g = torch.nan_to_num(g, nan=0.0, posinf=0.0, neginf=0.0)
            mom.mul_(b1).add_(g, alpha=1 - b1)
            var.mul_(b2).addcmul_(g, g, value=1 - b2)
            step = (lr / (1 - b1 ** t)) * mom / ((var / (1 - b2 ** t)).sqrt_().add_(cfg.adam_eps))
            th.sub_(step)
        last = t == n
        if t % cfg.check_every == 0 or last:
            done = torch.ones_like(active, dtype=torch.bool) if last else solved(
                family, th, xa, ya, cfg.mode, cfg.adam_switch_tol)
            if bool(done.any()):
                idx = active[done]
                out[idx] = th[done]
                steps[idx] = t
                keep = ~done
                active, th, mom, var = active[keep], th[keep], mom[keep], var[keep]
                xa, ya, norm = _take(xa, keep), _take(ya, keep), norm[keep]
            if active.numel() == 0:
                break
    return out, steps


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
