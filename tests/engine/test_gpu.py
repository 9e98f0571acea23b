"""CPU and CUDA runs agree (skipped without CUDA)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from depthlab.engine import FitConfig, fit, sampler_for, square_mlp

pytestmark = [pytest.mark.gpu, pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")]


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_cpu_and_cuda_agree(activation):
    fam = square_mlp(6, 2, activation)
    sampler = sampler_for(fam, 5)
    cpu = fit(fam, sampler, key="gpu", indices=range(8), device="cpu")
    gpu = fit(fam, sampler, key="gpu", indices=range(8), device="cuda")
    np.testing.assert_array_equal(cpu.success, gpu.success)
    assert gpu.success.all()
    assert (gpu.rel_residual <= 1e-8).all()


def test_adam_float32_on_cuda_reaches_switch_tolerance():
    fam = square_mlp(4, 2, "tanh")
    cfg = FitConfig(stages=("adam",), adam_steps=3000, adam_switch_tol=1e-4, tol=1e-4)
    res = fit(fam, sampler_for(fam, 2), key="adam32", indices=range(64), config=cfg, device="cuda")
    assert res.success.all()
