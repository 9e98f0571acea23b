"""Unit-wise construction of exact fits for two-layer square networks (biases off or on).

For the bias-free two-layer square MLP ``F(X) = σ(X W1) W2`` (``X``, ``Y`` ``(N, d)``, ``W1``, ``W2`` ``(d, d)``)
and data with ``rank Y = d`` (generic data with ``N ≥ d``), an exact fit ``σ(X W1) W2 = Y`` forces ``W2`` to be
invertible (``rank Y ≤ rank W2``), so ``H = σ(X W1) = Y M`` with ``M = W2⁻¹``. Column by column: hidden unit
``i`` (weights ``w_i``, column ``i`` of ``W1``) and column ``m_i`` of ``M`` solve the *single-unit equation*

    σ(X w) = Y m,        z = (w, m) ∈ R^{2d},  N equations,                                   (U)

and conversely any ``d`` solutions ``(w_i, m_i)`` of (U) with linearly independent ``m_i`` give the exact fit
``W1 = [w_1 … w_d]``, ``W2 = M⁻¹``. So *a fit exists if and only if the solution set S of (U) has m-parts
spanning R^d* (elementary linear algebra; the decomposition is this module's own, not a paper's). The search
for ``d²·2`` coupled weights becomes a search for points of one ``2d``-dimensional set. The stage returns
``W1`` from ``d`` chosen solutions and ``W2`` by least squares on ``H = σ(X W1)`` (equal to ``M⁻¹`` at an
exact fit); the engine's float64 certificate judges the network as always.

**tanh (curve tracing).** ``z = 0`` solves (U) and the Jacobian there, ``[X, −Y]`` ``(N, 2d)``, has full rank for
generic data with ``N ≤ 2d − 1``; by the implicit function theorem the solutions near 0 form a smooth manifold of
dimension ``2d − N``. With ``N = 2d − 1`` (fewer points are padded with fixed random points, whose fit only adds
constraints) it is a curve, followed in both directions from 0 by pseudo-arclength continuation (Keller 1977;
Allgower & Georg, *Introduction to Numerical Continuation Methods*, 1990, ch. 2): unit tangent = the null vector
of ``J(z) = [diag(1 − tanh²(Xw)) X, −Y]`` (complete QR of ``Jᵀ``), oriented like the previous one; predictor
``z + h·τ``; Newton corrector on ``[F(z); τ·(z − z_pred)] = 0``; step ``h`` grows ×1.5 after an easy correction
(≤ 3 iterations), halves after a failed one. Every accepted point has ``‖F(z)‖ ≤ corrector_tol`` (absolute;
``tanh`` values are ≤ 1). ``d`` points of the curve are picked by column-pivoted QR of their m-parts (largest
volume first), normalised and unnormalised, and the better of the two certified networks is kept. At
``N = 2d`` (the counting bound of the bias-free net: ``2d²`` weights, ``d`` outputs per point) solutions of (U)
are isolated; the stage then follows the ``2d`` curves of the systems without one point each and keeps the
zeros of the dropped equation found along them (sign changes, refined by Newton on all ``2d`` equations), together
with the solutions Newton reaches on the square system from ``newton_starts`` fixed random starts.
The method is constructive only: a failure (too few independent m-parts along the traced curves) is no
certificate that no fit exists. Sigmoid has no solution of (U) at ``z = 0``; with biases it is handled by the
exact reparametrisation ``tanh(z) = 2σ(2z) − 1`` (:mod:`depthlab.engine.unitwise.sigmoid`). Without biases (U)
reads ``tanh(X u) = Y m − 1`` (``u = w/2``, ``m = 2·m_σ``), which needs ``0 < Y m < 2``: the stage decides by a
linear program whether the open cone ``{m : Y m > 0}`` is empty — then no bias-free sigmoid net of width d
fits, at any depth (a certificate, ``decided`` = 1; the positivity obstruction of
:mod:`depthlab.capacity.theory.positivity`) — and otherwise starts minimum-norm Gauss–Newton on (U) from
``newton_starts`` points of ``{m : 0 < Y m < 2}`` (hit-and-run from the LP's point; ``u`` by least squares
on ``atanh(Y m − 1)``), ``newton_steps`` iterations each; N ≤ 2d (the counting bound). A failure on a
feasible data set certifies nothing.

**ReLU (exact decision).** S is the union over activation patterns of polyhedral cones, pointed when
``N ≥ d`` (``Xw = 0`` forces ``w = 0`` and then ``Ym = 0`` forces ``m = 0``), so its span is the span of the
cones' extreme rays. An extreme ray satisfies ``2d − 1`` independent constraints with equality: a *ternary
pattern* of the N points into active (``x·w = y·m``, ``x·w ≥ 0``), inactive (``y·m = 0``, ``x·w ≤ 0``) and
hinge points (``x·w = 0`` and ``y·m = 0``), with ``h = 2d − 1 − N`` hinges; patterns with ``b + h ≥ d``
inactive-or-hinge points force ``m = 0`` and are skipped. Each candidate's ray is the null vector of its
``(2d − 1) × 2d`` system, kept when ``+z`` or ``−z`` satisfies the sign conditions (margin ``−ray_tol`` relative
to ``‖x‖‖w‖``). A fit exists **iff** the feasible rays' m-parts have rank d, for data in general position (every
candidate system of full rank; ``degenerate`` counts those that are not); a negative is therefore a per-data-set
certificate that *no* bias-free two-layer ReLU net of width d fits the data, with ``gap`` (the largest margin
among rejected rays, relative) telling how far the rejections were from the tolerance. The number of candidates,
``Σ_b C(N, h)·C(N − h, b)`` over ``b ≤ d − 1 − h``, grows like ``2^{2d}``: d = 8 is seconds, d = 16 is refused
with the estimate. ``N ≥ 2d`` leaves no ray (h < 0) and is decided negative at once; ``N < d`` is padded with
fixed random points to ``N = d`` (a positive then still fits the data; a negative would decide nothing).

**Biases.** With ``F(X) = σ(X W1 + 1b1ᵀ) W2 + 1b2ᵀ`` and ``rank [Y, 1] = d + 1`` (generic, ``N ≥ d + 1``), a fit
needs ``W2`` invertible and ``H = (Y − 1b2ᵀ) W2⁻¹ = Y M + 1cᵀ`` (``M = W2⁻¹``, ``c = −W2⁻ᵀ b2``), so unit ``i``
solves ``σ(x̃·w̃) = ỹ·m̃`` with ``x̃ = [x, 1]``, ``ỹ = [y, 1]``, ``w̃ = (w_i, b1_i)``, ``m̃ = (m_i, c_i)``, and a
fit exists iff the m-parts (``m̃`` without its last entry) of the solutions span R^d; the output layer is then
re-solved by least squares on ``[H, 1]``. ReLU: the same decision on ``x̃``, ``ỹ`` (``2d + 2`` unknowns,
``h = 2d + 1 − N`` hinges, ``b + h ≤ d``; pointed for ``N ≥ d + 1``; the bound ``(2d² + d)/d = 2d + 1`` leaves
``N = 2d + 1`` with ``h = 0``). tanh: the curve through 0 with ``c`` free has the constant unit (``w = 0``,
``b1 = t``, ``c = tanh t``) as its only branch at ``N = 2d + 1``, so the construction fixes ``c_i = 0``
(``ỹ = y``, ``2d + 1`` unknowns): curves through 0 for ``N ≤ 2d``, the square system at ``N = 2d + 1``; the
count bound with biases is ``2d + 2``.

Models are batched (stacked QR, solves and selections over all tracks or candidates; models with identical data
are computed once), so model ``m``'s result depends on its own data only. The start parameters are ignored (a
model without a construction keeps them).

Per-model diagnostics (``FitResult.info["unitwise:<name>"]``): ``residual`` (relative, float64), ``rank``
(numerical rank of the collected m-parts), ``cond`` (condition number of the chosen ``M``), ``points``
(tanh: accepted curve points / zeros; ReLU: feasible rays), ``status`` (:data:`STATUS`), and for ReLU
``candidates``, ``degenerate``, ``gap`` and ``decided`` (1: certified that no fit exists).
"""

from __future__ import annotations

import torch

from depthlab.engine.homotopy import check_regression
from depthlab.engine.solver import Problem, StageResult, register_solver
from depthlab.engine.unitwise.common import (
    STATUS,
    UnitwiseSettings,
    check_family,
    pivoted_selection,
    settings_of,
)
from depthlab.engine.unitwise.relu import relu_candidate_count, relu_patterns, relu_unitwise
from depthlab.engine.unitwise.sigmoid import cone_point, sigmoid_unitwise, sigmoid_unitwise_bias_free
from depthlab.engine.unitwise.tanh import square_newton, tanh_unitwise, trace_curves
from depthlab.errors import ConfigError

__all__ = [
    "STATUS", "UnitwiseSettings", "check_family", "cone_point", "pivoted_selection", "relu_candidate_count",
    "relu_patterns", "relu_unitwise", "settings_of", "sigmoid_unitwise", "sigmoid_unitwise_bias_free", "square_newton",
    "tanh_unitwise", "trace_curves",
    "unitwise_solver",
]


def _unique_rows(x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Representative rows of the distinct data sets and each model's representative: ``(first (U,), inv (M,))``."""
    flat = torch.cat([x.flatten(1), y.flatten(1)], dim=1)
    _, inv = torch.unique(flat, dim=0, return_inverse=True)
    first = torch.full((int(inv.max()) + 1,), flat.shape[0], dtype=torch.long, device=x.device)
    first = first.scatter_reduce(0, inv, torch.arange(flat.shape[0], device=x.device), reduce="amin")
    return first, inv


@torch.no_grad()
def unitwise_solver(problem: Problem, theta: torch.Tensor) -> StageResult:
    """The ``"unitwise"`` stage through the solver interface (module docstring).

    Returns:
        ``theta`` ``(M, P)`` = ``(W1, W2)`` of the construction where it found d independent units (the start
        parameters elsewhere); counter ``unitwise`` (curve points or rays examined); info as in the module
        docstring.

    Raises:
        ConfigError: classification mode, a family other than the two-layer square tanh/ReLU/sigmoid MLP
            (biases on or off), or (ReLU) too many candidate patterns.
    """
    check_regression(problem, "unitwise")
    _, act, bias = check_family(problem.family)
    s = settings_of(problem.config)
    x = problem.x.to(torch.float64)
    y = problem.y.to(torch.float64)
    if x.is_complex() or x.dim() != 3:
        raise ConfigError("the 'unitwise' solver needs real data (M, N, d)")
    first, inv = _unique_rows(x, y)
    xu, yu = x[first], y[first]
    if act == "tanh":
        res = tanh_unitwise(xu, yu, s, bias)
    elif act == "sigmoid":
        res = sigmoid_unitwise(xu, yu, s) if bias else sigmoid_unitwise_bias_free(xu, yu, s)
    else:
        res = relu_unitwise(xu, yu, s, bias)
    res = {k: v[inv] for k, v in res.items()}
    found = res["status"] == STATUS["fit"]
    th = theta.to(torch.float64).clone()
    parts = (("w1", "b1", "w2", "b2") if bias else ("w1", "w2"))  # the family's order: W1, b1, W2, b2
    new = torch.cat([res[k].flatten(1) for k in parts], dim=1)
    th = torch.where(found.unsqueeze(1), new, th)
    work = res["candidates"] if "candidates" in res else res["points"]
    info = {k: v for k, v in res.items() if k not in ("w1", "w2", "b1", "b2")}
    return StageResult(th, {"unitwise": work.clone()}, info)


register_solver("unitwise", unitwise_solver)
