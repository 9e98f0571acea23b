"""The complex matrix-exponential networks of Gai & Zhang (arXiv 2407.02540) as an engine family.

``f(X) = W_L · expm(W_{L−1} · expm( … expm(W_1 · X) … ))`` with complex ``d×d`` inputs and weights; the
forward map is :func:`depthlab.matexp.theory.network.forward_torch` (not copied here).

**Real pairs.** The engine optimises real parameters ``θ`` ``(M, P)``, so each complex weight is stored as its
real and imaginary parts: ``w_re`` then ``w_im``, each ``(L, d, d)`` per model (``P = 2·L·d²``); complex
outputs are compared with complex targets through their real and imaginary parts (``R = 2·n·d²`` real
residuals, ``torch.view_as_real`` order). Because ``f`` is holomorphic in ``W = A + iB``, ``∂f/∂A = J`` and
``∂f/∂B = iJ`` for the one complex Jacobian ``J`` (:func:`~depthlab.matexp.theory.network.jacobian_torch`,
Daleckii–Krein), so the real Jacobian is ``[[Re J, −Im J], [Im J, Re J]]`` (rows interleaved re/im). Its
Gauss–Newton matrix is the real representation of ``JᴴJ``: a real Levenberg–Marquardt step on ``(A, B)``
is exactly the complex step ``(JᴴJ + λI) δW = −Jᴴr`` on ``W`` (same λ), at about twice the arithmetic.
"""

from __future__ import annotations

import math

import torch

from depthlab.engine.families import Family, Params, register_family
from depthlab.matexp.theory.network import forward_torch, jacobian_torch
from depthlab.validate import finite_float, positive_int


def complex_weights(params: Params) -> torch.Tensor:
    """``(M, L, d, d)`` complex weights from the family's real pairs ``w_re``, ``w_im``."""
    return torch.complex(params["w_re"], params["w_im"])


def real_pair_jacobian(jac: torch.Tensor) -> torch.Tensor:
    """The real Jacobian of a holomorphic map from its complex Jacobian.

    Args:
        jac: ``(M, R, P)`` complex, ``∂F_q/∂W_p``.

    Returns:
        ``(M, 2R, 2P)`` real: row ``2q`` is ``Re F_q``, row ``2q + 1`` is ``Im F_q``; columns ``p`` are
        ``Re W_p``, columns ``P + p`` are ``Im W_p`` (the engine's ``w_re``, ``w_im`` order).
    """
    m, r, p = jac.shape
    d_re = torch.view_as_real(jac).permute(0, 1, 3, 2)  # (M, R, 2, P): ∂(Re F, Im F)/∂A = (Re J, Im J)
    d_im = torch.view_as_real(1j * jac).permute(0, 1, 3, 2)  # ∂(Re F, Im F)/∂B = (−Im J, Re J)
    return torch.cat([d_re, d_im], dim=3).reshape(m, 2 * r, 2 * p)


@torch.no_grad()
def matexp_jacobian(params: Params, x: torch.Tensor) -> torch.Tensor:
    """The family's ``jacobian`` hook: ``(M, 2·n·d², 2·L·d²)`` real Jacobian of the real-split outputs."""
    return real_pair_jacobian(jacobian_torch(x, complex_weights(params))[1])


@torch.no_grad()
def matexp_readout(params: Params, x: torch.Tensor, y: torch.Tensor) -> Params:
    """The family's ``readout`` hook: ``W_L`` by least squares on the last hidden matrices.

    ``W_L [H_1 … H_n] = [Y_1 … Y_n]`` with ``H_i = expm(W_{L−1} ⋯ expm(W_1 X_i))``, solved per model as
    ``[H]ᵀ W_Lᵀ = [Y]ᵀ`` (minimum norm; exact when n = 1 and H_1 is invertible). A model whose hidden
    exponentials overflow, or whose solution is not finite, keeps its ``W_L``.
    """
    w = complex_weights(params).clone()
    m, n, d = x.shape[0], x.shape[1], x.shape[-1]
    h = x.to(w.dtype)
    for k in range(w.shape[1] - 1):
        h = torch.linalg.matrix_exp(w[:, k][:, None] @ h)
    hcat = h.permute(0, 2, 1, 3).reshape(m, d, n * d)  # [H_1 … H_n], (M, d, n·d)
    ycat = y.to(w.dtype).permute(0, 2, 1, 3).reshape(m, d, n * d)
    finite = torch.isfinite(torch.view_as_real(hcat)).flatten(1).all(dim=-1)
    hcat = torch.where(finite[:, None, None], hcat, torch.zeros_like(hcat))
    driver = "gelsd" if x.device.type == "cpu" else None
    sol = torch.linalg.lstsq(hcat.mT, ycat.mT, driver=driver).solution.mT
    ok = finite & torch.isfinite(torch.view_as_real(sol)).flatten(1).all(dim=-1)
    w[:, -1] = torch.where(ok[:, None, None], sol, w[:, -1])
    return {"w_re": w.real.contiguous(), "w_im": w.imag.contiguous()}


def matexp_net(d: int, depth: int = 3, *, init_scale: float | None = None) -> Family:
    """Depth-``depth`` matrix-exponential network on complex ``d×d`` inputs.

    Inputs ``X`` are ``(M, N, d, d)`` complex, outputs ``(M, N, d, d)`` complex. Weights start ``CN(0, s²)``
    entrywise with ``s = init_scale`` (default ``1/√d``, so ``W·X`` stays O(1) for O(1)-entry inputs).
    Hooks: ``jacobian`` (:func:`matexp_jacobian`, Daleckii–Krein, in real pairs) and ``readout``
    (:func:`matexp_readout`, least-squares ``W_L``).

    Raises:
        ConfigError: ``d < 1`` or ``depth < 1``.
    """
    d = positive_int(d, "matrix size d")
    depth = positive_int(depth, "depth")
    s = 1.0 / math.sqrt(d) if init_scale is None else finite_float(init_scale, "init_scale", low=0.0)
    shapes = {"w_re": (depth, d, d), "w_im": (depth, d, d)}
    scales = {"w_re": s / math.sqrt(2.0), "w_im": s / math.sqrt(2.0)}

    def forward(params: Params, x: torch.Tensor) -> torch.Tensor:
        return forward_torch(x, complex_weights(params))

    config = {"family": "matexp", "d": d, "depth": depth, "init_scale": s}
    return Family(name="matexp", shapes=shapes, forward=forward, in_shape=(d, d), out_shape=(d, d),
                  init_scales=scales, smooth=True, complex_inputs=True, act_per_point=4 * depth * d * d,
                  config=config, jacobian=matexp_jacobian, readout=matexp_readout)


register_family("matexp", matexp_net)
