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
