"""Matrix-exponential networks as pure functions of their weights.

Depth-L network (Gai & Zhang, arXiv 2407.02540, for L = 3)::

    f(X) = W_L · expm(W_{L−1} · expm( … expm(W_1 · X) … ))

with X and every W_k complex d×d and expm the matrix exponential. L = 1 is the linear map W_1·X; L = 3 is the
paper's three-layer network f(X) = W3·expm(W2·expm(W1·X)).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.linalg as sla
import torch


def forward(x: np.ndarray, weights: Sequence[np.ndarray]) -> np.ndarray:
    """Depth-``len(weights)`` network at one input (SciPy ``expm``), complex128.

    Args:
        x: input, shape ``(d, d)``.
        weights: ``(W_1, …, W_L)``, each ``(d, d)``.

    Returns:
        f(x), shape ``(d, d)``; non-finite where an exponential overflowed.
    """
    z = weights[0] @ x
    with np.errstate(all="ignore"):
        for w in weights[1:]:
            z = w @ sla.expm(z)
    return z


def forward_torch(x: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """Batched depth-L network.

    Args:
        x: inputs, shape ``(..., n, d, d)`` (n inputs per model).
        weights: stacked weights, shape ``(..., L, d, d)`` (broadcast against ``x``'s leading axes).

    Returns:
        outputs, shape ``(..., n, d, d)``.
    """
    w = weights.unsqueeze(-4)  # (..., 1, L, d, d): the same weights for every input
    z = w[..., 0, :, :] @ x
    for k in range(1, weights.shape[-3]):
        z = w[..., k, :, :] @ torch.linalg.matrix_exp(z)
    return z


def expm_frechet_factors(z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Factors of the Daleckii–Krein form of the Fréchet derivative of expm at ``z``.

    For diagonalisable ``Z = V diag(λ) V⁻¹``, ``L_exp(Z, E) = V (Φ ∘ (V⁻¹ E V)) V⁻¹`` with divided differences
    ``Φ_rs = (e^{λ_r} − e^{λ_s})/(λ_r − λ_s)`` (``e^{λ_r}`` on the diagonal) (Higham, *Functions of Matrices*,
    SIAM 2008, Thm. 3.11); written as ``e^{λ_s}·expm1(λ_r − λ_s)/(λ_r − λ_s)`` for accuracy at close eigenvalues.
    Random complex matrices are diagonalisable with probability one.

    Args:
        z: ``(..., d, d)`` complex.

    Returns:
        ``(V, V⁻¹, Φ)``, each ``(..., d, d)``.
    """
    lam, v = torch.linalg.eig(z)
    vinv = torch.linalg.inv_ex(v)[0]
    delta = lam[..., :, None] - lam[..., None, :]
    small = delta.abs() < 1e-12
    ratio = torch.where(small, torch.ones_like(delta), torch.expm1(delta) / torch.where(small, 1, delta))
    phi = torch.exp(lam)[..., None, :] * ratio
    return v, vinv, phi


def jacobian_torch(x: torch.Tensor, weights: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Outputs and holomorphic Jacobian of the depth-L network, by forward propagation of all ``L·d²`` tangents.

    ``f`` is holomorphic in the weights, so one complex Jacobian ``J = ∂f/∂W`` carries the whole real
    derivative (``∂f/∂W̄ = 0``). Layer k's own directions are ``dZ_k = E_ab H_{k−1}``; earlier directions pass
    through ``dH_k = L_exp(Z_k, dZ_k)`` (:func:`expm_frechet_factors`) and ``dZ_{k+1} = W_{k+1} dH_k``.

    Args:
        x: ``(M, n, d, d)`` complex inputs.
        weights: ``(M, L, d, d)`` complex weights.

    Returns:
        ``(F, J)``: outputs ``F`` ``(M, n, d, d)``; ``J`` ``(M, n·d·d, L·d·d)`` with
        ``J[m, (i, r, c), (k, a, b)] = ∂F_i[r, c]/∂W_k[a, b]`` (row-major index order).
    """
    m, n, d, _ = x.shape
    depth = weights.shape[1]
    eye = torch.eye(d, dtype=x.dtype, device=x.device)
    h = x  # H_0 = X
    z = None
    tangent = None  # (M, n, directions so far, d, d)
    for k in range(depth):
        wk = weights[:, k][:, None]  # (M, 1, d, d)
        if k > 0:
            v, vinv, phi = expm_frechet_factors(z)
            h = torch.linalg.matrix_exp(z)
            g = vinv[:, :, None] @ tangent @ v[:, :, None]
            tangent = wk[:, :, None] @ (v[:, :, None] @ (phi[:, :, None] * g) @ vinv[:, :, None])
        own = torch.einsum("ar,mibc->miabrc", eye, h).reshape(m, n, d * d, d, d)  # row a of dZ = row b of H
        tangent = own if tangent is None else torch.cat([tangent, own], dim=2)
        z = wk @ h
    return z, tangent.permute(0, 1, 3, 4, 2).reshape(m, n * d * d, depth * d * d)
