"""The closed-form MLP Jacobian (capacity's addition to the engine) equals the autodiff Jacobian.

Tolerance: both are float64 evaluations of the same sums of products of O(1) numbers, so they agree to a few
ulps (≤ 1e-12 absolute here).
"""

from __future__ import annotations

import pytest
import torch

from depthlab.engine import mlp, perceptron, square_mlp
from depthlab.engine.lm import stacked_jacobian
from depthlab.engine.mlp_jacobian import mlp_jacobian, supports
from depthlab.engine.objective import flatten, residuals


@pytest.mark.parametrize(("family", "mode"), [
    (square_mlp(6, 2, "tanh"), "regression"),
    (square_mlp(5, 3, "relu", bias=True), "regression"),
    (mlp(4, (6, 3), 2, "sigmoid", bias=True), "regression"),
    (mlp(4, (6,), 2, "leaky_relu"), "regression"),
    (square_mlp(4, 1, "linear", bias=True), "regression"),
    (perceptron(5), "classification"),
    (mlp(5, (4,), 1, "tanh", bias=True), "classification"),
])
def test_matches_autodiff(family, mode) -> None:
    g = torch.Generator().manual_seed(0)
    m, n = 5, 7
    x = torch.randn(m, n, family.in_shape[0], dtype=torch.float64, generator=g)
    y = torch.randn(m, n, family.out_shape[0], dtype=torch.float64, generator=g)
    if mode == "classification":
        y = torch.sign(y)
    theta = flatten(family.initial("jac-test", range(m)), family)
    n_res = n * (1 if mode == "classification" else family.out_shape[0])
    auto = stacked_jacobian(lambda t: residuals(family, t, x, y, mode), theta, n_res)
    closed = mlp_jacobian(family, theta, x, y, mode)
    assert supports(family)
    assert closed.shape == auto.shape
    assert (closed - auto).abs().max().item() <= 1e-12
