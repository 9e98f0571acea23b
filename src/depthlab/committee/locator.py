"""A cheap transition locator: bisection in α per (K, N) instead of a full α grid.

For each (K, N) the locator evaluates cells (``instances`` problems at one α, exactly the cells of
:func:`depthlab.committee.experiment.run_sweep`, stored in the same resumable :class:`~depthlab.results.ShardStore`
under the same content keys) only where they inform the crossing P_success = 1/2:

1. a bracket [lo, hi]: the preset's, or, when the same K already has a transition at a smaller N, that
   estimate ± ``halfwidth``; widened (lo ← lo − width, hi ← hi + width, at most ``expand`` times) until
   P(lo) ≥ 1/2 > P(hi);
2. ``bisections`` bisection steps at the midpoint (rounded to ``resolution``): P(mid) ≥ 1/2 → lo = mid, else
   hi = mid; stop early once hi − lo ≤ 2·resolution.

α_50 and its SE then come from the same logistic maximum-likelihood fit (:func:`.analysis.transitions`) on all
evaluated cells, which need not lie on a grid. The α sequence is a deterministic function of the stored
results, so an interrupted run resumes without recomputing: every finished cell is read back from its shard.

Cost: 2 + ``bisections`` cells per (K, N) (plus widenings) against 10–30 for a grid of the same resolution.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import torch

from depthlab.committee.analysis import transitions
from depthlab.committee.experiment import SweepConfig, run_cell
from depthlab.committee.model import adjusted_N
from depthlab.errors import ConfigError
from depthlab.results import ShardStore
from depthlab.seeding import config_hash
from depthlab.validate import finite_float, positive_int


@dataclasses.dataclass(frozen=True)
class LocateSettings:
    """Bisection settings (see the module docstring).

    Attributes:
        lo, hi: initial bracket in α (0 < lo < hi).
        bisections: bisection steps after bracketing.
        resolution: α values are rounded to this; bisection stops when hi − lo ≤ 2·resolution.
        halfwidth: bracket half-width around a smaller N's estimate for the same K (0: always [lo, hi]).
        expand: at most this many widenings of a bracket that does not contain the crossing.
    """

    lo: float = 1.0
    hi: float = 4.0
    bisections: int = 5
    resolution: float = 0.01
    halfwidth: float = 0.5
    expand: int = 3

    def __post_init__(self) -> None:
        finite_float(self.lo, "lo", low=0.0, low_open=True)
        finite_float(self.hi, "hi", low=self.lo, low_open=True)
        positive_int(self.bisections, "bisections")
        finite_float(self.resolution, "resolution", low=0.0, low_open=True)
        finite_float(self.halfwidth, "halfwidth", low=0.0)
        if int(self.expand) < 0:
            raise ConfigError(f"expand must be ≥ 0, got {self.expand}")


def _round(a: float, res: float) -> float:
    return round(round(a / res) * res, 10)


def locate(cfg: SweepConfig, settings: LocateSettings, out: str | Path, *, device: torch.device | str = "cpu",
           log: Callable[[str], None] | None = None) -> pd.DataFrame:
    """Locate α_50 for every (K, N) of ``cfg`` (its ``alphas`` are ignored); resumable in ``out``.

    Returns:
        The per-instance table of every evaluated cell (columns as :func:`.experiment.run_cell`).
    """
    from depthlab.device import resolve_device

    dev = resolve_device(device)
    store = ShardStore(out)
    frames: list[pd.DataFrame] = []
    estimate: dict[int, float] = {}
    res = settings.resolution

    def evaluate(K: int, N: int, alpha: float) -> float:
        cell = cfg.cell(K, N, alpha)
        key = config_hash(cell)
        if not store.has(key):
            store.write(key, run_cell(cell, dev, cfg.chunk), config=cell)
        df = store.read(key)
        frames.append(df)
        p = float(df["solved"].mean())
        if log is not None:
            log(f"{cfg.activation}/{cfg.algorithm} K={K} N={N} α={alpha:g}: P(success) = {p:.3f}")
        return p

    for N0 in cfg.Ns:
        for K in cfg.Ks:
            N = adjusted_N(N0, K)
            if K in estimate and settings.halfwidth > 0 and math.isfinite(estimate[K]):
                lo = _round(max(res, estimate[K] - settings.halfwidth), res)
                hi = _round(estimate[K] + settings.halfwidth, res)
            else:
                lo, hi = settings.lo, settings.hi
            width = hi - lo
            p_lo, p_hi = evaluate(K, N, lo), evaluate(K, N, hi)
            for _ in range(settings.expand):
                if p_lo < 0.5 and lo > res:
                    hi, p_hi = lo, p_lo
                    lo = _round(max(res, lo - width), res)
                    p_lo = evaluate(K, N, lo)
                elif p_hi >= 0.5:
                    lo, p_lo = hi, p_hi
                    hi = _round(hi + width, res)
                    p_hi = evaluate(K, N, hi)
                else:
                    break
            if p_lo >= 0.5 > p_hi:
                for _ in range(settings.bisections):
                    if hi - lo <= 2 * res:
                        break
                    mid = _round((lo + hi) / 2, res)
                    if evaluate(K, N, mid) >= 0.5:
                        lo = mid
                    else:
                        hi = mid
            t = transitions(pd.concat([f for f in frames if int(f["K"].iloc[0]) == K
                                       and int(f["N"].iloc[0]) == N], ignore_index=True))
            estimate[K] = float(t["alpha50"].iloc[0]) if len(t) else float("nan")
    return pd.concat(frames, ignore_index=True).drop_duplicates(subset=["K", "N", "alpha", "instance"])


#: Named locator presets: ``{name: [(label, SweepConfig kwargs, LocateSettings kwargs), ...]}``.
#: ``medium`` is sized for about 45 single-thread CPU-minutes (N up to 1024); see docs/committee.md.
PRESETS: dict[str, list[tuple[str, dict[str, Any], dict[str, Any]]]] = {
    "medium": [
        ("sign-least-action", {"activation": "sign", "algorithm": "least-action", "Ks": (1, 3, 7, 15),
                               "Ns": (256, 512, 1024), "instances": 16, "steps": 1000},
         {"lo": 1.5, "hi": 3.5, "bisections": 3, "resolution": 0.01, "halfwidth": 0.3}),
        ("relu-adam", {"activation": "relu", "Ks": (2, 4, 8, 16), "Ns": (256, 512, 1024), "instances": 12,
                       "steps": 600},
         {"lo": 1.0, "hi": 3.0, "bisections": 4, "resolution": 0.01, "halfwidth": 0.3}),
        ("sign-adam", {"activation": "sign", "Ks": (1, 3, 7, 15), "Ns": (256, 512), "instances": 12,
                       "steps": 600},
         {"lo": 1.0, "hi": 3.0, "bisections": 4, "resolution": 0.01, "halfwidth": 0.3}),
    ],
    "tiny": [
        ("sign-least-action", {"activation": "sign", "algorithm": "least-action", "Ks": (1, 3), "Ns": (15, 30),
                               "instances": 6, "steps": 100},
         {"lo": 0.5, "hi": 3.0, "bisections": 2, "resolution": 0.05, "halfwidth": 0.5}),
    ],
}


def run_preset(name: str, out: str | Path, *, seed: int = 0, device: torch.device | str = "cpu",
               log: Callable[[str], None] | None = None) -> pd.DataFrame:
    """Run (or resume) every part of a named preset into ``out/<label>``; returns all per-instance rows."""
    if name not in PRESETS:
        raise ConfigError(f"unknown locator preset {name!r}; presets: {', '.join(sorted(PRESETS))}")
    frames = []
    for label, sweep_kw, loc_kw in PRESETS[name]:
        cfg = SweepConfig(seed=seed, **sweep_kw)
        frames.append(locate(cfg, LocateSettings(**loc_kw), Path(out) / label, device=device, log=log))
    return pd.concat(frames, ignore_index=True)
