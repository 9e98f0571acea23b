"""Sigmoid: with biases by the exact reparametrisation of the tanh construction, without them from the positive cone
of the targets (:mod:`depthlab.engine.unitwise`).

``tanh(z) = 2σ(2z) − 1`` with the logistic ``σ(z) = 1 / (1 + e^{−z})`` (e.g. Goodfellow, Bengio & Courville,
*Deep Learning*, 2016, §6.3.2, "Logistic sigmoid and hyperbolic tangent"), so every two-layer tanh net with biases
is a sigmoid net with biases and conversely:

    tanh(X W1 + 1b1ᵀ) W2 + 1b2ᵀ = σ(X (2W1) + 1(2b1)ᵀ) (2W2) + 1(b2 − W2ᵀ1)ᵀ.

The two families fit the same data sets (at every depth: each hidden layer's affine shift is absorbed by the next
layer's bias), so the tanh construction with biases builds the sigmoid fits. The output layer of the sigmoid net
is re-solved by the family's least squares on ``[σ(X W1' + 1b1'ᵀ), 1]``, whose column span is that of
``[tanh(X W1 + 1b1ᵀ), 1]``, and the residual is the sigmoid net's own.

Without biases the identity leaves an output shift ``1(W2ᵀ1)ᵀ`` tied to ``W2`` that no bias absorbs, so the
tanh construction does not carry over. Instead (:func:`sigmoid_unitwise_bias_free`): a fit needs ``H = σ(X W1) =
Y M`` with ``M = W2⁻¹``, and each unit ``σ(X w) = Y m_σ`` is, with ``u = w/2`` and ``m = 2 m_σ``,

    tanh(X u) = Y m − 1,   so   0 < Y m < 2:

the unit's ``m`` lies in the open cone ``{m : Y m > 0}``. If that cone is empty (:func:`cone_point`, a linear
program) no bias-free sigmoid net of width d fits ``Y`` at any depth (Gordan's alternative;
:mod:`depthlab.capacity.theory.positivity`), and the model is *decided*. Otherwise ``newton_starts`` points of
``{m : 0 < Y m < 2}`` (hit-and-run from the LP's point, fixed directions) each give a start
``(u₀ = X⁺ atanh(Y m − 1), m)`` of minimum-norm Gauss–Newton on the N equations; d converged units with
independent ``m`` (column-pivoted QR, :func:`~depthlab.engine.unitwise.common.assemble`) give ``W1 = 2U`` and
``W2`` by least squares. The search is constructive only: on a feasible data set, no fit found certifies
nothing.
"""

from __future__ import annotations

import numpy as np
import torch

from depthlab.engine.families import mlp
from depthlab.engine.separability import separating_vectors
from depthlab.engine.unitwise.common import PAD_SEED, STATUS, UnitwiseSettings, assemble, empty_result, network
from depthlab.engine.unitwise.tanh import tanh_unitwise


def sigmoid_unitwise(x: torch.Tensor, y: torch.Tensor, s: UnitwiseSettings) -> dict[str, torch.Tensor]:
    """The sigmoid net with biases from the tanh construction for models ``x``, ``y`` ``(M, N, d)`` float64.

    Returns:
        as :func:`~depthlab.engine.unitwise.tanh.tanh_unitwise`, with the sigmoid net's ``w1, b1`` (twice the tanh
        net's), its least-squares ``w2, b2`` and its relative ``residual``; ``status`` ``"fit"`` where the tanh
        construction found d independent units.
    """
    out = tanh_unitwise(x, y, s, bias=True)
    d = y.shape[-1]
    family = mlp(d, (d,), d, "sigmoid", bias=True)
    params, rel = network(family, x, y, 2 * out["w1"], 2 * out["b1"])
    found = out["status"] == STATUS["fit"]
    out.update(w1=params["W1"], b1=params["b1"], w2=params["W2"], b2=params["b2"],
               residual=torch.where(found, rel, out["residual"]))
    return out


# ----------------------------------------------------------------------------------------------------------------
# without biases: the unit equation σ(Xw) = Ym, seeded from the positive cone of Y

HIT_AND_RUN_STEPS = 30


def _residual(x: torch.Tensor, y: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    """``G(z) = tanh(X u) − Y m + 1`` ``(B, N)`` for ``z = (u, m)`` ``(B, 2d)``: the bias-free sigmoid unit equation
    ``σ(X w) = Y m_σ`` with ``u = w/2``, ``m = 2 m_σ``."""
    d = x.shape[-1]
    return torch.tanh(x @ z[:, :d, None]).squeeze(2) - (y @ z[:, d:, None]).squeeze(2) + 1


def _jacobian(x: torch.Tensor, y: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    s = 1 - torch.tanh(x @ z[:, :x.shape[-1], None]) ** 2
    return torch.cat([s * x, -y], dim=2)


def _gauss_newton(x: torch.Tensor, y: torch.Tensor, z: torch.Tensor, steps: int, tol: float
                  ) -> tuple[torch.Tensor, torch.Tensor]:
    """Minimum-norm Gauss–Newton ``z ← z − Jᵀ(JJᵀ)⁻¹G(z)`` (N ≤ 2d equations, 2d unknowns), each step cut to norm
    ≤ 2; a failed or non-finite solve leaves the point. Returns ``(z, converged)`` (‖G‖₂ ≤ tol, finite)."""
    for _ in range(steps):
        j = _jacobian(x, y, z)
        sol, info = torch.linalg.solve_ex(j @ j.mT, _residual(x, y, z).unsqueeze(2))
        step = (j.mT @ sol).squeeze(2)
        step = step * (2.0 / step.norm(dim=1, keepdim=True).clamp_min(2.0))
        ok = (info == 0) & torch.isfinite(step).all(dim=1)
        z = torch.where(ok.unsqueeze(1), z - step, z)
    return z, (_residual(x, y, z).norm(dim=1) <= tol) & torch.isfinite(z).all(dim=1)


def cone_point(y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """A point of the open cone ``{m : Y m > 0}`` per model, by a linear program (``y_i·m ≥ 1``, HiGHS, through
    :func:`depthlab.engine.separability.separating_vectors` with every label +1: a certificate, one LP per model).

    Args:
        y: ``(M, N, d)``.

    Returns:
        ``(m, feasible)``: ``(M, d)`` (zeros where infeasible) and ``(M,)`` bool. Infeasible means that no
        bias-free net of width d with σ ≥ 0 fits the targets, at any depth (Gordan's alternative;
        :mod:`depthlab.capacity.theory.positivity`).
    """
    w, ok = separating_vectors(y, np.ones(y.shape[:2]))
    return torch.from_numpy(w).to(y.device, y.dtype), torch.from_numpy(ok).to(y.device)


def _starts(y: torch.Tensor, m0: torch.Tensor, count: int) -> torch.Tensor:
    """``count`` points of ``P = {m : 0 < Y m < 2}`` per model ``(M, count, d)``: hit-and-run from ``m0`` scaled into
    P, :data:`HIT_AND_RUN_STEPS` steps with fixed directions and fractions (the same for every model)."""
    m, _, d = y.shape
    gen = torch.Generator().manual_seed(PAD_SEED + 2)
    dirs = torch.randn(HIT_AND_RUN_STEPS, count, d, generator=gen, dtype=torch.float64).to(y.device, y.dtype)
    frac = torch.rand(HIT_AND_RUN_STEPS, count, generator=gen, dtype=torch.float64).to(y.device, y.dtype)
    r0 = (y @ m0.unsqueeze(2)).squeeze(2)  # (M, N), ≥ 1
    cur = (m0 * (1.9 / r0.amax(dim=1, keepdim=True))).unsqueeze(1).expand(m, count, d).clone()
    big = torch.finfo(y.dtype).max
    for k in range(HIT_AND_RUN_STEPS):
        r = cur @ y.mT  # (M, S, N)
        a = torch.einsum("mnd,sd->msn", y, dirs[k])
        pos, neg = a > 0, a < 0
        lo = torch.where(pos, -r / a, torch.where(neg, (2 - r) / a, torch.full_like(r, -big))).amax(dim=2)
        hi = torch.where(pos, (2 - r) / a, torch.where(neg, -r / a, torch.full_like(r, big))).amin(dim=2)
        tau = lo + (0.02 + 0.96 * frac[k]) * (hi - lo)  # (M, S), strictly inside the chord
        cur = cur + tau.unsqueeze(2) * dirs[k]
    return cur


def sigmoid_unitwise_bias_free(x: torch.Tensor, y: torch.Tensor, s: UnitwiseSettings) -> dict[str, torch.Tensor]:
    """The bias-free sigmoid construction for models ``x``, ``y`` ``(M, N, d)`` float64 (module docstring).

    Returns:
        as :func:`~depthlab.engine.unitwise.tanh.tanh_unitwise`, plus ``decided`` (1: the targets lie in no open
        half-space, so no bias-free sigmoid net of width d fits them, at any depth).
    """
    m, big_n, d = x.shape
    out = empty_result(m, d, x)
    out["decided"] = torch.zeros(m, dtype=torch.long, device=x.device)
    if big_n > 2 * d:
        out["status"][:] = STATUS["too_many_points"]
        return out
    m0, feasible = cone_point(y)
    out["decided"] = (~feasible).long()
    rows = torch.nonzero(feasible).squeeze(1)
    count = max(1, s.newton_starts)
    if rows.numel() == 0:
        out["status"][:] = STATUS["short"]
        return out
    per_model = count * (2 * d) ** 2 * 8 * 6  # bytes of the repeated data, Jacobians and normal matrices
    chunk = max(1, (128 << 20) // per_model)
    for a in range(0, rows.numel(), chunk):
        r = rows[a:a + chunk]
        xf, yf, k = x[r], y[r], r.numel()
        mm = _starts(yf, m0[r], count)  # (k, S, d)
        xx, yy = xf.repeat_interleave(count, 0), yf.repeat_interleave(count, 0)
        target = torch.atanh(((yy @ mm.reshape(-1, d, 1)).squeeze(2) - 1).clamp(-1 + 1e-6, 1 - 1e-6))
        u0 = torch.linalg.lstsq(xx, target.unsqueeze(2)).solution.squeeze(2)
        z, ok = _gauss_newton(xx, yy, torch.cat([u0, mm.reshape(-1, d)], dim=1), s.newton_steps, s.corrector_tol)
        ok &= z[:, d:].norm(dim=1) > 1e-8
        z = torch.cat([2 * z[:, :d], z[:, d:]], dim=1).reshape(k, count, 2 * d)  # (w = 2u, m): sigmoid weights
        part = assemble("sigmoid", xf, yf, z, ok.reshape(k, count), s.rank_tol)
        part.update(points=ok.reshape(k, count).sum(1))
        for key, v in part.items():
            out[key][r] = v.to(out[key].dtype)
    out["status"] = torch.where(out["rank"] >= d, STATUS["fit"], STATUS["short"])
    return out
