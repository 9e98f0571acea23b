"""The activation-homotopy solver: softplus of rising sharpness β tracked by LM, certified on the true ReLU net.

Tolerances: success is the engine's float64 certificate on the ReLU network, ‖F(X) − Y‖/‖Y‖ ≤ tol = 1e-10; an
independent recomputation of that residual (a plain float64 forward pass) may differ from the engine's by
rounding (~1e-15 relative), so it is compared with 1e-10·(1 + 1e-4). The softplus-to-ReLU bound
0 ≤ σ_β − relu ≤ log 2/β (elementwise) gives, for one hidden layer, |F_relu(x) − F_β(x)| ≤ (log 2/β)·Σ|W2|
per point, which the test checks up to 1e-12 of rounding.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from depthlab.engine import FitConfig, fit, sampler_for
from depthlab.engine.families import mlp
from depthlab.errors import ConfigError

AH = ("activation-homotopy", "lm")


def _relu_forward(params, x):
    return torch.relu(x @ params["W1"]) @ params["W2"]


def test_easy_relu_case_certifies_on_true_relu():
    """One hidden ReLU layer, d = 4, width 16, N = 8 ≤ width: every model is certified, and the residual
    recomputed on the ReLU network itself (not a softplus one) is ≤ 1e-10."""
    fam = mlp(4, (16,), 1, "relu")
    sampler = sampler_for(fam, 8)
    res = fit(fam, sampler, key="ah-easy", indices=range(6), config=FitConfig(stages=AH))
    assert res.success.all()
    x, y = sampler("ah-easy", range(6))
    rel = ((_relu_forward(res.params, x.double()) - y.double()).flatten(1).norm(dim=1)
           / y.double().flatten(1).norm(dim=1))
    assert (rel <= 1e-10 * (1 + 1e-4)).all(), rel
    np.testing.assert_allclose(res.rel_residual, rel.numpy(), rtol=1e-3, atol=1e-15)
    assert (res.info["activation-homotopy:levels"] == len(FitConfig().activation_sharpness)).all()


def test_sharpest_level_is_within_the_softplus_bound_of_relu():
    """Stopped after the homotopy (no ReLU polish): the reported ReLU residual is the ReLU network's, and it
    exceeds the sharpest softplus network's by at most √N·(log 2/β_K)·Σ|W2|/‖Y‖ (the elementwise bound and the
    triangle inequality)."""
    fam = mlp(3, (6,), 1, "relu")
    n, beta = 5, 256.0
    sampler = sampler_for(fam, n)
    cfg = FitConfig(stages=("activation-homotopy",), activation_sharpness=(1.0, 16.0, beta))
    res = fit(fam, sampler, key="ah-bound", indices=range(4), config=cfg)
    x, y = (v.double() for v in sampler("ah-bound", range(4)))
    ynorm = y.flatten(1).norm(dim=1)
    out = _relu_forward(res.params, x)
    rel = (out - y).flatten(1).norm(dim=1) / ynorm
    np.testing.assert_allclose(res.info["activation-homotopy:relu_residual"], rel.numpy(), rtol=1e-9)
    np.testing.assert_allclose(res.rel_residual, rel.numpy(), rtol=1e-9)  # the certificate is on ReLU
    smooth = torch.as_tensor(res.info["activation-homotopy:smooth_residual"])
    assert (res.info["activation-homotopy:levels"] == 3).any() and (smooth <= 1e-10).any()
    w2 = res.params["W2"].abs().flatten(1).sum(1)
    bound = math.sqrt(n) * math.log(2) / beta * w2 / ynorm + smooth + 1e-12
    assert (rel <= bound).all(), (rel, bound)


def test_chunking_and_packing_invariance():
    """Chunk sizes 1, 3 and all and an index subset give the same flags, levels and residuals (certified ones
    below 1e-8, others to 1e-6 relative: BLAS may block a batch differently)."""
    fam = mlp(4, (4,), 1, "relu")
    sampler = sampler_for(fam, 9)
    cfg = FitConfig(stages=AH)
    ref = fit(fam, sampler, key="ah-pack", indices=range(6), chunk_size=6, config=cfg)
    for size, idx in ((1, range(6)), (3, range(6)), (2, [4, 1])):
        res = fit(fam, sampler, key="ah-pack", indices=idx, chunk_size=size, config=cfg)
        sel = list(idx)
        np.testing.assert_array_equal(res.success, ref.success[sel])
        np.testing.assert_array_equal(res.info["activation-homotopy:levels"],
                                      ref.info["activation-homotopy:levels"][sel])
        ok = ref.success[sel]
        assert (res.rel_residual[ok] <= 1e-8).all()
        np.testing.assert_allclose(res.rel_residual[~ok], ref.rel_residual[sel][~ok], rtol=1e-6)


def test_needs_a_relu_family():
    fam = mlp(3, (4,), 1, "tanh")
    with pytest.raises(ConfigError, match="ReLU"):
        fit(fam, sampler_for(fam, 3), key="ah-tanh", indices=range(2), config=FitConfig(stages=AH))


@pytest.mark.parametrize("bad", [(), (4.0, 2.0), (1.0, 1.0), (0.0, 1.0), (1.0, float("inf"))])
def test_bad_sharpness_schedule(bad):
    with pytest.raises(ConfigError):
        FitConfig(activation_sharpness=bad)
