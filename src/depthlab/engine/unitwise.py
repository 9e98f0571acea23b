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
certificate that no fit exists. Sigmoid has no solution of (U) at ``z = 0`` and is not handled.

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

import dataclasses
import itertools
import math
from collections.abc import Iterator

import torch

from depthlab.engine.families import Family
from depthlab.engine.solver import Problem, StageResult, register_solver
from depthlab.errors import ConfigError
from depthlab.validate import finite_float, positive_int

#: ``status`` codes: ``fit`` (d independent m-parts found), ``short`` (fewer: rank < d), ``too_many_points``
#: (tanh: N > 2d, ReLU: N ≥ 2d, where the method finds nothing).
STATUS = {"fit": 0, "short": 1, "too_many_points": 2}

_PAD_SEED = 0x756E6974  # fixed padding points (the same for every model)


@dataclasses.dataclass(frozen=True)
class UnitwiseSettings:
    """Settings of the ``"unitwise"`` solver (``FitConfig(unitwise=UnitwiseSettings(...))``).

    Attributes:
        arc_length: tanh: arclength followed in each direction from ``z = 0``.
        max_steps: tanh: predictor–corrector iterations (accepted or rejected) per direction.
        step: tanh: first arclength step; max_step: largest step; min_step: a track stops below it.
        corrector_steps: tanh: Newton iterations per correction.
        corrector_tol: tanh: absolute tolerance on ‖F(z)‖₂ (F = tanh(Xw) − Ym) at every accepted point.
        ray_tol: ReLU: relative sign tolerance of a ray (margins ≥ −ray_tol·‖x‖‖w‖ count as feasible).
        max_candidates: ReLU: refuse above this many candidate patterns per data set.
        rank_tol: relative singular-value threshold of the m-parts' numerical rank.
        newton_starts: tanh at N = 2d: random starts of Newton on the square single-unit system (0: none);
            newton_scale: their scale (z ~ N(0, scale²/d)); newton_steps: Newton iterations (steps cut to norm 5).
    """

    arc_length: float = 100.0
    max_steps: int = 600
    step: float = 0.05
    max_step: float = 2.0
    min_step: float = 1e-6
    corrector_steps: int = 8
    corrector_tol: float = 1e-12
    ray_tol: float = 1e-10
    max_candidates: int = 2_000_000
    rank_tol: float = 1e-9
    newton_starts: int = 2048
    newton_scale: float = 3.0
    newton_steps: int = 60

    def __post_init__(self) -> None:
        finite_float(self.arc_length, "arc_length", low=0.0, low_open=True)
        positive_int(self.max_steps, "max_steps")
        finite_float(self.min_step, "min_step", low=0.0, low_open=True)
        finite_float(self.max_step, "max_step", low=self.min_step)
        finite_float(self.step, "step", low=self.min_step, high=self.max_step)
        positive_int(self.corrector_steps, "corrector_steps")
        finite_float(self.corrector_tol, "corrector_tol", low=0.0, low_open=True)
        finite_float(self.ray_tol, "ray_tol", low=0.0)
        positive_int(self.max_candidates, "max_candidates")
        finite_float(self.rank_tol, "rank_tol", low=0.0, low_open=True, high=1.0)
        positive_int(self.newton_starts, "newton_starts", minimum=0)
        finite_float(self.newton_scale, "newton_scale", low=0.0, low_open=True)
        positive_int(self.newton_steps, "newton_steps")


def settings_of(cfg) -> UnitwiseSettings:
    """The unitwise settings of a :class:`~depthlab.engine.config.FitConfig` (defaults when ``None``)."""
    got = getattr(cfg, "unitwise", None)
    return got if got is not None else UnitwiseSettings()


def check_family(family: Family) -> tuple[int, str, bool]:
    """``(d, activation, bias)`` of a family the stage handles, else a :class:`ConfigError` saying what it needs."""
    c = family.config
    ok = (c.get("family") == "mlp" and len(c.get("widths", ())) == 1
          and c.get("d_in") == c["widths"][0] == c.get("d_out") and c.get("activation") in ("tanh", "relu"))
    if not ok:
        desc = (f"family={c.get('family')!r}, widths={c.get('widths')}, d_in={c.get('d_in')}, d_out={c.get('d_out')}, "
                f"activation={c.get('activation')!r}")
        raise ConfigError("the 'unitwise' solver builds two-layer square MLPs, σ ∈ {tanh, relu} "
                          f"(square_mlp(d, 2, 'tanh' or 'relu'), biases on or off); got {desc}")
    return int(c["d_in"]), str(c["activation"]), bool(c.get("bias", False))


# ----------------------------------------------------------------------------------------------------------------
# shared: selection of d units and the network they define


def pivoted_selection(u: torch.Tensor, valid: torch.Tensor, d: int, rank_tol: float
                      ) -> tuple[torch.Tensor, torch.Tensor]:
    """Column-pivoted QR (greedy largest volume) on rows of ``u`` ``(M, K, d)`` where ``valid`` ``(M, K)``.

    Returns:
        ``(idx, rank)``: ``idx`` ``(M, d)`` the chosen rows in pivot order (rows past the rank are arbitrary),
        ``rank`` ``(M,)`` the number of pivots above ``rank_tol`` times the largest valid row norm.
    """
    r = torch.where(valid.unsqueeze(2), u, torch.zeros_like(u)).clone()
    scale = r.norm(dim=2).amax(dim=1).clamp_min(torch.finfo(u.dtype).tiny)
    idx = torch.zeros(u.shape[0], d, dtype=torch.long, device=u.device)
    rank = torch.zeros(u.shape[0], dtype=torch.long, device=u.device)
    ar = torch.arange(u.shape[0], device=u.device)
    for j in range(d):
        norms = r.norm(dim=2)
        best = norms.argmax(dim=1)
        top = norms[ar, best]
        idx[:, j] = best
        rank += (top > rank_tol * scale).long()
        q = r[ar, best] / top.clamp_min(torch.finfo(u.dtype).tiny).unsqueeze(1)
        r = r - (r @ q.unsqueeze(2)) * q.unsqueeze(1)
        r[ar, best] = 0
    return idx, rank


def _network(act, x: torch.Tensor, y: torch.Tensor, w1: torch.Tensor, b1: torch.Tensor | None
             ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The output layer by least squares on ``H = σ(X W1 + b1)`` (with a column of ones when ``b1`` is given):
    ``(W2 (M, d, d), b2 (M, d), relative residual (M,))``."""
    h = act(x @ w1 + (0 if b1 is None else b1.unsqueeze(1)))
    if b1 is not None:
        h = torch.cat([h, torch.ones_like(h[..., :1])], dim=-1)
    sol = torch.linalg.lstsq(h, y, driver="gelsd" if h.device.type == "cpu" else None).solution
    sol = torch.where(torch.isfinite(sol), sol, torch.zeros_like(sol))
    rel = (h @ sol - y).flatten(1).norm(dim=1) / y.flatten(1).norm(dim=1).clamp_min(torch.finfo(y.dtype).tiny)
    rel = torch.where(torch.isfinite(rel), rel, torch.full_like(rel, math.inf))
    d = y.shape[-1]
    b2 = sol[:, d] if b1 is not None else torch.zeros_like(sol[:, 0])
    return sol[:, :d], b2, rel


def _cond(m: torch.Tensor) -> torch.Tensor:
    s = torch.linalg.svdvals(m)
    return s[:, 0] / s[:, -1].clamp_min(torch.finfo(m.dtype).tiny)


def _assemble(act, x: torch.Tensor, y: torch.Tensor, z: torch.Tensor, valid: torch.Tensor, rank_tol: float,
              bias: bool = False) -> dict[str, torch.Tensor]:
    """Pick d of the unit solutions ``z = (w̃, m̃)`` ``(M, K, dw + dm)`` (``valid`` ``(M, K)``) and build the
    network on the data ``x``, ``y`` ``(M, N, d)``; with ``bias``, ``w̃ = (w, b1_i)`` and ``m̃ = (m, c)``.

    The rank and the pivots are those of the ``m`` parts (the first d entries of ``m̃``: ``M`` must be
    invertible). Two pivot orders are tried (m-parts normalised and as they are); the lower certified residual
    wins.

    Returns:
        ``{"w1", "w2" (M, d, d), "b1", "b2" (M, d), "residual", "rank", "cond" (M,)}``.
    """
    d = y.shape[-1]
    dw = d + int(bias)
    m_part = z[..., dw:dw + d]
    norm = m_part.norm(dim=2, keepdim=True)
    valid = valid & (norm.squeeze(2) > 0) & torch.isfinite(z).all(dim=2)
    best: dict[str, torch.Tensor] | None = None
    for u in (m_part / norm.clamp_min(torch.finfo(z.dtype).tiny), m_part):
        idx, rank = pivoted_selection(u, valid, d, rank_tol)
        sel = torch.gather(z, 1, idx.unsqueeze(2).expand(-1, -1, z.shape[-1]))  # (M, d, dw + dm)
        w1 = sel[..., :d].mT.contiguous()  # columns w_i
        b1 = sel[..., d] if bias else None
        mm = sel[..., dw:dw + d].mT.contiguous()
        w2, b2, rel = _network(act, x, y, w1, b1)
        cand = {"w1": w1, "w2": w2, "b1": torch.zeros_like(w1[..., 0]) if b1 is None else b1, "b2": b2,
                "residual": rel, "rank": rank, "cond": _cond(mm)}
        if best is None:
            best = cand
            continue
        better = rel < best["residual"]
        for k, v in cand.items():
            best[k] = torch.where(better.view((-1,) + (1,) * (v.dim() - 1)), v, best[k])
    assert best is not None
    return best


# ----------------------------------------------------------------------------------------------------------------
# tanh: curve tracing


def _unit_residual(x: torch.Tensor, y: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    """``F(z) = tanh(X w) − Y m`` ``(B, n)`` for ``x`` ``(B, n, dw)``, ``y`` ``(B, n, dm)``, ``z = (w, m)``
    ``(B, dw + dm)``."""
    dw = x.shape[-1]
    return torch.tanh(x @ z[:, :dw, None]).squeeze(2) - (y @ z[:, dw:, None]).squeeze(2)


def _unit_jacobian(x: torch.Tensor, y: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    """``J(z) = [diag(1 − tanh²(Xw)) X, −Y]`` ``(B, n, dw + dm)``."""
    s = 1 - torch.tanh(x @ z[:, :x.shape[-1], None]) ** 2
    return torch.cat([s * x, -y], dim=2)


def _null_vector(j: torch.Tensor) -> torch.Tensor:
    """Unit null vector ``(B, 2d)`` of ``j`` ``(B, 2d − 1, 2d)`` (last column of the complete QR of ``jᵀ``)."""
    q, _ = torch.linalg.qr(j.mT, mode="complete")
    return q[..., -1]


@torch.no_grad()
def trace_curves(x: torch.Tensor, y: torch.Tensor, s: UnitwiseSettings, extra: tuple[torch.Tensor, torch.Tensor]
                 | None = None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Follow the solution curve of ``tanh(Xw) = Ym`` through ``z = 0`` in both directions.

    Args:
        x, y: ``(B, 2d − 1, d)`` float64, one curve system per row.
        s: settings (arclength, steps, tolerances).
        extra: optional ``(x_e, y_e)`` ``(B, d)``: an extra equation ``g(z) = tanh(x_e·w) − y_e·m``; when given,
            the returned points are its zeros along the curve (sign changes refined by Newton on all ``2d``
            equations) instead of the curve points.

    Returns:
        ``(points, valid, max_residual)``: ``(B, K, 2d)`` accepted points (or zeros), ``(B, K)`` mask, and the
        largest ‖F‖₂ over each row's accepted points ``(B,)`` (≤ ``corrector_tol`` by construction).
    """
    b, n, dw = x.shape
    two_d = dw + y.shape[-1]  # unknowns z = (w, m)
    if n != two_d - 1:
        raise ConfigError(f"trace_curves needs dw + dm − 1 = {two_d - 1} equations, got {n}")
    dt, dev = x.dtype, x.device
    # both directions as separate tracks: rows [0, B) go +τ0, rows [B, 2B) go −τ0
    xx, yy = torch.cat([x, x]), torch.cat([y, y])
    z = torch.zeros(2 * b, two_d, dtype=dt, device=dev)
    tau = _null_vector(_unit_jacobian(xx, yy, z))
    tau = torch.cat([tau[:b], -tau[b:]])
    h = torch.full((2 * b,), s.step, dtype=dt, device=dev)
    arc = torch.zeros(2 * b, dtype=dt, device=dev)
    running = torch.ones(2 * b, dtype=torch.bool, device=dev)
    maxres = torch.zeros(2 * b, dtype=dt, device=dev)
    pts: list[torch.Tensor] = []
    oks: list[torch.Tensor] = []
    if extra is not None:
        xe, ye = torch.cat([extra[0], extra[0]]), torch.cat([extra[1], extra[1]])

        def g(zz: torch.Tensor, rows: torch.Tensor) -> torch.Tensor:
            return torch.tanh((xe[rows] * zz[:, :dw]).sum(1)) - (ye[rows] * zz[:, dw:]).sum(1)
        g_prev = torch.zeros(2 * b, dtype=dt, device=dev)
        z_prev = z.clone()
    for _ in range(s.max_steps):
        act = torch.nonzero(running).squeeze(1)
        if act.numel() == 0:
            break
        xa, ya, za, ta, ha = xx[act], yy[act], z[act], tau[act], h[act]
        zp = za + ha.unsqueeze(1) * ta
        zc = zp.clone()
        conv = torch.zeros(act.numel(), dtype=torch.bool, device=dev)
        iters = torch.full((act.numel(),), s.corrector_steps + 1, dtype=torch.long, device=dev)
        for k in range(s.corrector_steps):
            f = _unit_residual(xa, ya, zc)
            fn = f.norm(dim=1)
            newly = (fn <= s.corrector_tol) & ~conv
            iters[newly] = k
            conv |= newly
            if bool(conv.all()):
                break
            a = torch.cat([_unit_jacobian(xa, ya, zc), ta.unsqueeze(1)], dim=1)
            rhs = torch.cat([f, ((zc - zp) * ta).sum(1, keepdim=True)], dim=1)
            step, info = torch.linalg.solve_ex(a, rhs)
            bad = (info != 0) | ~torch.isfinite(step).all(dim=1)
            step = torch.where(bad.unsqueeze(1), torch.zeros_like(step), step)
            zc = torch.where(conv.unsqueeze(1), zc, zc - step)
        else:
            f = _unit_residual(xa, ya, zc)
            fn = f.norm(dim=1)
            newly = (fn <= s.corrector_tol) & ~conv
            iters[newly] = s.corrector_steps
            conv |= newly
        # accepted: new tangent from the null space at zc, oriented like the old one
        tn = _null_vector(_unit_jacobian(xa, ya, zc))
        tn = torch.where(((tn * ta).sum(1) < 0).unsqueeze(1), -tn, tn)
        ok = conv & torch.isfinite(zc).all(dim=1) & torch.isfinite(tn).all(dim=1)
        acc = act[ok]
        arc[acc] += (zc[ok] - za[ok]).norm(dim=1)
        maxres[acc] = torch.maximum(maxres[acc], fn[ok])
        z[acc], tau[acc] = zc[ok], tn[ok]
        easy = ok & (iters <= 3)
        h[act] = torch.where(ok, torch.where(easy, (ha * 1.5).clamp_max(s.max_step), ha), ha / 2)
        running[act] = (h[act] >= s.min_step) & (arc[act] < s.arc_length)
        if extra is None:
            keep = torch.zeros(2 * b, dtype=torch.bool, device=dev)
            keep[acc] = True
            pts.append(z.clone())
            oks.append(keep)
        else:
            gz = g(z[acc], acc)
            cross = (gz * g_prev[acc] < 0)
            zeros_z = torch.zeros(2 * b, two_d, dtype=dt, device=dev)
            keep = torch.zeros(2 * b, dtype=torch.bool, device=dev)
            if bool(cross.any()):
                rows = acc[cross]
                lam = (g_prev[rows] / (g_prev[rows] - gz[cross])).unsqueeze(1)
                zs = z_prev[rows] + lam * (z[rows] - z_prev[rows])
                zr, good = _newton_full(torch.cat([xx[rows], xe[rows].unsqueeze(1)], dim=1),
                                        torch.cat([yy[rows], ye[rows].unsqueeze(1)], dim=1), zs, s)
                zeros_z[rows] = zr
                keep[rows] = good
            pts.append(zeros_z)
            oks.append(keep)
            g_prev[acc] = gz
            z_prev[acc] = z[acc]
    if not pts:
        pts, oks = [z.clone()], [torch.zeros(2 * b, dtype=torch.bool, device=dev)]
    p = torch.stack(pts, dim=1)
    v = torch.stack(oks, dim=1)
    p = torch.cat([p[:b], p[b:]], dim=1)
    v = torch.cat([v[:b], v[b:]], dim=1)
    return p, v, torch.maximum(maxres[:b], maxres[b:])


def _newton_full(x: torch.Tensor, y: torch.Tensor, z: torch.Tensor, s: UnitwiseSettings
                 ) -> tuple[torch.Tensor, torch.Tensor]:
    """Newton on the square system ``tanh(Xw) = Ym`` (``n = dw + dm`` equations) from ``z`` ``(B, dw + dm)``;
    returns ``(z, converged)`` with convergence ``‖F‖₂ ≤ corrector_tol``."""
    zc = z.clone()
    for _ in range(4 * s.corrector_steps):
        f = _unit_residual(x, y, zc)
        step, info = torch.linalg.solve_ex(_unit_jacobian(x, y, zc), f)
        bad = (info != 0) | ~torch.isfinite(step).all(dim=1)
        zc = zc - torch.where(bad.unsqueeze(1), torch.zeros_like(step), step)
    f = _unit_residual(x, y, zc)
    return zc, (f.norm(dim=1) <= s.corrector_tol) & torch.isfinite(zc).all(dim=1)


def square_newton(x: torch.Tensor, y: torch.Tensor, s: UnitwiseSettings) -> tuple[torch.Tensor, torch.Tensor]:
    """Solutions of the square system ``tanh(Xw) = Ym`` (``x`` ``(M, n, dw)``, ``y`` ``(M, n, dm)``,
    ``n = dw + dm``) by Newton from
    ``s.newton_starts`` fixed random starts ``z ~ N(0, newton_scale²/d)`` (the same starts for every model), each
    step cut to norm ≤ 5, ``s.newton_steps`` iterations.

    Returns:
        ``(z, ok)``: ``(M, S, 2d)`` end points and ``(M, S)`` mask of converged ones (‖F‖₂ ≤ corrector_tol, finite,
        m ≠ 0).
    """
    m, _, dw = x.shape
    nz = dw + y.shape[-1]
    gen = torch.Generator().manual_seed(_PAD_SEED + 1)
    z0 = (torch.randn(s.newton_starts, nz, generator=gen, dtype=torch.float64) * s.newton_scale
          / math.sqrt(dw)).to(x.device, x.dtype)
    per_model = s.newton_starts * nz ** 2 * 8 * 4
    chunk = max(1, (128 << 20) // per_model)
    zs, oks = [], []
    for a in range(0, m, chunk):
        xa, ya = x[a:a + chunk], y[a:a + chunk]
        k = xa.shape[0]
        xx = xa.repeat_interleave(s.newton_starts, 0)
        yy = ya.repeat_interleave(s.newton_starts, 0)
        z = z0.repeat(k, 1)
        for _ in range(s.newton_steps):
            step, info = torch.linalg.solve_ex(_unit_jacobian(xx, yy, z), _unit_residual(xx, yy, z))
            bad = (info != 0) | ~torch.isfinite(step).all(dim=1)
            step = step * (5.0 / step.norm(dim=1, keepdim=True).clamp_min(5.0))
            z = torch.where(bad.unsqueeze(1), z, z - step)
        ok = ((_unit_residual(xx, yy, z).norm(dim=1) <= s.corrector_tol) & torch.isfinite(z).all(dim=1)
              & (z[:, dw:].norm(dim=1) > 1e-8))
        zs.append(z.reshape(k, s.newton_starts, -1))
        oks.append(ok.reshape(k, s.newton_starts))
    return torch.cat(zs), torch.cat(oks)


def _polish(x: torch.Tensor, y: torch.Tensor, pts: torch.Tensor, valid: torch.Tensor, steps: int = 2,
            chunk: int = 4096) -> torch.Tensor:
    """Minimum-norm Gauss–Newton steps ``z ← z − Jᵀ(JJᵀ)⁻¹F(z)`` on the valid points of ``pts`` ``(M, K, 2d)``
    (mask ``valid`` ``(M, K)``) of the curve systems ``x``, ``y`` ``(M, 2d − 1, d)``: the corrector leaves
    ‖F‖ ≤ corrector_tol, which the chosen ``M⁻¹`` amplifies by up to cond(M); these steps take it to rounding
    level. A step that does not lower ‖F‖ (or is not finite) is not taken. Chunks of ``chunk`` points."""
    out = pts.clone()
    rows, cols = torch.nonzero(valid, as_tuple=True)
    for a in range(0, rows.numel(), chunk):
        r, c = rows[a:a + chunk], cols[a:a + chunk]
        xx, yy, z = x[r], y[r], out[r, c]
        for _ in range(steps):
            f = _unit_residual(xx, yy, z)
            j = _unit_jacobian(xx, yy, z)
            sol, info = torch.linalg.solve_ex(j @ j.mT, f.unsqueeze(2))
            new = z - (j.mT @ sol).squeeze(2)
            fine = (info == 0) & torch.isfinite(new).all(dim=1)
            new = torch.where(fine.unsqueeze(1), new, z)
            better = fine & (_unit_residual(xx, yy, new).norm(dim=1) <= f.norm(dim=1))
            z = torch.where(better.unsqueeze(1), new, z)
        out[r, c] = z
    return out


def _augment(x: torch.Tensor, y: torch.Tensor, bias: bool, outputs: bool = True
             ) -> tuple[torch.Tensor, torch.Tensor]:
    """With biases, ``x̃ = [x, 1]`` and (``outputs``) ``ỹ = [y, 1]``: the unit equation σ(x̃·w̃) = ỹ·m̃ then
    carries the hidden bias in ``w̃`` and the unit's output-bias coefficient ``c`` in the last entry of ``m̃``
    (module docstring)."""
    if not bias:
        return x, y
    one = torch.ones(*x.shape[:-1], 1, dtype=x.dtype, device=x.device)
    return torch.cat([x, one], dim=-1), (torch.cat([y, one], dim=-1) if outputs else y)


def _padded(x: torch.Tensor, y: torch.Tensor, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``x``, ``y`` ``(M, N, d)`` with ``n − N`` fixed random points appended, scaled like each model's data."""
    m, big_n, d = x.shape
    if big_n >= n:
        return x, y
    gen = torch.Generator().manual_seed(_PAD_SEED)
    extra = torch.randn(2, n - big_n, d, generator=gen, dtype=torch.float64).to(x.device, x.dtype)
    sx = x.pow(2).mean(dim=(1, 2)).sqrt().clamp_min(1e-3).view(m, 1, 1)
    sy = y.pow(2).mean(dim=(1, 2)).sqrt().clamp_min(1e-3).view(m, 1, 1)
    return torch.cat([x, sx * extra[0]], dim=1), torch.cat([y, sy * extra[1]], dim=1)


def tanh_unitwise(x: torch.Tensor, y: torch.Tensor, s: UnitwiseSettings, bias: bool = False
                  ) -> dict[str, torch.Tensor]:
    """The tanh construction for models ``x``, ``y`` ``(M, N, d)`` float64 (module docstring); ``bias``: the net
    has biases (then ``N`` up to ``2d + 1``; the units' output-bias coefficients are fixed at c = 0).

    Returns:
        ``{"w1", "w2" (M, d, d), "b1", "b2" (M, d), "residual", "rank", "cond", "points", "status",
        "max_residual" (M,)}``.
    """
    m, big_n, d = x.shape
    two_d = 2 * d + int(bias)  # unknowns of one unit: w̃ = (w, b1_i) and m (c = 0: see the module docstring)
    out = _empty(m, d, x)
    if big_n > two_d:
        out["status"][:] = STATUS["too_many_points"]
        return out

    if big_n <= two_d - 1:
        xp, yp = _augment(*_padded(x, y, two_d - 1), bias, outputs=False)
        pts, valid, maxres = trace_curves(xp, yp, s)
        pts = _polish(xp, yp, pts, valid)
    else:  # N = 2d: curves of the 2d drop-one systems, zeros of the dropped equation
        xa, ya = _augment(x, y, bias, outputs=False)
        keep = [torch.tensor([j for j in range(two_d) if j != k], device=x.device) for k in range(two_d)]
        xs = torch.cat([xa[:, kk] for kk in keep])
        ys = torch.cat([ya[:, kk] for kk in keep])
        xe = torch.cat([xa[:, k] for k in range(two_d)])
        ye = torch.cat([ya[:, k] for k in range(two_d)])
        pts, valid, maxres = trace_curves(xs, ys, s, extra=(xe, ye))
        pts = torch.cat(pts.split(m), dim=1)  # (M, 2d·K, 2d): model-major
        valid = torch.cat(valid.split(m), dim=1)
        maxres = torch.stack(maxres.split(m), dim=1).amax(dim=1)
        if s.newton_starts > 0:
            zn, vn = square_newton(xa, ya, s)
            pts, valid = torch.cat([pts, zn], dim=1), torch.cat([valid, vn], dim=1)
    out.update(_assemble(torch.tanh, x, y, pts, valid, s.rank_tol, bias))
    out.update(points=valid.sum(1), max_residual=maxres)
    rank = out["rank"]
    out["status"] = torch.where(rank >= d, STATUS["fit"], STATUS["short"])
    return out


def _empty(m: int, d: int, x: torch.Tensor) -> dict[str, torch.Tensor]:
    dev, dt = x.device, x.dtype
    z = torch.zeros(m, dtype=torch.long, device=dev)
    return {"w1": torch.zeros(m, d, d, dtype=dt, device=dev), "w2": torch.zeros(m, d, d, dtype=dt, device=dev),
            "b1": torch.zeros(m, d, dtype=dt, device=dev), "b2": torch.zeros(m, d, dtype=dt, device=dev),
            "residual": torch.full((m,), math.inf, dtype=dt, device=dev), "rank": z.clone(),
            "cond": torch.full((m,), math.inf, dtype=dt, device=dev), "points": z.clone(), "status": z.clone(),
            "max_residual": torch.zeros(m, dtype=dt, device=dev)}


# ----------------------------------------------------------------------------------------------------------------
# ReLU: enumeration of extreme rays


def relu_candidate_count(n: int, d: int, bias: bool = False) -> int:
    """Number of ternary patterns the ReLU decision examines at ``N = n`` points, width ``d`` (with ``bias``: the
    unit problem in ``d + 1`` and ``d + 1`` unknowns); 0 if ``n ≥ 2(d + bias)``."""
    k = d + int(bias)
    h = 2 * k - 1 - n
    if h < 0 or n < h:
        return 0
    return math.comb(n, h) * sum(math.comb(n - h, b) for b in range(max(0, k - h)))


def relu_patterns(n: int, d: int, chunk: int, bias: bool = False) -> Iterator[torch.Tensor]:
    """All candidate patterns at N = ``n``, width ``d``, as int8 tensors ``(C, n)`` of at most ``chunk`` rows:
    0 active, 1 inactive, 2 hinge (``h = 2k − 1 − n`` hinges, ``b ≤ k − 1 − h`` inactive points, ``k = d + bias``)."""
    k = d + int(bias)
    h = 2 * k - 1 - n
    if h < 0 or n < h:
        return
    rows: list[list[int]] = []
    for hinge in itertools.combinations(range(n), h):
        rest = [i for i in range(n) if i not in hinge]
        for b in range(max(0, k - h)):
            for inact in itertools.combinations(rest, b):
                row = [0] * n
                for i in hinge:
                    row[i] = 2
                for i in inact:
                    row[i] = 1
                rows.append(row)
                if len(rows) == chunk:
                    yield torch.tensor(rows, dtype=torch.int8)
                    rows = []
    if rows:
        yield torch.tensor(rows, dtype=torch.int8)


def _ray_systems(x: torch.Tensor, y: torch.Tensor, pat: torch.Tensor, h: int) -> torch.Tensor:
    """Candidate systems ``(M, C, dw + dm − 1, dw + dm)`` for data ``x`` ``(M, N, dw)``, ``y`` ``(M, N, dm)`` and
    patterns ``pat`` ``(C, N)``."""
    n = x.shape[1]
    p = pat.to(x.device).long()
    xmask = (p != 1).to(x.dtype)  # active and hinge rows use x
    ycoef = torch.where(p == 0, -1.0, torch.where(p == 1, 1.0, 0.0)).to(x.dtype)  # active −y, inactive +y
    top = torch.cat([xmask[None, :, :, None] * x[:, None], ycoef[None, :, :, None] * y[:, None]], dim=3)
    if h == 0:
        return top
    hidx = torch.sort(torch.where(p == 2, torch.arange(n, device=x.device), n), dim=1).values[:, :h]  # (C, h)
    yh = y[:, hidx]  # (M, C, h, d)
    extra = torch.cat([yh.new_zeros(*yh.shape[:-1], x.shape[-1]), yh], dim=3)
    return torch.cat([top, extra], dim=2)


@torch.no_grad()
def relu_unitwise(x: torch.Tensor, y: torch.Tensor, s: UnitwiseSettings, bias: bool = False
                  ) -> dict[str, torch.Tensor]:
    """The ReLU decision and construction for models ``x``, ``y`` ``(M, N, d)`` float64 (module docstring);
    ``bias``: the net has biases (the unit problem in ``x̃ = [x, 1]``, ``ỹ = [y, 1]``).

    Returns:
        As :func:`tanh_unitwise`, plus ``candidates``, ``degenerate`` (long), ``gap`` (float64) and ``decided``
        (1 where no fit exists, by the rank test) ``(M,)``.

    Raises:
        ConfigError: more than ``max_candidates`` patterns (the message gives the count and the time estimate).
    """
    m, n_data, d = x.shape
    k = d + int(bias)  # unknowns of w̃ and of m̃
    x_data, y_data = x, y
    x, y = _augment(*_padded(x, y, k), bias)  # N < k: fixed extra points (a fit of more points fits these too)
    n = x.shape[1]
    out = _empty(m, d, x)
    z = torch.zeros(m, dtype=torch.long, device=x.device)
    out.update(candidates=z.clone(), degenerate=z.clone(),
               gap=torch.full((m,), -math.inf, dtype=x.dtype, device=x.device), decided=z.clone())
    count = relu_candidate_count(n, d, bias)
    if n >= 2 * k:
        out["status"][:] = STATUS["too_many_points"]
        out["decided"][:] = 1
        return out
    if count > s.max_candidates:
        raise ConfigError(
            f"the 'unitwise' ReLU decision at d = {d}{' with biases' if bias else ''}, N = {n} examines "
            f"{count:,} candidate patterns per data set ({2 * k - 1} × {2 * k} QR each, about "
            f"{count * m * 7e-6:,.0f} s for {m} models at ~7 µs each on a 2-core CPU), "
            f"above max_candidates = {s.max_candidates:,}; use a smaller d or N, raise "
            "UnitwiseSettings(max_candidates=…), or another method")
    h = 2 * k - 1 - n
    chunk = max(1, (64 << 20) // max(1, m * (2 * k) ** 2 * 8 * 3))
    feas_z: list[torch.Tensor] = []
    feas_ok: list[torch.Tensor] = []
    xn = x.norm(dim=2)  # (M, N)
    for pat in relu_patterns(n, d, chunk, bias):
        a = _ray_systems(x, y, pat, h)  # (M, C, 2k − 1, 2k)
        q, r = torch.linalg.qr(a.mT, mode="complete")
        zr = q[..., -1]  # (M, C, 2k)
        diag = r.diagonal(dim1=-2, dim2=-1).abs()
        degenerate = diag.amin(dim=-1) <= 1e-10 * diag.amax(dim=-1)
        w, mm = zr[..., :k], zr[..., k:k + d]  # the m part without the output-bias entry
        marg = torch.einsum("mnd,mcd->mcn", x, w) / (xn.unsqueeze(1) * w.norm(dim=2, keepdim=True)).clamp_min(
            torch.finfo(x.dtype).tiny)
        p = pat.to(x.device).long()
        sign = torch.where(p == 0, 1.0, torch.where(p == 1, -1.0, 0.0)).to(x.dtype)  # want sign·x·w ≥ 0
        sm = marg * sign  # (M, C, N); hinges contribute 0
        worst_pos = sm.amin(dim=2)  # orientation +z
        worst_neg = (-sm).amin(dim=2)  # orientation −z
        flip = worst_neg > worst_pos
        worst = torch.maximum(worst_pos, worst_neg)
        zr = torch.where(flip.unsqueeze(2), -zr, zr)
        useful = mm.norm(dim=2) > 1e-12  # rays with m = 0 (with biases: only the output-bias entry) add nothing
        ok = (worst >= -s.ray_tol) & ~degenerate & useful
        rejected = torch.where(ok | degenerate | ~useful, torch.full_like(worst, -math.inf), worst)
        out["gap"] = torch.maximum(out["gap"], rejected.amax(dim=1))
        out["degenerate"] += degenerate.sum(1)
        out["candidates"] += pat.shape[0]
        if bool(ok.any()):
            keep = ok.any(dim=0)
            feas_z.append(zr[:, keep])
            feas_ok.append(ok[:, keep])
    if feas_z:
        zz, vv = torch.cat(feas_z, dim=1), torch.cat(feas_ok, dim=1)
        out.update(_assemble(torch.relu, x_data, y_data, zz, vv, s.rank_tol, bias))
        out["points"] = vv.sum(1)
    out["status"] = torch.where(out["rank"] >= d, STATUS["fit"], STATUS["short"])
    # a negative decides the data only when no points were added (N ≥ d + bias)
    out["decided"] = ((out["rank"] < d) & (n_data >= k)).long()
    return out


# ----------------------------------------------------------------------------------------------------------------
# the solver


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
        ConfigError: classification mode, a family other than the bias-free two-layer square tanh/ReLU MLP, or
            (ReLU) too many candidate patterns.
    """
    from depthlab.engine.homotopy import check_regression

    check_regression(problem, "unitwise")
    _, act, bias = check_family(problem.family)
    s = settings_of(problem.config)
    x = problem.x.to(torch.float64)
    y = problem.y.to(torch.float64)
    if x.is_complex() or x.dim() != 3:
        raise ConfigError("the 'unitwise' solver needs real data (M, N, d)")
    first, inv = _unique_rows(x, y)
    xu, yu = x[first], y[first]
    res = tanh_unitwise(xu, yu, s, bias) if act == "tanh" else relu_unitwise(xu, yu, s, bias)
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
