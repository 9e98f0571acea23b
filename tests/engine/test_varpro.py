"""The variable-projection solver (``"varpro"``, :mod:`depthlab.engine.varpro`).

Tolerances (float64, u = 2⁻⁵³ ≈ 1.1e-16):

* known answer: targets that are outputs of a network of the same architecture are fitted to the float64
  relative residual ≤ 1e-10 (the stage stops at tol · lm_polish_factor = 1e-12);
* Kaufman's Jacobian ``J_K = (I ⊗ P⊥) ∂F/∂θ_h`` is compared with the *exact* derivative ``J`` of the reduced
  residual ``r(θ_h) = H(θ_h) Θ*(θ_h) − Y`` (autograd through an independent forward pass and a normal-equation
  solve for ``Θ*``). Exact identities: ``(I ⊗ P⊥) J = J_K``, ``Jᵀ r = J_Kᵀ r`` (the gradient is exact) and
  ``J = J_K`` where ``P⊥ Y = 0``. Both sides carry rounding of order ``u · cond(H)² · ‖J‖`` (the normal
  equations square cond(H); cond(H) < 50 here), so they are compared with ``atol = 1e-9 · max|J|``, while the
  neglected Golub–Pereyra term is of order ``max|J|`` itself (checked ≥ 1e-3 · max|J|, so the test can fail).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from torch.func import jacrev

from depthlab.capacity.config import CellConfig
from depthlab.capacity.fitting import fit_config
from depthlab.engine import FitConfig, fit, mlp, sampler_for, square_mlp
from depthlab.engine.objective import flatten, unflatten
from depthlab.engine.varpro import hidden_columns, kaufman_jacobian, project, range_basis, ridge_project
from depthlab.errors import ConfigError

VP = ("varpro",)


def _teacher_data(fam, n, m, seed):
    """Inputs ``(m, n, d)`` and targets that are outputs of a random network of ``fam`` (an exact fit exists)."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(m, n, fam.in_shape[0], generator=g, dtype=torch.float64)
    teacher = {k: v + 0.3 * torch.randn(v.shape, generator=g, dtype=torch.float64)
               for k, v in fam.initial(f"teacher{seed}", range(m)).items()}
    return x, fam.forward(teacher, x)


@pytest.mark.parametrize(("act", "bias", "widths", "n"), [
    ("tanh", False, (6,), 10), ("tanh", True, (5, 5), 12), ("sigmoid", True, (6,), 10), ("relu", False, (8,), 9),
])
def test_known_answer_is_fitted_to_1e_10(act, bias, widths, n):
    """Targets from a network of the same architecture (d = 3 inputs, 2 outputs, hidden widths above; N > last
    width + bias, so the readout alone cannot fit, and N·out below the parameter count): varpro alone certifies
    every model at relative residual ≤ 1e-10."""
    fam = mlp(3, widths, 2, act, bias=bias)
    x, y = _teacher_data(fam, n, 4, seed=len(widths) + 10 * bias)
    res = fit(fam, (x, y), key="vp-known", indices=range(4), config=FitConfig(stages=VP, tol=1e-10, lm_steps=500,
                                                                              lm_patience=50))
    assert res.success.all(), res.rel_residual
    assert (res.rel_residual <= 1e-10).all()
    np.testing.assert_array_equal(res.info["varpro:iterations"], res.lm_steps)
    assert (res.info["varpro:residual"] <= 1e-10).all()


def test_returns_optimal_readout_and_depth_one_is_the_readout_solve():
    """The returned output layer is H⁺Y of the returned hidden layers (re-projecting changes nothing), and for
    L = 1 (no hidden parameters) the stage is exactly the least-squares solve."""
    fam = square_mlp(3, 2, "tanh", bias=True)
    x, y = sampler_for(fam, 9)("vp-ro", range(3))
    res = fit(fam, (x, y), key="vp-ro", indices=range(3), config=FitConfig(stages=VP, lm_steps=20))
    th = flatten(res.params, fam)
    np.testing.assert_allclose(project(fam, th, x, y), th, rtol=0, atol=1e-10)
    lin = square_mlp(3, 1, "linear")
    xl, yl = sampler_for(lin, 5)("vp-lin", range(2))
    out = fit(lin, (xl, yl), key="vp-lin", indices=range(2), config=FitConfig(stages=VP))
    expect = torch.linalg.lstsq(xl, yl).solution
    np.testing.assert_allclose(out.params["W1"], expect, rtol=0, atol=1e-12)
    assert (out.lm_steps == 0).all() and hidden_columns(lin).numel() == 0


def _exact_reduced_residual(x, y, d_hidden, bias):
    """``θ_h ↦ r(θ_h) = H Θ* − Y`` for one model of ``mlp(d, (d_hidden,), out, tanh, bias)``, written out
    independently of the engine: ``Θ* = (HᵀH)⁻¹ HᵀY`` (H has full column rank), differentiable by autograd."""
    d = x.shape[1]

    def r(th):
        w1 = th[: d * d_hidden].reshape(d, d_hidden)
        h = x @ w1
        if bias:
            h = h + th[d * d_hidden:]
        h = torch.tanh(h)
        if bias:
            h = torch.cat([h, torch.ones_like(h[:, :1])], dim=1)
        theta_out = torch.linalg.solve(h.T @ h, h.T @ y)
        return (h @ theta_out - y).reshape(-1)
    return r


@pytest.mark.parametrize("bias", [False, True])
def test_kaufman_jacobian_identities(bias):
    """(I ⊗ P⊥) J = J_K and Jᵀr = J_Kᵀr at a generic point, and J = J_K at an exact fit (module docstring)."""
    d, width, out, n = 3, 4, 2, 9
    fam = mlp(d, (width,), out, "tanh", bias=bias)
    g = torch.Generator().manual_seed(3)
    x = torch.randn(1, n, d, generator=g, dtype=torch.float64)
    y = torch.randn(1, n, out, generator=g, dtype=torch.float64)
    hid = hidden_columns(fam)
    theta = flatten(fam.initial("vp-jac", [0]), fam)
    if bias:
        theta[:, hid[d * width:]] = 0.5 * torch.randn(1, width, generator=g, dtype=torch.float64)
    theta = project(fam, theta, x, y)
    jk = kaufman_jacobian(fam, theta, x)[0]
    rfun = _exact_reduced_residual(x[0], y[0], width, bias)
    th_h = theta[0, hid].clone()
    jac = jacrev(rfun)(th_h)
    r = rfun(th_h)
    scale = jac.abs().max()
    atol = 1e-9 * float(scale)
    assert float((jac - jk).abs().max()) > 1e-3 * float(scale)  # the Golub–Pereyra second term is not small
    basis = range_basis(fam.features(unflatten(theta, fam), x))
    proj = (jac.reshape(1, n, -1) - basis @ (basis.mT @ jac.reshape(1, n, -1))).reshape(jac.shape)
    np.testing.assert_allclose(proj, jk, rtol=0, atol=atol)
    np.testing.assert_allclose(jac.T @ r, jk.T @ r, rtol=0, atol=atol * float(r.abs().max()) * n)
    # the engine's residual at Θ* is the same r
    np.testing.assert_allclose((fam.forward(unflatten(theta, fam), x) - y).reshape(-1), r, rtol=0, atol=1e-12)
    # at an exact fit (targets the network's own outputs) the neglected term vanishes: J = J_K
    y_fit = fam.forward(unflatten(theta, fam), x)
    theta_fit = project(fam, theta, x, y_fit)
    jk_fit = kaufman_jacobian(fam, theta_fit, x)[0]
    jac_fit = jacrev(_exact_reduced_residual(x[0], y_fit[0], width, bias))(th_h)
    np.testing.assert_allclose(jac_fit, jk_fit, rtol=0, atol=1e-9 * float(jac_fit.abs().max()))


@pytest.mark.parametrize("rho", [0.0, 1e-2])
def test_reduced_gradient_matches_central_differences(rho):
    """J_Kᵀ r̂ is the exact gradient of ½‖r̂‖² (plain and ridge levels, r̂ the augmented residual
    [HΘ* − Y; √(ρN) Θ*]): central differences with h = 1e-6 are accurate to about h²·|f⁽³⁾| + u·f/h ≈ 1e-10,
    so they are compared with atol 1e-7 · max|g|."""
    fam = mlp(3, (4,), 2, "tanh", bias=True)
    g = torch.Generator().manual_seed(5)
    x = torch.randn(1, 9, 3, generator=g, dtype=torch.float64)
    y = torch.randn(1, 9, 2, generator=g, dtype=torch.float64)
    th = flatten(fam.initial("vp-grad", [0]), fam)
    hid = hidden_columns(fam)
    t, basis, ra, _ = ridge_project(fam, th, x, y, rho)
    grad = kaufman_jacobian(fam, t, x, hid, basis)[0].T @ ra[0]
    fd = torch.zeros_like(grad)
    for i, c in enumerate(hid.tolist()):
        e = torch.zeros_like(th)
        e[0, c] = 1e-6
        fd[i] = (ridge_project(fam, th + e, x, y, rho)[2].square().sum()
                 - ridge_project(fam, th - e, x, y, rho)[2].square().sum()) / 4e-6
    np.testing.assert_allclose(grad, fd, rtol=0, atol=1e-7 * float(grad.abs().max()))
    with pytest.raises(ConfigError, match="varpro_ridge"):
        FitConfig(varpro_ridge=(0.0, 1e-2))


def test_packing_invariance():
    """Six models fitted together and in chunks of two (and a subset) end with the same parameters to 1e-12:
    model m's result depends only on its own data and start. Near capacity, so some models fail."""
    fam = square_mlp(4, 2, "tanh")
    sampler = sampler_for(fam, 7)
    cfg = FitConfig(stages=VP, lm_steps=200)
    ref = fit(fam, sampler, key="vp-pack", indices=range(6), chunk_size=6, config=cfg)
    assert ref.success.any()
    for size, idx in ((2, list(range(6))), (1, [4, 1])):
        res = fit(fam, sampler, key="vp-pack", indices=idx, chunk_size=size, config=cfg)
        np.testing.assert_array_equal(res.success, ref.success[idx])
        np.testing.assert_array_equal(res.lm_steps, ref.lm_steps[idx])
        for k in fam.shapes:
            np.testing.assert_allclose(res.params[k], ref.params[k][idx], rtol=0, atol=1e-12)


def test_clear_errors():
    """Classification mode and a family without a linear output layer are refused with a ConfigError."""
    fam = mlp(3, (3,), 1, "tanh")
    x = torch.randn(2, 4, 3, dtype=torch.float64)
    labels = torch.ones(2, 4, 1, dtype=torch.float64)
    with pytest.raises(ConfigError, match="regression"):
        fit(fam, (x, labels), key="vp-err", indices=range(2),
            config=FitConfig(mode="classification", stages=VP))
    bare = dataclasses.replace(fam, readout=None, features=None)
    with pytest.raises(ConfigError, match="readout, features"):
        fit(bare, (x, labels), key="vp-err", indices=range(2), config=FitConfig(stages=VP))
    nojac = dataclasses.replace(fam, jacobian=None)
    with pytest.raises(ConfigError, match="jacobian"):
        fit(nojac, (x, labels), key="vp-err", indices=range(2), config=FitConfig(stages=VP))


def test_capacity_method_runs_varpro_then_lm():
    cell = CellConfig(depth=2, width=3, activation="relu", trials=1, restarts=1, method="varpro")
    assert fit_config(cell).stages == ("varpro", "lm")
    with pytest.raises(ConfigError):
        CellConfig(depth=2, width=3, method="varpro-nope")
