"""Sigmoid with biases, by the exact reparametrisation of the tanh construction (:mod:`depthlab.engine.unitwise`).

``tanh(z) = 2σ(2z) − 1`` with the logistic ``σ(z) = 1 / (1 + e^{−z})`` (e.g. Goodfellow, Bengio & Courville,
*Deep Learning*, 2016, §6.3.2, "Logistic sigmoid and hyperbolic tangent"), so every two-layer tanh net with biases
is a sigmoid net with biases and conversely:

    tanh(X W1 + 1b1ᵀ) W2 + 1b2ᵀ = σ(X (2W1) + 1(2b1)ᵀ) (2W2) + 1(b2 − W2ᵀ1)ᵀ.

The two families fit the same data sets (at every depth: each hidden layer's affine shift is absorbed by the next
layer's bias), so the tanh construction with biases builds the sigmoid fits. The output layer of the sigmoid net
is re-solved by the family's least squares on ``[σ(X W1' + 1b1'ᵀ), 1]``, whose column span is that of
``[tanh(X W1 + 1b1ᵀ), 1]``, and the residual is the sigmoid net's own. Without biases the identity leaves an
output shift ``1(W2ᵀ1)ᵀ`` tied to ``W2`` that no bias absorbs, and the stage refuses the family.
"""

from __future__ import annotations

import torch

from depthlab.engine.families import mlp
from depthlab.engine.unitwise.common import STATUS, UnitwiseSettings, network
from depthlab.engine.unitwise.tanh import tanh_unitwise


def sigmoid_unitwise(x: torch.Tensor, y: torch.Tensor, s: UnitwiseSettings) -> dict[str, torch.Tensor]:
    """The sigmoid net with biases from the tanh construction for models ``x``, ``y`` ``(M, N, d)`` float64.

    Returns:
        as :func:`~depthlab.engine.unitwise.tanh.tanh_unitwise`, with the sigmoid net's ``w1, b1`` (twice the tanh
        net's), its least-squares ``w2, b2`` and its relative ``residual``; ``status`` ``"fit"`` where the tanh
        construction found d independent units.
    """
    out = tanh_unitwise(x, y, s, bias=True)
    d = y.shape[-1]
    family = mlp(d, (d,), d, "sigmoid", bias=True)
    params, rel = network(family, x, y, 2 * out["w1"], 2 * out["b1"])
    found = out["status"] == STATUS["fit"]
    out.update(w1=params["W1"], b1=params["b1"], w2=params["W2"], b2=params["b2"],
               residual=torch.where(found, rel, out["residual"]))
    return out
