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
from typing import Any

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
def mlp_gauss_newton(params: Params, x: torch.Tensor, act: Activation, n_layers: int, bias: bool, *,
                     out: torch.Tensor | None = None, work: torch.Tensor | None = None
                     ) -> tuple[torch.Tensor, Callable[[torch.Tensor], torch.Tensor]]:
    """``(JJᵀ, z ↦ Jᵀz)`` of an MLP's outputs with respect to its flat parameters, without forming ``J``.

    Args:
        params: stacked MLP parameters (``W1 … WL``, ``b1 … bL`` with ``bias``).
        x: inputs ``(M, N, d_in)``.
        act: the hidden activation; n_layers, bias: the MLP (see :func:`depthlab.engine.families.mlp`).
        out: optional contiguous ``(M, R, R)`` buffer for ``K`` (reused across LM iterations: no fresh
            allocation, no zero fill).
        work: optional contiguous ``(M, R, R)`` scratch buffer (needed with two or more hidden layers).

    Returns:
        ``K`` of shape ``(M, R, R)`` with ``R = N·d_out`` (rows point-major, as
        :func:`~depthlab.engine.families.mlp_jacobian`), equal to ``J Jᵀ`` up to rounding (``out`` when given),
        and a function mapping ``z`` ``(M, R)`` to ``Jᵀ z`` ``(M, P)`` (columns in the order ``W1, b1, W2, b2, …``).
    """
    acts, deltas = mlp_backprop(params, x, act, n_layers, bias)
    m, n = x.shape[0], x.shape[1]
    d_out = deltas[-1].shape[-1]
    r = n * d_out
    dtype = acts[0].dtype
    kern = out if out is not None else torch.empty(m, r, r, dtype=dtype, device=x.device)
    k4 = kern.view(m, n, d_out, r)  # rows (n, j), columns (n', j') contiguous
    empty = True
    for layer, (a_prev, delta) in enumerate(zip(acts, deltas, strict=True)):
        gram = torch.bmm(a_prev, a_prev.transpose(1, 2))  # (M, N, N)
        if bias:
            gram.add_(1)
        if layer == len(acts) - 1:  # δ_L = I: the block is G_L ⊗ I
            if empty:
                kern.zero_()
            kern.view(m, n, d_out, n, d_out).diagonal(dim1=2, dim2=4).add_(gram.unsqueeze(-1))
            continue
        d_mat = delta.transpose(2, 3).reshape(m, r, delta.shape[2])  # rows (n, j), columns k
        # G ⊗ 1 as (M, N, 1, R): G[n, n'] repeated over j', so the innermost loop of the products is contiguous
        g_rep = (gram if d_out == 1 else gram.repeat_interleave(d_out, dim=2)).unsqueeze(2)
        if empty:  # the first block is written in place: K = (G ⊗ 1) ⊙ (D Dᵀ)
            torch.bmm(d_mat, d_mat.transpose(1, 2), out=kern)
            k4.mul_(g_rep)
            empty = False
            continue
        if work is None:
            work = torch.empty_like(kern)
        torch.bmm(d_mat, d_mat.transpose(1, 2), out=work)
        k4.addcmul_(work.view(m, n, d_out, r), g_rep)

    def jt(z: torch.Tensor) -> torch.Tensor:
        zz = z.reshape(m, n, d_out).to(dtype)
        parts = []
        for a_prev, delta in zip(acts, deltas, strict=True):
            e = torch.matmul(delta, zz.unsqueeze(-1)).squeeze(-1)  # (M, N, width_l)
            parts.append(torch.matmul(a_prev.transpose(1, 2), e).reshape(m, -1))
            if bias:
                parts.append(e.sum(1))
        return torch.cat(parts, dim=1)

    return kern, jt


def mlp_value_and_grad(params: Params, x: torch.Tensor, y: torch.Tensor, act: Activation, n_layers: int,
                       bias: bool, mode: str, margin: float = 1.0, *, weight: torch.Tensor | None = None,
                       out: Params | None = None, value: bool = True, work: dict[Any, torch.Tensor] | None = None
                       ) -> tuple[torch.Tensor | None, Params]:
    """Per-model squared-residual loss of an MLP and its gradient, by one hand-written backward pass.

    With ``h_l = a_{l−1} W_l (+ b_l)``, ``a_l = σ(h_l)`` and output ``F = h_L``, the loss of model ``m`` is
    ``ℓ_m = w_m ‖r_m‖²`` with the residuals of :func:`depthlab.engine.objective.residuals` (regression
    ``r = F − Y``; classification ``r = max(0, margin − y F)``, the squared hinge). Backpropagating the *residual*
    (not the identity, as :func:`mlp_backprop` does for Jacobians): ``e_L = ∂ℓ/∂F = 2 w r`` (classification
    ``−2 w r y``), ``∂ℓ/∂W_l = a_{l−1}ᵀ e_l``, ``∂ℓ/∂b_l = Σ_n e_l[n]``, ``e_{l−1} = σ'(h_{l−1}) ⊙ (e_l W_lᵀ)``
    (Rumelhart, Hinton & Williams, *Nature* 323, 1986). Cost: about three batched matrix products per layer,
    no autograd graph, no Jacobian.

    Args:
        params: stacked parameters ``W_l (M, fan_in, fan_out)``, ``b_l (M, fan_out)``.
        x: inputs ``(M, N, d_in)`` in the parameters' dtype; y: targets ``(M, N, d_out)``.
        act: the hidden activation; n_layers, bias: the MLP (see :func:`depthlab.engine.families.mlp`).
        mode: ``"regression"`` or ``"classification"`` (one output, labels ±1).
        margin: hinge margin (classification).
        weight: per-model loss weights ``(M,)`` (default 1).
        out: optional contiguous buffers with the parameters' keys and shapes; gradients are written there.
        value: compute the loss (``False``: the gradient only, ``loss`` is ``None``; Adam's hot path).
        work: optional dict for scratch buffers (activations, back-propagated errors), filled on the first call
            and reused by later calls with the same shapes (Adam passes one per stage: no fresh allocations, no
            page faults, per step).

    Returns:
        ``(loss, grads)``: ``loss`` ``(M,)`` and ``grads[k]`` of ``params[k]``'s shape (``out`` when given).
    """
    if torch.is_grad_enabled():  # never record a graph (a check, not a decorator: this is the hot path)
        with torch.no_grad():
            return mlp_value_and_grad(params, x, y, act, n_layers, bias, mode, margin, weight=weight, out=out,
                                      value=value, work=work)
    in_place = act.base in _FROM_OUTPUT  # σ computed in place; σ' from a = σ(h) alone (no h kept)
    m, n = x.shape[0], x.shape[1]
    acts = [x]
    pres: list[torch.Tensor | None] = []
    h = x
    for k in range(1, n_layers + 1):
        w_k = params[f"W{k}"]
        buf = _scratch(work, ("h", k), (m, n, w_k.shape[-1]), w_k)
        h = (torch.baddbmm(params[f"b{k}"].unsqueeze(1), h, w_k, out=buf) if bias
             else torch.bmm(h, w_k, out=buf))
        if k < n_layers:
            if in_place:
                pres.append(None)
                h = _activate_(h, act)
            else:
                pres.append(h)
                h = act.torch_fn(h)
            acts.append(h)
    if mode == "classification":
        r = torch.relu(margin - y * h)
        e = r * y
        two = -2.0
    else:
        r = h.sub_(y)  # the output buffer is ours: residuals in place
        e = r
        two = 2.0
    loss = (r * r).sum((1, 2)) if value else None  # before e (which may be r itself) is scaled in place
    if weight is None:
        e = e.mul_(two)
    else:
        if loss is not None:
            loss = loss * weight
        e = e.mul_((two * weight).view(-1, 1, 1))
    grads: Params = {} if out is None else out
    for k in range(n_layers, 0, -1):
        a_prev = acts[k - 1].transpose(1, 2)
        if out is None:
            grads[f"W{k}"] = torch.bmm(a_prev, e)
        else:
            torch.bmm(a_prev, e, out=out[f"W{k}"])
        if bias:
            if out is None:
                grads[f"b{k}"] = e.sum(1)
            else:
                torch.sum(e, 1, out=out[f"b{k}"])
        if k > 1:  # acts[k − 1] (a hidden activation, ours) is not needed after this: it may be overwritten
            w_k = params[f"W{k}"]
            back = torch.bmm(e, w_k.transpose(1, 2), out=_scratch(work, ("e", k), (m, n, w_k.shape[1]), w_k))
            e = _times_derivative_(back, act, pres[k - 2], acts[k - 1])
    return loss, grads


def _scratch(work: dict[Any, torch.Tensor] | None, key: Any, shape: tuple[int, ...],
             like: torch.Tensor) -> torch.Tensor | None:
    """The scratch buffer ``key`` of ``work`` with this shape (made on first use); ``None`` without ``work``."""
    if work is None:
        return None
    buf = work.get(key)
    if buf is None or tuple(buf.shape) != shape or buf.dtype != like.dtype or buf.device != like.device:
        buf = work[key] = torch.empty(shape, dtype=like.dtype, device=like.device)
    return buf


#: Activations whose derivative is a function of their output ``a = σ(h)``: computed in place, ``h`` not kept.
_FROM_OUTPUT = ("linear", "tanh", "sigmoid", "relu", "leaky_relu")


def _activate_(h: torch.Tensor, act: Activation) -> torch.Tensor:
    """``σ(h)`` in ``h``'s own memory, for the activations of :data:`_FROM_OUTPUT` (the same values as
    ``act.torch_fn``)."""
    base = act.base
    if base == "tanh":
        return h.tanh_()
    if base == "sigmoid":
        return h.sigmoid_()
    if base == "relu":
        return h.relu_()
    if base == "leaky_relu":
        return torch.nn.functional.leaky_relu_(h, act.slope)
    return h  # linear


def _times_derivative_(back: torch.Tensor, act: Activation, h: torch.Tensor | None, a: torch.Tensor
                       ) -> torch.Tensor:
    """``back ⊙ σ'(h)`` with ``a = σ(h)``, in place in ``back`` (and ``a``, which the caller no longer needs);
    ``h`` is ``None`` for the activations of :data:`_FROM_OUTPUT`."""
    base = act.base
    if base == "linear":
        return back
    if base == "tanh":  # σ' = 1 − a²: back − back·a²
        return back.addcmul_(back, a.mul_(a), value=-1.0)
    if base == "sigmoid":  # σ' = a (1 − a): back·a − (back·a)·a
        t = back.mul_(a)
        return t.addcmul_(t, a, value=-1.0)
    if base == "relu":  # σ' = [h > 0] = [a > 0] (0 at the kink, as autograd)
        return back.masked_fill_(a <= 0, 0.0)
    if base == "leaky_relu":  # σ' = 1 where h > 0 (⇔ a > 0), the slope elsewhere
        return torch.where(a > 0, back, back * act.slope)
    return back.mul_(act.derivative(h, a))
