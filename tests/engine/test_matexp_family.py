"""The matrix-exponential family's engine hooks: the Daleckii–Krein Jacobian in real pairs, the least-squares
readout, and engine fits that do not depend on chunking."""

from __future__ import annotations

import numpy as np
import torch

from depthlab.engine import FitConfig, fit, sampler_for
from depthlab.engine.lm import stacked_jacobian
from depthlab.engine.objective import flatten, residuals, unflatten
from depthlab.matexp.family import complex_weights, matexp_jacobian, matexp_net, matexp_readout
from depthlab.matexp.theory.network import forward_torch, jacobian_torch


def _point(m: int, n: int, d: int, depth: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(m, n, d, d, dtype=torch.complex128, generator=g) / d ** 0.5
    w = torch.randn(m, depth, d, d, dtype=torch.complex128, generator=g) * 0.7 / d ** 0.5
    return x, w


def test_dk_jacobian_matches_central_differences() -> None:
    """Holomorphic J vs central differences along a random complex direction E: (f(W+hE) − f(W−hE))/2h errs by
    O(h²·‖f'''‖) ≈ 1e-10 plus rounding eps/h ≈ 1e-11 at h = 1e-5, so 1e-8 relative is a safe bound."""
    x, w = _point(2, 2, 3, 3)
    f, jac = jacobian_torch(x, w)
    torch.testing.assert_close(f, forward_torch(x, w), rtol=0, atol=0)  # the same forward arithmetic
    e = torch.randn(w.shape, dtype=torch.complex128, generator=torch.Generator().manual_seed(1))
    h = 1e-5
    fd = (forward_torch(x, w + h * e) - forward_torch(x, w - h * e)) / (2 * h)
    lin = (jac @ e.reshape(2, -1, 1)).reshape(fd.shape)
    assert float(torch.linalg.vector_norm(fd - lin) / torch.linalg.vector_norm(lin)) < 1e-8


def test_real_pair_jacobian_matches_autodiff_of_the_real_residuals() -> None:
    """The hook is the Jacobian the engine would otherwise build with torch.func (jacfwd through
    torch.linalg.matrix_exp) of its real residuals; both are exact derivatives, so they agree to rounding: the
    eigenvector factors V, V⁻¹ of well-conditioned random 3×3 matrices amplify eps by ≲ 10³, hence 1e-11."""
    for depth, n in ((1, 2), (2, 1), (3, 2)):
        fam = matexp_net(3, depth)
        x, w = _point(2, n, 3, depth, seed=depth)
        theta = flatten({"w_re": w.real, "w_im": w.imag}, fam)
        y = torch.zeros_like(x)
        auto = stacked_jacobian(lambda t, x=x, y=y, fam=fam: residuals(fam, t, x, y, "regression"), theta,
                                2 * n * 9)
        hook = matexp_jacobian(unflatten(theta, fam), x)
        assert hook.shape == (2, 2 * n * 9, fam.n_params)
        assert float((hook - auto).abs().max() / auto.abs().max()) < 1e-11


def test_readout_solves_one_equation_exactly() -> None:
    """n = 1 with invertible H_1: W_L = Y_1 H_1⁻¹ is exact, so the residual drops to rounding (~1e-15)."""
    fam = matexp_net(3, 2)
    x, w = _point(4, 1, 3, 2, seed=2)
    y = torch.randn(x.shape, dtype=torch.complex128, generator=torch.Generator().manual_seed(3))
    params = matexp_readout({"w_re": w.real, "w_im": w.imag}, x, y)
    rel = torch.linalg.matrix_norm(fam.forward(params, x) - y) / torch.linalg.matrix_norm(y)
    assert float(rel.max()) < 1e-12
    torch.testing.assert_close(complex_weights(params)[:, 0], w[:, 0], rtol=0, atol=0)  # W_1 untouched


def test_engine_fit_is_chunk_invariant() -> None:
    """Every LM operation acts per model, so chunk sizes 1, 3 and all give the same success flags and, for the
    solved models, certified residuals ≤ tol (stalled models may end at slightly different residuals: BLAS
    blocking differs with the batch size, docs/engine.md)."""
    fam = matexp_net(2, 2, init_scale=0.5)
    cfg = FitConfig(stages=("lm",), tol=1e-10, lm_steps=60)
    runs = [fit(fam, sampler_for(fam, 2), key="chunks", indices=range(6), config=cfg, chunk_size=c,
                device="cpu") for c in (1, 3, 6)]
    assert [r.n_chunks for r in runs] == [6, 2, 1]
    assert runs[2].success.any()
    for r in runs:
        np.testing.assert_array_equal(r.success, runs[2].success)
        assert (r.rel_residual[r.success] <= 1e-10).all()
