"""The engine on tiny problems with known answers: linear capacity, N ≤ d fits, complex families."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from depthlab.engine import FitConfig, fit, sampler_for, square_mlp
from depthlab.engine.objective import flatten
from depthlab.matexp.family import matexp_net

TOL = 1e-8  # the exact-fit threshold on the float64 relative residual


@pytest.mark.parametrize("d", [3, 6])
def test_linear_net_fits_exactly_d_points(d):
    fam = square_mlp(d, 1, "linear")
    res = fit(fam, sampler_for(fam, d), key="lin", indices=range(8))
    assert res.success.all()
    assert res.rel_residual.max() < 1e-10


@pytest.mark.parametrize("d", [3, 6])
def test_linear_net_never_fits_d_plus_one_points(d):
    """y = W x has d² parameters for d(d+1) equations: generic data leave the least-squares residual of
    ``lstsq``; the engine must reach exactly that optimum (relative agreement 1e-6) and report failure."""
    fam = square_mlp(d, 1, "linear")
    sampler = sampler_for(fam, d + 1)
    res = fit(fam, sampler, key="lin", indices=range(8))
    assert not res.success.any()
    x, y = sampler("lin", range(8))
    for m in range(8):
        w, *_ = np.linalg.lstsq(x[m].numpy(), y[m].numpy(), rcond=None)
        best = np.linalg.norm(x[m].numpy() @ w - y[m].numpy()) / np.linalg.norm(y[m].numpy())
        assert best > 1e-3
        assert res.rel_residual[m] == pytest.approx(best, rel=1e-6)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu", "leaky_relu"])
@pytest.mark.parametrize("n", [2, 4])
def test_two_layer_net_fits_n_le_d_points(activation, n):
    """With N ≤ d generic points a 2-layer square net fits: already W2 alone can (σ(W1 X) has full rank)."""
    fam = square_mlp(4, 2, activation)
    res = fit(fam, sampler_for(fam, n), key=f"small-{activation}", indices=range(6))
    assert res.success.all(), res.rel_residual
    assert res.rel_residual.max() <= TOL


def test_adam_stage_alone_fits_overparameterised_relu():
    """Adam (float32) then the float64 LM polish certifies exact ReLU fits."""
    fam = square_mlp(4, 2, "relu")
    cfg = FitConfig(stages=("adam", "lm"), adam_steps=1500)
    res = fit(fam, sampler_for(fam, 3), key="adam", indices=range(6), config=cfg)
    assert res.success.all(), res.rel_residual
    assert (res.adam_steps > 0).all()


def test_adam_reaches_switch_tolerance_in_float32():
    fam = square_mlp(4, 2, "tanh")
    cfg = FitConfig(stages=("adam",), adam_steps=3000, adam_switch_tol=1e-4, tol=1e-4)
    res = fit(fam, sampler_for(fam, 2), key="adam32", indices=range(4), config=cfg)
    assert res.success.all(), res.rel_residual
    assert (res.adam_steps < 3000).all()  # per-model stopping happened


def test_tensor_data_and_biases():
    fam = square_mlp(3, 2, "tanh", bias=True)
    x = torch.randn(5, 4, 3, dtype=torch.float64)
    y = torch.randn(5, 4, 3, dtype=torch.float64)
    res = fit(fam, (x, y), key="tensors")
    assert res.success.all()
    out = fam.forward(res.params, x)
    rel = (out - y).flatten(1).norm(dim=1) / y.flatten(1).norm(dim=1)
    np.testing.assert_allclose(rel.numpy(), res.rel_residual, rtol=1e-10)


def test_matexp_family_fits_one_point():
    """A depth-2 matrix-exponential net fits one complex 2×2 data point (8 real equations, 16 parameters)."""
    fam = matexp_net(2, depth=2)
    res = fit(fam, sampler_for(fam, 1), key="mx", indices=range(3))
    assert res.success.all(), res.rel_residual


def test_all_finite_fast_path_is_exact():
    """The sum shortcut never changes the answer: NaN / ±Inf entries are caught, and finite entries whose sum
    overflows (float32 3e38 + 3e38 = Inf) fall back to the elementwise test and pass."""
    from depthlab.engine.fit import all_finite

    assert all_finite(torch.ones(3, 4))
    assert all_finite(torch.tensor([3e38, 3e38], dtype=torch.float32))
    for bad in (float("nan"), float("inf"), -float("inf")):
        t = torch.zeros(5, 7)
        t[2, 3] = bad
        assert not all_finite(t)
    t = torch.tensor([float("inf"), -float("inf")])
    assert not all_finite(t)


def test_certify_in_slices_equals_whole(monkeypatch):
    """certify works on slices of models beyond CERTIFY_SLICE_BYTES; models are independent, so the results
    are the same bits as one call over all models."""
    from depthlab.engine import objective

    fam = square_mlp(4, 2, "tanh")
    x, y = sampler_for(fam, 6)("slices", range(7))
    th = flatten(fam.initial("slices", range(7)), fam)
    whole = objective.certify(fam, th, x, y, "regression", 1e-8)
    monkeypatch.setattr(objective, "CERTIFY_SLICE_BYTES", 2 * x[0].numel() * 8)  # 2 models per slice
    sliced = objective.certify(fam, th, x, y, "regression", 1e-8)
    for a, b in zip(whole, sliced, strict=True):
        assert torch.equal(a.nan_to_num(3.0), b.nan_to_num(3.0))
