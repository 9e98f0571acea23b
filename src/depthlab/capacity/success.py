"""Success curves N ↦ P(exact fit) and the capacity N*(L, d, σ): data, one (cell, N) point, the N ramp, N*.

Protocol (**ours, not the paper's** — Gai & Zhang, arXiv 2407.02540, do not publish theirs):

* points x_i, y_i ∈ R^d with iid N(0, 1) entries, i = 1..N (data set t at N is shared by all architectures of
  width d, see :mod:`depthlab.capacity.config`);
* one layer: y = W x; depth L: y = W_L σ(W_{L−1} … σ(W_1 x)) with square d×d weights, biases optional;
* a fit is *exact* when ‖F(X) − Y‖_F / ‖Y‖_F ≤ 1e-8, certified in float64 by the shared engine
  (:mod:`depthlab.engine`);
* each data set gets R random restarts; it counts as fitted when any restart fits it. The per-attempt success
  rate is recorded too;
* N*(L, d, σ) is where the fitted-data-set probability crosses 1/2
  (:func:`depthlab.capacity.curves.estimate_crossing`).

Every (cell, N) is one unit of work: all T·R models at that N are trained as one stacked engine call and written
as one shard of a :class:`depthlab.results.ShardStore`, so an interrupted curve or grid resumes without
recomputing or duplicating rows.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from depthlab.capacity.certificates import write_certificate
from depthlab.capacity.config import CellConfig, check_n_points
from depthlab.capacity.curves import Crossing, estimate_crossing, wilson_interval
from depthlab.capacity.fitting import fit_cell_point, fit_cell_point_params
from depthlab.capacity.theory import capacity_bound, max_fittable
from depthlab.errors import ConfigError
from depthlab.results import ShardStore
from depthlab.seeding import stacked_normal

#: Columns of a point table (one row per data set × restart).
POINT_COLUMNS = (
    "depth",
    "width",
    "activation",
    "bias",
    "fit_method",
    "n_points",
    "trial",
    "restart",
    "residual",
    "success",
    "seconds",
)


def make_data(
    width: int, n_points: int, trials: Sequence[int], seed: int, device: torch.device | str = "cpu"
) -> tuple[torch.Tensor, torch.Tensor]:
    """The data sets of the protocol: X, Y of shape (T, N, d), float64, iid N(0, 1) entries.

    Data set ``t`` depends only on (seed, d, N, t).
    """
    d = int(width)
    n = check_n_points(n_points)
    z = stacked_normal(f"{seed}/capacity-data/d{d}", [(n, int(t)) for t in trials], (n, 2 * d), device=device)
    return z[..., :d].contiguous(), z[..., d:].contiguous()


def run_point(cell: CellConfig, n_points: int, device: torch.device | str = "cpu", *,
              certificates: str | Path | None = None, trials: Sequence[int] | None = None,
              key: str | None = None) -> pd.DataFrame:
    """Fit all T·R models of ``cell`` at N = ``n_points`` (one stacked engine call) and return their rows.

    With ``certificates`` (a run folder), the weights and data of every exact fit are written to
    ``<certificates>/certificates/<key>.npz`` (:mod:`depthlab.capacity.certificates`; ``key`` defaults to the
    point key) before returning. ``trials`` fits only those data sets of the cell (default ``0 … T − 1``), with
    the data and initialisations they have in the whole cell (:func:`run_point_params`).

    Returns:
        A table with :data:`POINT_COLUMNS`, T·R rows (data set ``trial``, restart ``restart``).
    """
    return run_point_params(cell, n_points, device, certificates=certificates, trials=trials, key=key,
                            keep_params=certificates is not None)[0]


def run_point_params(cell: CellConfig, n_points: int, device: torch.device | str = "cpu", *,
                     certificates: str | Path | None = None, trials: Sequence[int] | None = None,
                     key: str | None = None, keep_params: bool = True,
                     ) -> tuple[pd.DataFrame, np.ndarray | None, tuple | None]:
    """:func:`run_point` that also returns the final parameters: ``(rows, theta, layout)``.

    ``theta`` is (T', R, P) float64 (T' = ``len(trials)``), flat in the order of ``layout`` (the certificates'
    order), or ``None`` without ``keep_params``. Fitting data sets ``trials`` in several calls gives the same
    rows as one call on all of them: data set t and the initialisation of (t, r) depend on (cell, N, t, r) only.
    """
    n = check_n_points(n_points)
    ts = list(range(cell.trials)) if trials is None else [int(t) for t in trials]
    if not ts or min(ts) < 0 or max(ts) >= cell.trials:
        raise ConfigError(f"data sets to fit must lie in 0 … {cell.trials - 1}, got {ts[:3]}…")
    t0 = time.perf_counter()
    x, y = make_data(cell.width, n, ts, cell.seed, device)
    subset = {} if trials is None else {"trials": ts}  # model (t, r) keeps its whole-cell initialisation
    theta = layout = None
    if certificates is None and not keep_params:
        residual = fit_cell_point(cell, n, x, y, device, **subset)  # (T, R) float64 relative residuals
    else:
        residual, theta, layout = fit_cell_point_params(cell, n, x, y, device, **subset)
    if certificates is not None:
        write_certificate(certificates, key or cell.point_key(n), cell.as_dict(), n, residual=residual,
                          success=residual <= cell.tol, theta=theta, x=x.cpu().numpy(), y=y.cpu().numpy(),
                          layout=layout, trials=ts)
    seconds = time.perf_counter() - t0
    T, R = len(ts), cell.restarts
    rows = pd.DataFrame(
        {
            "depth": cell.depth,
            "width": cell.width,
            "activation": cell.activation,
            "bias": cell.bias,
            "fit_method": cell.method,
            "n_points": n,
            "trial": np.repeat(np.asarray(ts, dtype=np.int64), R),
            "restart": np.tile(np.arange(R), T),
            "residual": residual.reshape(-1),
            "success": residual.reshape(-1) <= cell.tol,
            "seconds": seconds / (T * R),
        }
    )
    return rows, theta, layout


def point_summary(rows: pd.DataFrame) -> pd.DataFrame:
    """Per-N summary: data sets fitted (any restart), attempts fitted, rates and Wilson intervals."""
    if rows.empty:
        return pd.DataFrame(
            columns=[
                "n_points",
                "trials",
                "fitted",
                "p",
                "p_low",
                "p_high",
                "attempts",
                "attempts_fitted",
                "p_attempt",
                "median_residual",
            ]
        )
    per_trial = rows.groupby(["n_points", "trial"]).agg(
        any_success=("success", "any"), best=("residual", "min")
    )
    g = per_trial.groupby(level="n_points")
    out = pd.DataFrame(
        {
            "trials": g.size(),
            "fitted": g["any_success"].sum().astype(int),
            "median_residual": g["best"].median(),
        }
    )
    ga = rows.groupby("n_points")
    out["attempts"] = ga.size()
    out["attempts_fitted"] = ga["success"].sum().astype(int)
    out = out.reset_index()
    out["p"] = out["fitted"] / out["trials"]
    out["p_attempt"] = out["attempts_fitted"] / out["attempts"]
    lo, hi = wilson_interval(out["fitted"], out["trials"])
    out["p_low"], out["p_high"] = lo, hi
    return out


def crossing_from_summary(summary: pd.DataFrame, *, attempts: bool = False, seed: int = 0) -> Crossing:
    """N* from a :func:`point_summary` table (data-set level, or per attempt with ``attempts=True``)."""
    if summary.empty:
        raise ConfigError("no measured points to estimate N* from")
    k = summary["attempts_fitted"] if attempts else summary["fitted"]
    t = summary["attempts"] if attempts else summary["trials"]
    return estimate_crossing(summary["n_points"].to_numpy(), k.to_numpy(), t.to_numpy(), seed=seed)


def default_n_range(cell: CellConfig) -> tuple[int, int, int]:
    """(n_min, n_max, step) covering the transition: from d − 2 to one past the parameter-count bound.

    Beyond ⌊N_bound⌋ exact fits have probability zero (:mod:`depthlab.capacity.theory`), so ⌊N_bound⌋ + 1 is the
    last N worth measuring; below d every depth fits generic data (one layer already does). The coarse step
    keeps wide/deep cells affordable; the curve is refined with step 1 around the transition (:func:`run_curve`).
    """
    n_max = max_fittable(cell.depth, cell.width, cell.activation, bias=cell.bias) + 1
    n_min = max(1, cell.width - 2)
    step = max(1, (n_max - n_min) // 8)
    return n_min, n_max, step


def _p(df: pd.DataFrame) -> float:
    per_trial = df.groupby("trial")["success"].any()
    return float(per_trial.mean())


def run_curve(
    cell: CellConfig,
    store: ShardStore,
    *,
    n_min: int | None = None,
    n_max: int | None = None,
    step: int | None = None,
    device: torch.device | str = "cpu",
    stop_after: int = 2,
    refine: bool = True,
    on_point: Callable[[int, bool], None] | None = None,
    certify: bool = True,
) -> pd.DataFrame:
    """Measure a success curve of ``cell``, resumably.

    N ramps up from ``n_min`` in steps of ``step`` until ``stop_after`` consecutive N have no fitted data set (or
    ``n_max``); then, with ``refine``, every N between the last coarse N with all data sets fitted and the first with
    none is filled in. Each N is one shard in ``store`` keyed by (cell, N): shards already there are read, not
    recomputed, so the same call after an interruption continues where it stopped.

    Args:
        cell: the architecture and sampling plan.
        store: where shards live.
        n_min, n_max, step: the N ramp (defaults: :func:`default_n_range`).
        device: compute device.
        stop_after: consecutive all-failure N that end the ramp.
        refine: fill in step-1 N across the transition.
        on_point: called as ``on_point(N, computed)`` after each N (for progress bars).
        certify: write the exact fits' certificates beside the shards (``<store root>/certificates``), each
            before its shard, so a resumed curve never writes one twice.

    Returns:
        All point rows of the curve (one row per data set × restart and N), sorted by N.
    """
    d_min, d_max, d_step = default_n_range(cell)
    n_min = d_min if n_min is None else check_n_points(n_min)
    n_max = d_max if n_max is None else check_n_points(n_max)
    step = d_step if step is None else check_n_points(step)
    if n_max < n_min:
        raise ConfigError(f"n_max ({n_max}) must be ≥ n_min ({n_min})")
    frames: dict[int, pd.DataFrame] = {}

    def get(n: int) -> pd.DataFrame:
        if n in frames:
            return frames[n]
        key = cell.point_key(n)
        computed = not store.has(key)
        if computed:
            df = run_point(cell, n, device, certificates=store.root if certify else None)
            store.write(key, df, config={**cell.as_dict(), "n_points": n})
        df = store.read(key)
        frames[n] = df
        if on_point is not None:
            on_point(n, computed)
        return df

    zeros = 0
    coarse: list[int] = []
    for n in range(n_min, n_max + 1, step):
        coarse.append(n)
        zeros = zeros + 1 if _p(get(n)) == 0.0 else 0
        if zeros >= stop_after:
            break
    if refine and step > 1:
        ps = {n: _p(frames[n]) for n in coarse}
        full = [n for n in coarse if ps[n] == 1.0]
        lo = max(full) if full else n_min
        none_after = [n for n in coarse if n > lo and ps[n] == 0.0]
        hi = min(none_after) if none_after else coarse[-1]
        for n in range(lo + 1, hi):
            get(n)
    rows = pd.concat([frames[n] for n in sorted(frames)], ignore_index=True)
    return rows


def curve_result(cell: CellConfig, rows: pd.DataFrame) -> dict[str, Any]:
    """Everything reported about one curve: N* (data-set and attempt level) with CIs, bound, summary."""
    summary = point_summary(rows)
    c = crossing_from_summary(summary, seed=cell.seed)
    ca = crossing_from_summary(summary, attempts=True, seed=cell.seed)
    return {
        "config": cell.as_dict(),
        "n_star": c.n_star,
        "n_star_low": c.low,
        "n_star_high": c.high,
        "method": c.method,
        "censored": c.censored,
        "slope": c.slope,
        "n_star_interp": c.n_star_interp,
        "n_star_interp_low": c.interp_low,
        "n_star_interp_high": c.interp_high,
        "gof_p": c.gof_p,
        "n_star_attempt": ca.n_star,
        "n_star_attempt_low": ca.low,
        "n_star_attempt_high": ca.high,
        "bound": capacity_bound(cell.depth, cell.width, cell.activation, bias=cell.bias),
        "seconds": float(rows["seconds"].sum()),
        "curve": summary.to_dict(orient="records"),
    }


def curve_table(results: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per (cell, N) of :func:`curve_result` outputs: the cell's axes and the per-N summary."""
    frames = []
    for r in results:
        cfg = r["config"]
        cell = {**{k: cfg[k] for k in ("depth", "width", "activation", "bias")},
                "fit_method": cfg.get("method", "lm")}
        frames.append(pd.DataFrame(r["curve"]).assign(**cell))
    if not frames:
        return pd.DataFrame()
    out = pd.concat(frames, ignore_index=True)
    first = ["depth", "width", "activation", "bias", "fit_method"]
    return out[first + [c for c in out.columns if c not in first]]


def cells_for_grid(
    widths: Iterable[int],
    depths: Iterable[int],
    activations: Iterable[str],
    biases: Iterable[bool],
    **plan: Any,
) -> list[CellConfig]:
    """The distinct cells of a grid (L = 1 appears once per (d, bias): its activation is irrelevant)."""
    seen: dict[str, CellConfig] = {}
    for d in widths:
        for b in biases:
            for L in depths:
                for act in activations:
                    cell = CellConfig(depth=L, width=d, activation=act, bias=b, **plan)
                    seen.setdefault(cell.key, cell)
    return list(seen.values())


def summarise_grid(results: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per cell: N*, CI, attempt-level N*, bound (the curve column dropped)."""
    rows = []
    for r in results:
        cfg = r["config"]
        rows.append(
            {
                "depth": cfg["depth"],
                "width": cfg["width"],
                "activation": cfg["activation"],
                "bias": cfg["bias"],
                "fit_method": cfg.get("method", "lm"),
                "trials": cfg["trials"],
                "restarts": cfg["restarts"],
                "lm_steps": cfg.get("lm_steps", 0),
                "lm_patience": cfg.get("lm_patience", 0),
                "init_gain": cfg.get("init_gain", 0.0),
                **{k: v for k, v in r.items() if k not in ("config", "curve")},
            }
        )
    return pd.DataFrame(rows)


def depth_ratios(summary: pd.DataFrame, num_depth: int = 2, den_depth: int = 1) -> pd.DataFrame:
    """N*(num_depth)/N*(den_depth) per (width, activation, bias), with an interval from the two CIs.

    The L = 1 cell (activation ``linear``) is the denominator of every activation.
    """
    rows = []
    for (d, b), g in summary.groupby(["width", "bias"]):
        den = g[g["depth"] == den_depth]
        if den.empty:
            continue
        den = den.iloc[0]
        for _, num in g[(g["depth"] == num_depth)].iterrows():
            ratio = num["n_star"] / den["n_star"]
            lo = num["n_star_low"] / den["n_star_high"] if den["n_star_high"] > 0 else 0.0
            hi = num["n_star_high"] / den["n_star_low"] if den["n_star_low"] > 0 else math.inf
            rows.append(
                {
                    "width": d,
                    "bias": b,
                    "activation": num["activation"],
                    "depth_num": num_depth,
                    "depth_den": den_depth,
                    "ratio": ratio,
                    "ratio_low": lo,
                    "ratio_high": hi,
                    "bound_ratio": num["bound"] / den["bound"],
                }
            )
    return pd.DataFrame(rows)


def open_store(out: str | Path) -> ShardStore:
    """The shard store of a capacity run folder."""
    return ShardStore(Path(out))
