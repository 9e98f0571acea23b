"""Shared parts of the unit-wise construction (:mod:`depthlab.engine.unitwise`): settings, the family check, the
selection of d units and the network they define, padding and bias augmentation of the data."""

from __future__ import annotations

import dataclasses
import math

import torch

from depthlab.engine.families import Family, mlp
from depthlab.engine.types import Params
from depthlab.errors import ConfigError
from depthlab.validate import finite_float, positive_int

STATUS = {"fit": 0, "short": 1, "too_many_points": 2}

PAD_SEED = 0x756E6974  # fixed padding points (the same for every model)


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
    """``(d, activation, bias)`` of a family the stage handles, else a :class:`ConfigError` saying what it needs:
    two-layer square MLPs with σ = tanh, ReLU or sigmoid (biases on or off)."""
    c = family.config
    act, bias = c.get("activation"), bool(c.get("bias", False))
    ok = (c.get("family") == "mlp" and len(c.get("widths", ())) == 1
          and c.get("d_in") == c["widths"][0] == c.get("d_out")
          and act in ("tanh", "relu", "sigmoid"))
    if not ok:
        desc = (f"family={c.get('family')!r}, widths={c.get('widths')}, d_in={c.get('d_in')}, d_out={c.get('d_out')}, "
                f"activation={act!r}, bias={bias}")
        raise ConfigError("the 'unitwise' solver builds two-layer square MLPs, σ ∈ {tanh, relu, sigmoid} with biases "
                          "on or off (square_mlp(d, 2, σ, bias=...)); got " + desc)
    return int(c["d_in"]), str(act), bias


# ----------------------------------------------------------------------------------------------------------------
# selection of d units and the network they define


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


def network(family: Family, x: torch.Tensor, y: torch.Tensor, w1: torch.Tensor, b1: torch.Tensor | None
             ) -> tuple[Params, torch.Tensor]:
    """The MLP with hidden layer ``(W1, b1)`` and its output layer solved by the family's least-squares readout
    (:func:`depthlab.engine.families.solve_readout`): ``(params, relative residual (M,))``."""
    params: Params = {"W1": w1, "W2": torch.zeros_like(w1)}
    if b1 is not None:
        params.update(b1=b1, b2=torch.zeros_like(b1))
    params = family.readout(params, x, y)
    params = {k: torch.nan_to_num(v, nan=0.0, posinf=0.0, neginf=0.0) for k, v in params.items()}
    rel = ((family.forward(params, x) - y).flatten(1).norm(dim=1)
           / y.flatten(1).norm(dim=1).clamp_min(torch.finfo(y.dtype).tiny))
    return params, torch.where(torch.isfinite(rel), rel, torch.full_like(rel, math.inf))


def _cond(m: torch.Tensor) -> torch.Tensor:
    s = torch.linalg.svdvals(m)
    return s[:, 0] / s[:, -1].clamp_min(torch.finfo(m.dtype).tiny)


def assemble(activation: str, x: torch.Tensor, y: torch.Tensor, z: torch.Tensor, valid: torch.Tensor,
              rank_tol: float, bias: bool = False) -> dict[str, torch.Tensor]:
    """Pick d of the unit solutions ``z = (w̃, m̃)`` ``(M, K, dw + dm)`` (``valid`` ``(M, K)``) and build the
    ``activation`` network on the data ``x``, ``y`` ``(M, N, d)``; with ``bias``, ``w̃ = (w, b1_i)`` and
    ``m̃ = (m, c)``.

    The rank and the pivots are those of the ``m`` parts (the first d entries of ``m̃``: ``M`` must be
    invertible). Two pivot orders are tried (m-parts normalised and as they are); the lower certified residual
    wins.

    Returns:
        ``{"w1", "w2" (M, d, d), "b1", "b2" (M, d), "residual", "rank", "cond" (M,)}``.
    """
    d = y.shape[-1]
    dw = d + int(bias)
    family = mlp(d, (d,), d, activation, bias=bias)
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
        params, rel = network(family, x, y, w1, b1)
        zeros = torch.zeros_like(w1[..., 0])
        cand = {"w1": params["W1"], "w2": params["W2"], "b1": params.get("b1", zeros),
                "b2": params.get("b2", zeros), "residual": rel, "rank": rank, "cond": _cond(mm)}
        if best is None:
            best = cand
            continue
        better = rel < best["residual"]
        for k, v in cand.items():
            best[k] = torch.where(better.view((-1,) + (1,) * (v.dim() - 1)), v, best[k])
    assert best is not None
    return best


# ----------------------------------------------------------------------------------------------------------------
# the data: padding, bias augmentation, empty results


def augment(x: torch.Tensor, y: torch.Tensor, bias: bool, outputs: bool = True
             ) -> tuple[torch.Tensor, torch.Tensor]:
    """With biases, ``x̃ = [x, 1]`` and (``outputs``) ``ỹ = [y, 1]``: the unit equation σ(x̃·w̃) = ỹ·m̃ then
    carries the hidden bias in ``w̃`` and the unit's output-bias coefficient ``c`` in the last entry of ``m̃``
    (module docstring)."""
    if not bias:
        return x, y
    one = torch.ones(*x.shape[:-1], 1, dtype=x.dtype, device=x.device)
    return torch.cat([x, one], dim=-1), (torch.cat([y, one], dim=-1) if outputs else y)


def pad_points(x: torch.Tensor, y: torch.Tensor, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``x``, ``y`` ``(M, N, d)`` with ``n − N`` fixed random points appended, scaled like each model's data."""
    m, big_n, d = x.shape
    if big_n >= n:
        return x, y
    gen = torch.Generator().manual_seed(PAD_SEED)
    extra = torch.randn(2, n - big_n, d, generator=gen, dtype=torch.float64).to(x.device, x.dtype)
    sx = x.pow(2).mean(dim=(1, 2)).sqrt().clamp_min(1e-3).view(m, 1, 1)
    sy = y.pow(2).mean(dim=(1, 2)).sqrt().clamp_min(1e-3).view(m, 1, 1)
    return torch.cat([x, sx * extra[0]], dim=1), torch.cat([y, sy * extra[1]], dim=1)

def empty_result(m: int, d: int, x: torch.Tensor) -> dict[str, torch.Tensor]:
    dev, dt = x.device, x.dtype
    z = torch.zeros(m, dtype=torch.long, device=dev)
    return {"w1": torch.zeros(m, d, d, dtype=dt, device=dev), "w2": torch.zeros(m, d, d, dtype=dt, device=dev),
            "b1": torch.zeros(m, d, dtype=dt, device=dev), "b2": torch.zeros(m, d, dtype=dt, device=dev),
            "residual": torch.full((m,), math.inf, dtype=dt, device=dev), "rank": z.clone(),
            "cond": torch.full((m,), math.inf, dtype=dt, device=dev), "points": z.clone(), "status": z.clone(),
            "max_residual": torch.zeros(m, dtype=dt, device=dev)}
