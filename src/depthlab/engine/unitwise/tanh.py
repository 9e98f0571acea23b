"""tanh: the unit equation's solution curve through 0, followed by pseudo-arclength continuation, and Newton on the
square system at N = 2d (:mod:`depthlab.engine.unitwise`, "tanh")."""

from __future__ import annotations

import math

import torch

from depthlab.engine.unitwise.common import (
    PAD_SEED,
    STATUS,
    UnitwiseSettings,
    assemble,
    augment,
    empty_result,
    pad_points,
)
from depthlab.errors import ConfigError


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
                zr, good = _newton(torch.cat([xx[rows], xe[rows].unsqueeze(1)], dim=1),
                                   torch.cat([yy[rows], ye[rows].unsqueeze(1)], dim=1), zs,
                                   4 * s.corrector_steps, s.corrector_tol)
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


def _newton(x: torch.Tensor, y: torch.Tensor, z: torch.Tensor, steps: int, tol: float,
            max_norm: float | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Newton on the square system ``tanh(Xw) = Ym`` (``n = dw + dm`` equations) from ``z`` ``(B, dw + dm)``:
    ``steps`` iterations, each step cut to norm ≤ ``max_norm`` when given; a failed or non-finite solve leaves the
    point. Returns ``(z, converged)`` with convergence ``‖F‖₂ ≤ tol`` and a finite ``z``."""
    zc = z.clone()
    for _ in range(steps):
        step, info = torch.linalg.solve_ex(_unit_jacobian(x, y, zc), _unit_residual(x, y, zc))
        bad = (info != 0) | ~torch.isfinite(step).all(dim=1)
        if max_norm is not None:
            step = step * (max_norm / step.norm(dim=1, keepdim=True).clamp_min(max_norm))
        zc = torch.where(bad.unsqueeze(1), zc, zc - step)
    return zc, (_unit_residual(x, y, zc).norm(dim=1) <= tol) & torch.isfinite(zc).all(dim=1)


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
    gen = torch.Generator().manual_seed(PAD_SEED + 1)
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
        z, ok = _newton(xx, yy, z0.repeat(k, 1), s.newton_steps, s.corrector_tol, max_norm=5.0)
        ok &= z[:, dw:].norm(dim=1) > 1e-8
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
    out = empty_result(m, d, x)
    if big_n > two_d:
        out["status"][:] = STATUS["too_many_points"]
        return out

    if big_n <= two_d - 1:
        xp, yp = augment(*pad_points(x, y, two_d - 1), bias, outputs=False)
        pts, valid, maxres = trace_curves(xp, yp, s)
        pts = _polish(xp, yp, pts, valid)
    else:  # N = 2d: curves of the 2d drop-one systems, zeros of the dropped equation
        xa, ya = augment(x, y, bias, outputs=False)
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
    out.update(assemble("tanh", x, y, pts, valid, s.rank_tol, bias))
    out.update(points=valid.sum(1), max_residual=maxres)
    rank = out["rank"]
    out["status"] = torch.where(rank >= d, STATUS["fit"], STATUS["short"])
    return out
