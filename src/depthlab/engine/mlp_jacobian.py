"""Closed-form stacked Jacobians of real MLP residuals (a fast path for the Levenberg–Marquardt stage).

Added by the capacity study (issue #3) as a separate module: the generic :func:`depthlab.engine.lm.stacked_jacobian`
uses ``torch.func`` (R reverse passes under ``vmap``), which on a CPU costs ~0.5 s per LM iteration for 64 models
of d = 8, L = 2; the closed form below is a handful of batched matmuls (about 100× faster there).

For ``h_0 = x``, ``z_l = h_{l−1} W_l (+ b_l)``, ``h_l = σ(z_l)`` (l < L), ``F = z_L`` and residual ``r = F − Y``:

    ∂F[n, k] / ∂W_l[i, j] = h_{l−1}[n, i] · δ_l[n, k, j],      ∂F[n, k] / ∂b_l[j] = δ_l[n, k, j],
    δ_L[n, k, j] = 1{k = j},      δ_l = (δ_{l+1} W_{l+1}ᵀ) ⊙ σ'(z_l).

(backpropagation, written per output). Classification residuals ``max(0, margin − y F)`` have Jacobian
``−y · 1{margin − y F > 0} · ∂F``. Columns follow :func:`depthlab.engine.objective.flatten` (parameters in
``family.shapes`` order, each row-major), rows follow :func:`depthlab.engine.objective.residuals`.
"""

from __future__ import annotations

import torch

from depthlab.engine.families import Family


def _dsigma(name: str, z: torch.Tensor, h: torch.Tensor, negative_slope: float) -> torch.Tensor:
    if name == "relu":
        return (z > 0).to(z.dtype)
    if name == "leaky_relu":
        return torch.where(z > 0, torch.ones_like(z), torch.full_like(z, negative_slope))
    if name == "sigmoid":
        return h * (1 - h)
    if name == "tanh":
        return 1 - h * h
    return torch.ones_like(z)


def supports(family: Family) -> bool:
    """True for real MLP families built by :func:`depthlab.engine.mlp` (and ``square_mlp``/``perceptron``)."""
    cfg = family.config
    return (cfg.get("family") == "mlp" and not family.complex_inputs
            and cfg.get("activation") in ("relu", "leaky_relu", "sigmoid", "tanh", "linear"))


def mlp_jacobian(family: Family, theta: torch.Tensor, x: torch.Tensor, y: torch.Tensor, mode: str,
                 margin: float = 1.0) -> torch.Tensor:
    """Per-model Jacobians ``(M, R, P)`` of the residuals of an MLP family, in closed form.

    Args:
        family: a family with :func:`supports` true.
        theta: flat parameters ``(M, P)``.
        x: inputs ``(M, N, d_in)``; y: targets ``(M, N, d_out)``.
        mode: ``"regression"`` or ``"classification"``.
        margin: hinge margin (classification).

    Returns:
        ``J`` with ``J[m] = ∂r_m/∂θ_m``, the same as the autodiff Jacobian.
    """
    cfg = family.config
    widths = list(cfg["widths"])
    dims = [cfg["d_in"], *widths, cfg["d_out"]]
    n_layers = len(dims) - 1
    bias = bool(cfg["bias"])
    act = cfg["activation"]
    slope = float(cfg.get("negative_slope", 0.01))
    m, n = x.shape[0], x.shape[1]
    x = x.to(theta.dtype)
    # unflatten (views)
    params: dict[str, torch.Tensor] = {}
    start = 0
    for name, shape in family.shapes.items():
        size = 1
        for s in shape:
            size *= s
        params[name] = theta[:, start:start + size].reshape(m, *shape)
        start += size
    hs = [x]
    ders = []
    h = x
    for k in range(1, n_layers + 1):
        z = torch.matmul(h, params[f"W{k}"])
        if bias:
            z = z + params[f"b{k}"].unsqueeze(1)
        if k < n_layers:
            h = _activation(act, z, slope)
            ders.append(_dsigma(act, z, h, slope))
            hs.append(h)
        else:
            h = z
    out = h  # (M, N, d_out)
    d_out = dims[-1]
    eye = torch.eye(d_out, dtype=theta.dtype, device=theta.device)
    delta = eye.expand(m, n, d_out, d_out)  # (M, N, k, j) for the last layer
    blocks: dict[str, torch.Tensor] = {}
    for k in range(n_layers, 0, -1):
        h_prev = hs[k - 1]  # (M, N, fan_in)
        # (M, N, k_out, fan_in, fan_out)
        blocks[f"W{k}"] = (h_prev[:, :, None, :, None] * delta[:, :, :, None, :]).reshape(m, n * d_out, -1)
        if bias:
            blocks[f"b{k}"] = delta.reshape(m, n * d_out, -1)
        if k > 1:
            delta = torch.matmul(delta, params[f"W{k}"].transpose(1, 2).unsqueeze(1)) * ders[k - 2].unsqueeze(2)
    jac = torch.cat([blocks[name] for name in family.shapes], dim=2)
    if mode == "classification":
        yv = y.reshape(m, -1).to(theta.dtype)
        active = (margin - yv * out.reshape(m, -1)) > 0
        jac = jac * (-yv * active.to(theta.dtype)).unsqueeze(2)
    return jac


def _activation(name: str, z: torch.Tensor, slope: float) -> torch.Tensor:
    if name == "relu":
        return torch.relu(z)
    if name == "leaky_relu":
        return torch.nn.functional.leaky_relu(z, slope)
    if name == "sigmoid":
        return torch.sigmoid(z)
    if name == "tanh":
        return torch.tanh(z)
    return z
