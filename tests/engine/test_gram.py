"""The MLP Gauss–Newton kernel hook: JJᵀ and Jᵀz without forming J agree with the explicit Jacobian."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from depthlab.engine import FitConfig, fit, mlp
from depthlab.engine.families import mlp_jacobian, resolve_activation
from depthlab.engine.gram import mlp_gauss_newton
from depthlab.seeding import stacked_normal


@pytest.mark.parametrize(
    ("widths", "activation", "bias"),
    [((5,), "tanh", False), ((4, 6), "sigmoid", True), ((5, 5, 3), "relu", True), ((), "linear", False),
     ((3,), "leaky_relu", False)],
)
def test_kernel_matches_explicit_jacobian(widths, activation, bias) -> None:
    fam = mlp(4, widths, 3, activation, bias=bias)
    params = fam.initial("gram", range(3))
    if bias:  # non-zero biases so their Gram term is exercised
        params = {k: v + 0.3 if k.startswith("b") else v for k, v in params.items()}
    x = stacked_normal("gram-x", [(i,) for i in range(3)], (7, 4))
    n_layers = len(widths) + 1
    act = resolve_activation(activation, 0.01)
    jac = mlp_jacobian(params, x, act, n_layers, bias)
    kern, jt = mlp_gauss_newton(params, x, act, n_layers, bias)
    want = jac @ jac.transpose(1, 2)
    # float64 sums of O(P) products: agreement to ~1e-13 relative (rounding only, the maths is identical)
    assert torch.allclose(kern, want, rtol=1e-11, atol=1e-12 * want.abs().max())
    z = stacked_normal("gram-z", [(i,) for i in range(3)], (jac.shape[1],))
    jtz = (z.unsqueeze(1) @ jac).squeeze(1)
    assert torch.allclose(jt(z), jtz, rtol=1e-11, atol=1e-12 * jtz.abs().max())


def test_lm_with_kernel_matches_jacobian_path() -> None:
    # d = 4, L = 2 tanh with N = 6 points: P = 32 > R = 24, so LM takes dual-form steps
    fam = mlp(4, (4,), 4, "tanh")
    x = stacked_normal("gram-data", [(i,) for i in range(6)], (6, 8))
    xs, ys = x[..., :4].contiguous(), x[..., 4:].contiguous()
    cfg = FitConfig(lm_steps=40)
    fast = fit(fam, (xs, ys), key="gram", config=cfg, device="cpu")
    slow = fit(fam, (xs, ys), key="gram", config=dataclasses.replace(cfg, lm_gauss_newton=False), device="cpu")
    assert (fast.success == slow.success).all() and fast.success.any()
    assert (fast.lm_steps == slow.lm_steps).all()
    for k in fast.params:  # same iterates up to the rounding of two summation orders
        assert torch.allclose(fast.params[k], slow.params[k], rtol=1e-6, atol=1e-8)
