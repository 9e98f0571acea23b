"""The MLP's hand-written loss gradient (the Adam hot path) equals autograd's."""

from __future__ import annotations

import pytest
import torch

from depthlab.engine import ACTIVATIONS, mlp
from depthlab.engine.objective import flatten, residuals, unflatten
from depthlab.seeding import stacked_normal

M, N = 3, 7


def _data(fam, mode: str) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    idx = [(i,) for i in range(M)]
    theta = flatten(fam.initial("vg", range(M)), fam)
    # non-zero biases (they start at 0) so that their terms are exercised
    theta = theta + 0.3 * stacked_normal("vg-shift", idx, (fam.n_params,))
    x = stacked_normal("vg-x", idx, (N, fam.in_shape[0]))
    if mode == "classification":
        y = torch.where(stacked_normal("vg-y", idx, (N, 1)) > 0, 1.0, -1.0).to(torch.float64)
    else:
        y = stacked_normal("vg-y", idx, (N, fam.out_shape[0]))
    return theta, x, y


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("mode", ["regression", "classification"])
def test_hand_gradient_equals_autograd(activation: str, bias: bool, mode: str) -> None:
    d_out = 1 if mode == "classification" else 3
    fam = mlp(4, (5, 6), d_out, activation, bias=bias, negative_slope=0.2, sharpness=2.0)
    theta, x, y = _data(fam, mode)
    # a margin at the median of y·f leaves about half the hinge terms active
    yf = (y * fam.forward(unflatten(theta, fam), x)).flatten()
    margin = float(yf.median()) + 1e-3 if mode == "classification" else 1.0
    weight = torch.tensor([1.0, 0.5, 2.0], dtype=torch.float64)
    th = theta.clone().requires_grad_(True)
    r = residuals(fam, th, x, y, mode, margin)
    want_loss = r.square().sum(1) * weight
    (want,) = torch.autograd.grad(want_loss.sum(), th)
    loss, grads = fam.value_and_grad(unflatten(theta, fam), x, y, mode, margin, weight=weight)
    got = flatten(grads, fam)
    if mode == "classification":
        assert (r > 0).any() and (r == 0).any()
    # float64, same maths, different summation order: agreement to rounding
    torch.testing.assert_close(loss, want_loss.detach(), rtol=1e-13, atol=0.0)
    torch.testing.assert_close(got, want, rtol=1e-12, atol=1e-13 * float(want.abs().max()))
    # into caller-supplied buffers
    out = {k: torch.empty_like(v) for k, v in grads.items()}
    fam.value_and_grad(unflatten(theta, fam), x, y, mode, margin, weight=weight, out=out)
    for k in grads:
        assert torch.equal(out[k], grads[k])
