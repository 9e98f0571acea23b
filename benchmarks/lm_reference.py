"""The LM dual-form linear algebra as it was before issue 15, kept as the measured and tested baseline.

:func:`todays_lm` runs :func:`depthlab.engine.lm.lm_stage` with the kernel and step of commit ``d4d447d``: a
freshly zero-filled ``JJᵀ`` every iteration, a clone of it for the damping, ``torch.linalg.cholesky_ex`` into
a new factor and ``torch.cholesky_solve`` (which copies the factor again). Everything else in the iteration is
today's code, so a timing difference is the linear algebra's. Used by ``benchmarks/fit_lm.py`` (speed) and
``tests/engine/test_lm_linalg.py`` (same residual trajectory).
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterator
from unittest import mock

import torch

import depthlab.engine.lm as lm
from depthlab.activations import Activation
from depthlab.engine.families import Family, resolve_activation
from depthlab.engine.gram import mlp_backprop
from depthlab.engine.types import Params


@torch.no_grad()
def old_mlp_gauss_newton(params: Params, x: torch.Tensor, act: Activation, n_layers: int,
                         bias: bool) -> tuple[torch.Tensor, Callable[[torch.Tensor], torch.Tensor]]:
    """``(JJᵀ, z ↦ Jᵀz)`` exactly as ``depthlab.engine.gram.mlp_gauss_newton`` computed them at ``d4d447d``."""
    acts, deltas = mlp_backprop(params, x, act, n_layers, bias)
    m, n = x.shape[0], x.shape[1]
    d_out = deltas[-1].shape[-1]
    r = n * d_out
    kern = torch.zeros(m, r, r, dtype=acts[0].dtype, device=x.device)
    k5 = kern.view(m, n, d_out, n, d_out)
    for layer, (a_prev, delta) in enumerate(zip(acts, deltas, strict=True)):
        gram = torch.bmm(a_prev, a_prev.transpose(1, 2).contiguous())  # (M, N, N)
        if bias:
            gram = gram + 1
        if layer == len(acts) - 1:  # δ_L = I: the block is G_L ⊗ I
            k5.diagonal(dim1=2, dim2=4).add_(gram.unsqueeze(-1))
            continue
        d_mat = delta.transpose(2, 3).reshape(m, r, delta.shape[2])  # rows (n, j), columns k
        dd = torch.bmm(d_mat, d_mat.transpose(1, 2).contiguous()).view(m, n, d_out, n, d_out)
        k5.addcmul_(dd, gram[:, :, None, :, None])

    def jt(z: torch.Tensor) -> torch.Tensor:
        zz = z.reshape(m, n, d_out).to(acts[0].dtype)
        parts = []
        for a_prev, delta in zip(acts, deltas, strict=True):
            e = torch.matmul(delta, zz.unsqueeze(-1)).squeeze(-1)  # (M, N, width_l)
            parts.append(torch.matmul(a_prev.transpose(1, 2), e).reshape(m, -1))
            if bias:
                parts.append(e.sum(1))
        return torch.cat(parts, dim=1)

    return kern, jt


def old_lm_step_dual(kern: torch.Tensor, jt: Callable[[torch.Tensor], torch.Tensor], r: torch.Tensor,
                     lam: torch.Tensor, **_ignored: object) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``depthlab.engine.lm.lm_step_dual`` at ``d4d447d`` (clone, ``cholesky_ex``, ``cholesky_solve``)."""
    b = kern.clone()
    b.diagonal(dim1=1, dim2=2).add_(lam.unsqueeze(1))
    chol, info = torch.linalg.cholesky_ex(b)
    z = torch.cholesky_solve(r.unsqueeze(2), chol).squeeze(2)
    delta = -jt(z)
    ok = (info == 0) & torch.isfinite(delta).all(dim=1)
    return torch.where(ok.unsqueeze(1), delta, torch.zeros_like(delta)), ok, jt(r)


def old_family(family: Family) -> Family:
    """The MLP ``family`` with the ``d4d447d`` Gauss–Newton kernel (no reused buffers)."""
    cfg = family.config
    act = resolve_activation(cfg["activation"], cfg.get("negative_slope", 0.01), cfg.get("sharpness", 1.0))
    n_layers, bias = len(cfg["widths"]) + 1, bool(cfg["bias"])

    def gauss_newton(params: Params, x: torch.Tensor, **_buffers: object
                     ) -> tuple[torch.Tensor, Callable[[torch.Tensor], torch.Tensor]]:
        return old_mlp_gauss_newton(params, x, act, n_layers, bias)

    return dataclasses.replace(family, gauss_newton=gauss_newton)


@contextlib.contextmanager
def todays_lm() -> Iterator[Callable[[Family], Family]]:
    """Within the block, ``lm_stage`` takes the old dual step; call the yielded function on an MLP family to
    get it with the old kernel too."""
    with mock.patch.object(lm, "lm_step_dual", old_lm_step_dual):
        yield old_family
