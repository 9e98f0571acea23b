"""Gauss–Newton kernel ``JJᵀ`` and transposed Jacobian products of an MLP without forming ``J``.

For an MLP ``h_l = a_{l−1} W_l (+ b_l)``, ``a_l = σ(h_l)`` the Jacobian entries are
``∂out[n, j]/∂W_l[i, k] = a_{l−1}[n, i] δ_l[n, k, j]`` and ``∂out[n, j]/∂b_l[k] = δ_l[n, k, j]``
(:func:`depthlab.engine.families.mlp_jacobian`). Summing over a layer's parameters factorises:

``(J_l J_lᵀ)[(n, j), (n', j')] = (a_{l−1}[n]·a_{l−1}[n'] + [bias]) · (δ_l[n]ᵀ δ_l[n'])[j, j']``,

so ``JJᵀ = Σ_l (G_l ⊗ 1)(D_l D_lᵀ)`` (elementwise) with the Gram matrix ``G_l = a_{l−1} a_{l−1}ᵀ`` (N×N) and
``D_l`` the ``(N·d_out) × width_l`` matrix of ``δ_l``. Its cost is ``Σ_l (N·d_out)²·width_l`` instead of
``(N·d_out)²·P`` for ``J Jᵀ`` with the explicit Jacobian (for square d×d layers a factor ``d`` less), and
``Jᵀ z`` is ``a_{l−1}ᵀ e_l`` with ``e_l[n, k] = Σ_j δ_l[n, k, j] z[n, j]``. This is the standard
Kronecker structure of per-example MLP gradients (Martens & Grosse, *Optimizing neural networks with
Kronecker-factored approximate curvature*, ICML 2015, §3), used here exactly (no approximation): the
Levenberg–Marquardt stage uses it for its dual-form step when the model has more parameters than residuals.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from depthlab.activations import Activation
from depthlab.engine.types import Params


@torch.no_grad()
def mlp_backprop(params: Params, x: torch.Tensor, act: Activation, n_layers: int,
                 bias: bool) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    """Layer inputs ``a_{l−1}`` ``(M, N, fan_in_l)`` and output sensitivities ``δ_l`` ``(M, N, width_l, d_out)``.

    ``δ_L = I`` and ``δ_l = σ'(h_l) ⊙ (W_{l+1} δ_{l+1})`` (lists indexed ``l − 1``).
    """
    m, n = x.shape[0], x.shape[1]
    acts = [x.to(params["W1"].dtype)]
    pres = []
    for k in range(1, n_layers + 1):
        h = torch.matmul(acts[-1], params[f"W{k}"])
        if bias:
            h = h + params[f"b{k}"].unsqueeze(-2)
        pres.append(h)
        if k < n_layers:
            acts.append(act.torch_fn(h))
    d_out = params[f"W{n_layers}"].shape[-1]
    eye = torch.eye(d_out, dtype=acts[0].dtype, device=x.device)
    deltas: list[torch.Tensor] = [None] * n_layers  # type: ignore[list-item]
    delta = eye.expand(m, n, d_out, d_out)
    for k in range(n_layers, 0, -1):
        deltas[k - 1] = delta
        if k > 1:
            back = torch.matmul(params[f"W{k}"].unsqueeze(1), delta)
            deriv = act.derivative(pres[k - 2], acts[k - 1])
            delta = deriv.unsqueeze(-1) * back
    return acts, deltas


@torch.no_grad()
def mlp_gauss_newton(params: Params, x: torch.Tensor, act: Activation, n_layers: int,
                     bias: bool) -> tuple[torch.Tensor, Callable[[torch.Tensor], torch.Tensor]]:
    """``(JJᵀ, z ↦ Jᵀz)`` of an MLP's outputs with respect to its flat parameters, without forming ``J``.

    Args:
        params: stacked MLP parameters (``W1 … WL``, ``b1 … bL`` with ``bias``).
        x: inputs ``(M, N, d_in)``.
        act: the hidden activation; n_layers, bias: the MLP (see :func:`depthlab.engine.families.mlp`).

    Returns:
        ``K`` of shape ``(M, R, R)`` with ``R = N·d_out`` (rows point-major, as
        :func:`~depthlab.engine.families.mlp_jacobian`), equal to ``J Jᵀ`` up to rounding, and a function
        mapping ``z`` ``(M, R)`` to ``Jᵀ z`` ``(M, P)`` (columns in the order ``W1, b1, W2, b2, …``).
    """
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
