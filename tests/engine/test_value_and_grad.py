"""The MLP's hand-written loss gradient (the Adam hot path) equals autograd's, and Adam uses it correctly."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from depthlab.engine import ACTIVATIONS, FitConfig, fit, mlp, sampler_for, square_mlp
from depthlab.engine.adam import adam_stage, pack, take, unpack, views
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
    work: dict = {}
    for _ in range(2):  # scratch buffers made on the first call, reused on the second
        none, _ = fam.value_and_grad(unflatten(theta, fam), x, y, mode, margin, weight=weight, out=out,
                                     value=False, work=work)
        assert none is None
        for k in grads:
            assert torch.equal(out[k], grads[k])
    assert work or fam.config["widths"] == []


def test_block_major_storage_round_trips() -> None:
    fam = mlp(3, (4,), 2, "tanh", bias=True)
    theta = torch.arange(5 * fam.n_params, dtype=torch.float64).reshape(5, -1)
    buf = pack(theta, fam)
    assert torch.equal(unpack(buf, 5, fam), theta)
    for name, v in views(buf, 5, fam).items():
        assert v.is_contiguous() and torch.equal(v, unflatten(theta, fam)[name])
    keep = torch.tensor([True, False, True, True, False])
    assert torch.equal(unpack(take(buf, keep, fam), 3, fam), theta[keep])


@pytest.mark.parametrize("mode", ["regression", "classification"])
def test_adam_hot_path_matches_autograd_fallback(mode: str) -> None:
    """Same iterates (float64) with the hook and with the autograd fallback (the hook removed)."""
    fam = mlp(4, (6,), 1 if mode == "classification" else 2, "tanh", bias=True)
    theta, x, y = _data(fam, mode)
    cfg = FitConfig(mode=mode, stages=("adam",), adam_steps=60, adam_dtype="float64", check_every=7,
                    adam_switch_tol=1e-300)
    fast, steps_fast = adam_stage(fam, theta, x, y, cfg)
    slow, steps_slow = adam_stage(dataclasses.replace(fam, value_and_grad=None), theta, x, y, cfg)
    assert torch.equal(steps_fast, steps_slow)
    torch.testing.assert_close(fast, slow, rtol=1e-9, atol=1e-11)


def test_adam_matches_plain_reference_loop() -> None:
    """The fused block-major update is Kingma & Ba's Algorithm 1 with the engine's learning-rate decay."""
    fam = square_mlp(3, 2, "tanh")
    x, y = sampler_for(fam, 4)("vg-ref", range(2))
    theta = flatten(fam.initial("vg-ref", range(2)), fam)
    cfg = FitConfig(stages=("adam",), adam_steps=40, adam_dtype="float64", adam_switch_tol=1e-300)
    got, _ = adam_stage(fam, theta, x, y, cfg)
    th, mom, var = theta.clone(), torch.zeros_like(theta), torch.zeros_like(theta)
    b1, b2 = cfg.adam_betas
    decay = cfg.adam_lr_final ** (1.0 / (cfg.adam_steps - 1))
    norm = y.reshape(2, -1).square().sum(1)
    for t in range(1, cfg.adam_steps + 1):
        lr = cfg.adam_lr * decay ** (t - 1)
        th.requires_grad_(True)
        loss = (residuals(fam, th, x, y, "regression").square().sum(1) / norm).sum()
        (g,) = torch.autograd.grad(loss, th)
        th = th.detach()
        mom = b1 * mom + (1 - b1) * g
        var = b2 * var + (1 - b2) * g * g
        th = th - lr / (1 - b1 ** t) * mom / ((var / (1 - b2 ** t)).sqrt() + cfg.adam_eps)
    torch.testing.assert_close(got, th, rtol=1e-10, atol=1e-12)


def test_non_finite_model_stops_with_its_starting_parameters() -> None:
    """A model that overflows stops at the next check with its starting parameters; the other models train
    exactly as they would alone."""
    fam = square_mlp(3, 2, "relu")
    x, y = sampler_for(fam, 4)("vg-inf", range(3))
    x = x.to(torch.float32)
    x[1] *= 1e30  # float32 outputs overflow at once
    theta = flatten(fam.initial("vg-inf", range(3)), fam)
    cfg = FitConfig(stages=("adam",), adam_steps=30, check_every=10, adam_switch_tol=1e-300)
    out, steps = adam_stage(fam, theta, x, y, cfg)
    assert steps.tolist() == [30, 10, 30]
    assert torch.equal(out[1], theta[1].to(torch.float32))
    keep = torch.tensor([0, 2])
    alone, _ = adam_stage(fam, theta[keep], x[keep], y[keep], cfg)
    torch.testing.assert_close(out[keep], alone, rtol=1e-6, atol=1e-7)


def test_fit_adam_then_lm_unchanged_by_hot_path() -> None:
    """``fit`` with Adam → LM gives the same certified results with and without the gradient hook."""
    fam = square_mlp(4, 2, "relu")
    sampler = sampler_for(fam, 3)
    cfg = FitConfig(stages=("adam", "lm"), adam_steps=300, adam_dtype="float64")
    a = fit(fam, sampler, key="vg-fit", indices=range(5), config=cfg)
    b = fit(dataclasses.replace(fam, value_and_grad=None), sampler, key="vg-fit", indices=range(5), config=cfg)
    np.testing.assert_array_equal(a.success, b.success)
    np.testing.assert_array_equal(a.adam_steps, b.adam_steps)
    np.testing.assert_allclose(a.rel_residual, b.rel_residual, rtol=1e-6, atol=1e-12)


def test_unfused_update_matches_the_fused_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    """The in-place fallback (a torch without ``_fused_adam_``) gives the fused kernel's iterates."""
    import depthlab.engine.adam as adam

    fam = mlp(3, (5,), 2, "tanh", bias=True)
    x, y = sampler_for(fam, 4)("vg-unfused", range(3))
    theta = flatten(fam.initial("vg-unfused", range(3)), fam)
    cfg = FitConfig(stages=("adam",), adam_steps=50, adam_dtype="float64", adam_switch_tol=1e-300)
    fused, _ = adam_stage(fam, theta, x, y, cfg)
    monkeypatch.setattr(adam, "_FUSED", False)
    plain, _ = adam_stage(fam, theta, x, y, cfg)
    torch.testing.assert_close(plain, fused, rtol=1e-10, atol=1e-12)
