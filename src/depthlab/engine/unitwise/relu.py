"""ReLU: the exact decision by enumeration of the extreme rays of the unit equation's cones
(:mod:`depthlab.engine.unitwise`, "ReLU")."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator

import torch

from depthlab.engine.unitwise.common import STATUS, UnitwiseSettings, assemble, augment, empty_result, pad_points
from depthlab.errors import ConfigError


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
    x, y = augment(*pad_points(x, y, k), bias)  # N < k: fixed extra points (a fit of more points fits these too)
    n = x.shape[1]
    out = empty_result(m, d, x)
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
        out.update(assemble("relu", x_data, y_data, zz, vv, s.rank_tol, bias))
        out["points"] = vv.sum(1)
    out["status"] = torch.where(out["rank"] >= d, STATUS["fit"], STATUS["short"])
    # a negative decides the data only when no points were added (N ≥ d + bias)
    out["decided"] = ((out["rank"] < d) & (n_data >= k)).long()
    return out
