"""Batched closed-form solving in PyTorch: many two-equation problems at once, on CPU or CUDA, complex128.

The algorithm is the one of :mod:`depthlab.matexp.theory.closed_form` step for step (same λ grid and proxy,
same principal logarithm route, same forward verification), so for a fixed λ the weights agree with the SciPy
path to rounding error. Every problem is one slice of stacked ``(B, d, d)`` tensors; there is no Python loop
over problems.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import torch

from depthlab.device import COMPLEX, resolve_device
from depthlab.errors import InputError, SingularMatrixError
from depthlab.linalg import cond1_torch, logm_torch, relative_residual_torch
from depthlab.matexp.theory.closed_form import ACCEPT_RESIDUAL, check_lambda, default_n_verify
from depthlab.matexp.theory.lam import choose_lambdas
from depthlab.seeding import torch_generator
from depthlab.validate import SINGULAR_COND


@dataclass(frozen=True)
class BatchedSolution:
    """Closed-form solutions of B problems.

    Attributes:
        weights: ``(B, 3, d, d)`` complex128: W1, W2, W3 of each problem.
        residuals: ``(B, 2)`` relative residuals of the two equations (forward evaluation).
        lam: ``(B,)`` complex128, the λ used.
        cond_dx, cond_y1, cond_m: ``(B,)`` exact 1-norm condition numbers of X2 − X1, Y1, Y1⁻¹Y2.
        eig_log: ``(B,)`` bool, True where the logarithm took the eigendecomposition route.
        weights_real: ``(B,)`` bool.
    """

    weights: torch.Tensor
    residuals: torch.Tensor
    lam: torch.Tensor
    cond_dx: torch.Tensor
    cond_y1: torch.Tensor
    cond_m: torch.Tensor
    eig_log: torch.Tensor
    weights_real: torch.Tensor

    @property
    def max_residual(self) -> torch.Tensor:
        """``(B,)``: the larger residual of each problem."""
        return self.residuals.amax(dim=-1)


def random_problems(batch: int, d: int, seed: int = 0, *, real: bool = False,
                    device: str | torch.device = "cpu") -> tuple[torch.Tensor, ...]:
    """``(X1, X2, Y1, Y2)``, each ``(batch, d, d)`` complex128, entries CN(0, 1/d) or N(0, 1/d) (``real``)."""
    if batch < 1 or d < 1:
        raise InputError(f"batch and d must be ≥ 1, got batch={batch}, d={d}")
    dev = resolve_device(device)
    gen = torch_generator(seed, d, int(real), device=dev)
    shape = (4, batch, d, d)
    if real:
        mats = torch.randn(shape, generator=gen, dtype=torch.float64, device=dev).to(COMPLEX) / math.sqrt(d)
    else:
        mats = torch.randn(shape, generator=gen, dtype=COMPLEX, device=dev) / math.sqrt(d)  # CN(0,1/d)
    return tuple(mats.unbind(0))


def _as_batch(value: Any, name: str, device: torch.device) -> torch.Tensor:
    t = value if isinstance(value, torch.Tensor) else torch.as_tensor(np.asarray(value))
    if not (t.is_floating_point() or t.is_complex()):
        t = t.to(torch.float64)
    if t.ndim != 3 or t.shape[-1] != t.shape[-2]:
        raise InputError(f"{name} must have shape (B, d, d), got {tuple(t.shape)}")
    t = t.to(device=device, dtype=COMPLEX)
    bad = ~torch.isfinite(torch.view_as_real(t)).all(dim=-1)
    if bool(bad.any()):
        idx = torch.nonzero(bad)[0].tolist()
        raise InputError(f"{name} contains non-finite values; first in problem {idx[0]} at {tuple(idx[1:])}")
    return t


def _require(cond: torch.Tensor, name: str, hint: str) -> None:
    bad = ~(cond <= SINGULAR_COND)
    if bool(bad.any()):
        idx = torch.nonzero(bad).flatten()
        first = int(idx[0])
        raise SingularMatrixError(f"{name} of problem {first} ({int(idx.numel())} problem(s) affected)",
                                  float(cond[first]), hint)


def solve_batched(X1: Any, X2: Any, Y1: Any, Y2: Any, *, lam: complex | Literal["auto"] | torch.Tensor = "auto",
                  branch: int = 0, n_verify: int | None = None,
                  device: str | torch.device | None = None) -> BatchedSolution:
    """Solve B problems Y1 = f(X1), Y2 = f(X2) at once.

    Args:
        X1, X2, Y1, Y2: ``(B, d, d)`` tensors or arrays (real or complex).
        lam: ``"auto"`` (per-problem choice as in :func:`depthlab.matexp.theory.solve_problem`), one λ for all,
            or a ``(B,)`` tensor of per-problem λ.
        branch: k in L = log M + 2πik·I.
        n_verify: candidates evaluated per problem by ``"auto"`` (default as in the SciPy path).
        device: where to compute (default: the device of ``X1`` if it is a tensor, else CPU).

    Raises:
        InputError: shapes, NaN/Inf, or a λ with e^λ = 1.
        SingularMatrixError: X2 − X1, Y1 or Y1⁻¹Y2 numerically singular in some problem (the first is named).
    """
    if device is None:
        device = X1.device if isinstance(X1, torch.Tensor) else "cpu"
    dev = resolve_device(device)
    names = ("X1", "X2", "Y1", "Y2")
    raw = (X1, X2, Y1, Y2)
    x1, x2, y1, y2 = (_as_batch(v, n, dev) for v, n in zip(raw, names, strict=True))
    shapes = {n: tuple(t.shape) for n, t in zip(names, (x1, x2, y1, y2), strict=True)}
    if len(set(shapes.values())) > 1:
        raise InputError("shapes do not match: " + ", ".join(f"{k} {v}" for k, v in shapes.items()))
    b, d = x1.shape[0], x1.shape[-1]
    real = all(not bool(torch.any(t.imag != 0)) for t in (x1, x2, y1, y2))

    dx = x2 - x1
    cond_dx = cond1_torch(dx)
    _require(cond_dx, "X2 − X1", "the construction needs W1 = λ(X2 − X1)⁻¹; use inputs that are further apart")
    cond_y1 = cond1_torch(y1)
    _require(cond_y1, "Y1", "the construction needs Y1⁻¹ (f(X1) is invertible iff W3 is)")
    # real data: M in real arithmetic, so its real eigenvalues are exactly real (same branch as NumPy)
    m = torch.linalg.solve(y1.real, y2.real) if real else torch.linalg.solve(y1, y2)
    cond_m = cond1_torch(m)
    _require(cond_m, "Y1⁻¹Y2", "its logarithm is needed, so Y2 must be invertible too")
    eye = torch.eye(d, dtype=COMPLEX, device=dev)
    log_m, eig_log, m_eigs = logm_torch(m)
    log_eigs = torch.log(m_eigs)  # eigenvalues of the principal logarithm
    if branch:
        log_m = log_m + (2j * math.pi * branch) * eye
        log_eigs = log_eigs + 2j * math.pi * branch
    dx_inv = torch.linalg.solve(dx, eye.expand(b, d, d))
    c = dx_inv @ x1

    if real:
        real_log = ~((m_eigs.imag == 0) & (m_eigs.real <= 0)).any(dim=-1)
    else:
        real_log = torch.zeros(b, dtype=torch.bool, device=dev)
    want_real = real_log & (branch == 0)

    if isinstance(lam, str):
        if lam != "auto":
            raise InputError(f"lam must be a number, a (B,) tensor or 'auto', got {lam!r}")
        k = n_verify if n_verify is not None else default_n_verify(d)
        lams = choose_lambdas(torch.linalg.eigvals(c), log_eigs, want_real, k)
    else:
        lam_t = torch.as_tensor(lam, dtype=COMPLEX, device=dev).expand(b).clone() if not isinstance(
            lam, torch.Tensor) else lam.to(device=dev, dtype=COMPLEX)
        bad = ~torch.isfinite(lam_t.abs()) | ((torch.exp(lam_t) - 1).abs() < 1e-8)
        if bool(bad.any()):
            check_lambda(complex(lam_t[torch.nonzero(bad)[0, 0]]))  # raises, naming the λ
        lams = lam_t[:, None]
    # verify candidates in proxy order; a problem stops once a candidate's residual is at rounding level
    rows = torch.arange(b, device=dev)
    weights = torch.zeros(b, 3, d, d, dtype=COMPLEX, device=dev)
    residuals = torch.full((b, 2), math.inf, dtype=torch.float64, device=dev)
    lam_used = lams[:, 0].clone()
    best = torch.full((b,), math.inf, dtype=torch.float64, device=dev)
    for j in range(lams.shape[1]):
        todo = rows[(best > ACCEPT_RESIDUAL) & ~torch.isnan(lams[:, j].real)]
        if todo.numel() == 0:
            break
        lj = lams[todo, j]
        ws, res = _build_and_verify(x1[todo], x2[todo], y1[todo], y2[todo], log_m[todo], dx_inv[todo], lj,
                                    want_real[todo])
        score = res.amax(dim=-1)
        score = torch.where(torch.isnan(score), torch.full_like(score, math.inf), score)
        better = score < best[todo]
        if j == 0:
            better = torch.ones_like(better)  # always keep the first candidate's weights
        idx = todo[better]
        weights[idx], residuals[idx], lam_used[idx], best[idx] = ws[better], res[better], lj[better], score[better]
    return BatchedSolution(
        weights=weights, residuals=residuals, lam=lam_used, cond_dx=cond_dx, cond_y1=cond_y1,
        cond_m=cond_m, eig_log=eig_log,
        weights_real=(weights.imag == 0).flatten(1).all(dim=-1))


def _build_and_verify(x1: torch.Tensor, x2: torch.Tensor, y1: torch.Tensor, y2: torch.Tensor,
                      log_m: torch.Tensor, dx_inv: torch.Tensor, lam: torch.Tensor,
                      want_real: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Weights and verified residuals of each problem for its λ: shapes (B,3,d,d) and (B,2).

    Mirrors :func:`depthlab.matexp.theory._build`: W2 = B1·expm(A1)⁻¹ reuses the forward pass's expm(W1 @ X1).
    """
    real_mask = (want_real & (lam.imag == 0))[:, None, None]  # (B,1,1)
    w1 = lam[:, None, None] * dx_inv
    w1 = torch.where(real_mask, w1.real.to(w1.dtype), w1)
    denom = torch.where(lam.imag == 0, torch.special.expm1(lam.real).to(lam.dtype), torch.exp(lam) - 1)
    b1 = log_m / denom[:, None, None]
    b1 = torch.where(real_mask, b1.real.to(b1.dtype), b1)
    w3 = y1 @ torch.linalg.matrix_exp(-b1)
    e1 = torch.linalg.matrix_exp(w1 @ x1)
    w2 = torch.linalg.solve_ex(e1.mT, b1.mT)[0].mT
    ws = torch.stack([w1, w2, w3], dim=-3)  # (B,3,d,d)
    rel_imag = torch.linalg.matrix_norm(ws.imag.to(ws.dtype)) / torch.linalg.matrix_norm(ws).clamp_min(1e-300)
    tiny = (rel_imag.amax(dim=-1) <= 1e-10)[:, None, None, None]
    ws = torch.where(real_mask[..., None] & tiny, ws.real.to(ws.dtype), ws)
    w1, w2, w3 = ws.unbind(-3)
    r1 = relative_residual_torch(w3 @ torch.linalg.matrix_exp(w2 @ e1), y1)
    e2 = torch.linalg.matrix_exp(w1 @ x2)
    r2 = relative_residual_torch(w3 @ torch.linalg.matrix_exp(w2 @ e2), y2)
    return ws, torch.stack([r1, r2], dim=-1)
