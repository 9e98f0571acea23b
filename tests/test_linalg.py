"""Shared linear algebra: residuals, condition numbers, matrix logarithms (NumPy and Torch)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg as sla
import torch

from depthlab.linalg import cond1_torch, logm, logm_torch, lu_cond1, relative_residual


def test_relative_residual() -> None:
    assert relative_residual(np.ones(4) * 1.1, np.ones(4)) == pytest.approx(0.1)


def test_condition_numbers_agree_with_exact() -> None:
    rng = np.random.default_rng(0)
    a = rng.standard_normal((6, 6))
    exact = np.linalg.cond(a, 1)
    _, est = lu_cond1(a)
    assert est == pytest.approx(exact, rel=0.5)  # LAPACK gecon is an estimate (within a small factor)
    t = cond1_torch(torch.from_numpy(a)[None])
    assert float(t[0]) == pytest.approx(exact, rel=1e-10)


@pytest.mark.parametrize("kind", ["random", "negative-eig", "defective"])
def test_logm_both_paths(kind: str) -> None:
    rng = np.random.default_rng(1)
    if kind == "random":
        m = sla.expm(0.5 * (rng.standard_normal((5, 5)) + 1j * rng.standard_normal((5, 5))))
    elif kind == "negative-eig":
        m = np.diag([-2.0, 1.0, 3.0]).astype(complex)
    else:  # a Jordan block: the eigenvector route is ill-conditioned, the ISS route must take over
        m = np.array([[2.0, 1.0], [0.0, 2.0]], dtype=complex)
    log, method, _ = logm(m)
    np.testing.assert_allclose(sla.expm(log), m, atol=1e-10 * np.linalg.norm(m))
    lt, used_eig, _ = logm_torch(torch.from_numpy(m)[None])
    np.testing.assert_allclose(sla.expm(lt[0].numpy()), m, atol=1e-10 * np.linalg.norm(m))
    if kind == "defective":
        assert method == "iss" and not bool(used_eig[0])
