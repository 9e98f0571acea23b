"""The whole capacity study as one resumable grid: cells × N ramps, shards on disk, tables and figures.

Layout of a grid folder ``OUT``::

    OUT/shards/<key>.parquet, <key>.json   one shard per (cell, N): T·R fitted models (written atomically)
    OUT/points.parquet                     every point row (collected from the shards, no duplicates)
    OUT/cells.parquet                      one row per cell: N*, CI, attempt-level N*, bound
    OUT/curves.parquet                     one row per (cell, N): data sets and attempts fitted, Wilson interval
    OUT/ratios.parquet                     N*(2)/N*(1) (and N*(3)/N*(1), …) per activation, width, bias
    OUT/success_curves_d<d>.png, OUT/n_star_vs_depth.png
    OUT/manifest.json                      config, seed, versions, device, git SHA, times
    OUT/certificates/<key>.npz             weights and data of every exact fit of a (cell, N) shard
                                           (:mod:`depthlab.capacity.certificates`; `capacity verify OUT`)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import torch

from depthlab.capacity.config import CellConfig, SeedSplit
from depthlab.capacity.figures import figure_drawers
from depthlab.capacity.success import (
    cells_for_grid,
    curve_result,
    curve_table,
    depth_ratios,
    open_store,
    run_curve,
    summarise_grid,
)
from depthlab.capacity.theory import capacity_bound, max_fittable
from depthlab.engine.families import SMOOTH_ACTIVATIONS
from depthlab.errors import ConfigError
from depthlab.plotting import save_figure
from depthlab.progress import make_progress
from depthlab.results import recorded_run


@dataclass(frozen=True)
class GridSpec:
    """What a grid measures.

    Attributes:
        widths, depths, activations, biases: the grid axes (L = 1 is measured once per width and bias).
        trials, restarts, seed, max_steps: the sampling plan of every cell (see :class:`CellConfig`).
        lm_steps, lm_patience: LM budget of the cells with a smooth σ (tanh, sigmoid, linear; 0: engine
            default). ReLU-like cells keep the engine's budget: their LM runs once per continuation slope,
            so a long LM budget would multiply their cost without the smooth cells' slow steady progress.
        init_gain: initialisation gain of the smooth cells (0: engine default; see :class:`CellConfig`).
        method: fitting method of every cell (:data:`depthlab.capacity.config.METHODS`).
        n_ranges: optional explicit ``{(depth, width): (n_min, n_max, step)}`` overriding the default ramp.
        tuning_seeds: the data-set seeds the grid's tuned knobs (``init_gain``) were chosen on. ``seed`` is the
            seed the grid evaluates on, so it must not be one of them (:meth:`seed_split`; :func:`run_grid`
            refuses the grid otherwise). Recorded in the grid's manifest.
        require_bound: no N above a cell's counting bound (P − S)/d: each default ramp ends at ⌊(P − S)/d⌋ and
            an ``n_ranges`` entry above it is refused before any fitting.
    """

    widths: Sequence[int] = (8, 16, 32)
    depths: Sequence[int] = (1, 2, 3, 4)
    activations: Sequence[str] = ("relu", "sigmoid", "tanh")
    biases: Sequence[bool] = (False, True)
    trials: int = 16
    restarts: int = 4
    seed: int = 0
    max_steps: int = 0
    lm_steps: int = 0
    lm_patience: int = 0
    init_gain: float = 0.0
    method: str = "lm"
    n_ranges: dict[tuple[int, int], tuple[int, int, int]] = field(default_factory=dict)
    tuning_seeds: tuple[int, ...] = ()
    require_bound: bool = False

    def seed_split(self) -> SeedSplit | None:
        """Tuning seeds vs the evaluation seed ``seed`` (``None`` when no knob was tuned).

        Raises:
            ConfigError: ``seed`` is one of the tuning seeds.
        """
        if not self.tuning_seeds:
            return None
        return SeedSplit(tuning=tuple(self.tuning_seeds), evaluation=(self.seed,))

    def cells(self) -> list[CellConfig]:
        if not (self.widths and self.depths and self.activations and self.biases):
            raise ConfigError(
                "the grid is empty: give at least one width, depth, activation and bias setting"
            )
        cells = cells_for_grid(
            self.widths,
            self.depths,
            self.activations,
            self.biases,
            trials=self.trials,
            restarts=self.restarts,
            seed=self.seed,
            max_steps=self.max_steps,
            method=self.method,
        )
        return [
            dataclasses.replace(c, lm_steps=self.lm_steps, lm_patience=self.lm_patience, init_gain=self.init_gain)
            if c.activation in SMOOTH_ACTIVATIONS
            else c
            for c in cells
        ]

    def as_dict(self) -> dict[str, Any]:
        return {
            "widths": list(self.widths),
            "depths": list(self.depths),
            "activations": list(self.activations),
            "biases": list(self.biases),
            "trials": self.trials,
            "restarts": self.restarts,
            "seed": self.seed,
            "max_steps": self.max_steps,
            "lm_steps": self.lm_steps,
            "lm_patience": self.lm_patience,
            "n_ranges": {f"L{k[0]}_d{k[1]}": list(v) for k, v in self.n_ranges.items()},
            **({"init_gain": self.init_gain} if self.init_gain > 0 else {}),
            **({"method": self.method} if self.method != "lm" else {}),
            **({"tuning_seeds": list(self.tuning_seeds)} if self.tuning_seeds else {}),
            **({"require_bound": True} if self.require_bound else {}),
        }

    def n_range(self, cell: CellConfig) -> tuple[int | None, int | None, int | None]:
        """The (n_min, n_max, step) of ``cell`` (``None``: :func:`default_n_range`), capped by the bound when
        :attr:`require_bound`.

        Raises:
            ConfigError: with ``require_bound``, an ``n_ranges`` entry reaching above the cell's bound.
        """
        lo, hi, step = self.n_ranges.get((cell.depth, cell.width), (None, None, None))
        if not self.require_bound:
            return lo, hi, step
        top = max_fittable(cell.depth, cell.width, cell.activation, bias=cell.bias)
        nb = capacity_bound(cell.depth, cell.width, cell.activation, bias=cell.bias)
        for name, n in (("n_max", hi), ("n_min", lo)):
            if n is not None and n > top:
                raise ConfigError(f"{cell.label}: n_ranges {name} = {n} is above the counting bound (P − S)/d = "
                                  f"{nb:.2f}; lower it to ≤ {top}, or set require_bound=False")
        return lo, top if hi is None else hi, step


@dataclass
class GridResult:
    """Results of a grid: per-cell results (with curves), the cell table, the ratios, the point rows, and the
    per-(cell, N) curve table."""

    results: list[dict[str, Any]]
    cells: pd.DataFrame
    ratios: pd.DataFrame
    points: pd.DataFrame
    curves: pd.DataFrame
    computed: int = 0
    reused: int = 0


def run_grid(
    spec: GridSpec,
    out: str | Path,
    *,
    device: torch.device | str = "cpu",
    figures: bool = True,
    on_cell: Callable[[CellConfig, dict[str, Any]], None] | None = None,
) -> GridResult:
    """Run (or resume) the grid into ``out``; finished (cell, N) shards are reused, never recomputed.

    Args:
        spec: the grid.
        out: the grid folder.
        device: compute device.
        figures: write the PNG figures.
        on_cell: called after each cell with its result.

    Returns:
        :class:`GridResult`; tables are also written to ``out``.
    """
    out = Path(out)
    spec.seed_split()  # a grid never evaluates on the seeds its knobs were tuned on
    store = open_store(out)
    cells = spec.cells()
    ranges = [spec.n_range(c) for c in cells]  # --require-bound refuses before any work
    results: list[dict[str, Any]] = []
    counts = {"computed": 0, "reused": 0}
    with (
        recorded_run(out, config=spec.as_dict(), seed=spec.seed, device=device) as run,
        make_progress() as prog,
    ):
        task = prog.add_task("capacity grid (cells)", total=len(cells))
        for cell, rng in zip(cells, ranges, strict=True):
            sub = prog.add_task(f"  {cell.label}: N", total=None)

            def tick(n: int, computed: bool, sub: Any = sub, label: str = cell.label) -> None:
                counts["computed" if computed else "reused"] += 1
                cached = "" if computed else " (cached)"
                prog.update(sub, advance=1, description=f"  {label}: N={n}{cached}")

            rows = run_curve(
                cell, store, n_min=rng[0], n_max=rng[1], step=rng[2], device=device, on_point=tick
            )
            res = curve_result(cell, rows)
            results.append(res)
            prog.remove_task(sub)
            prog.advance(task)
            if on_cell is not None:
                on_cell(cell, res)
        cells_df = summarise_grid(results)
        ratio_frames = [depth_ratios(cells_df, L, 1) for L in sorted(set(spec.depths)) if L > 1]
        ratios = (
            pd.concat([r for r in ratio_frames if not r.empty], ignore_index=True)
            if any(not r.empty for r in ratio_frames)
            else pd.DataFrame()
        )
        points = store.collect()
        curves = curve_table(results)
        run.write_table("cells", cells_df)
        run.write_table("ratios", ratios)
        run.write_table("points", points)
        run.write_table("curves", curves)
        run.extra.update(counts)
        if figures:
            write_figures(curves, cells_df, out)
    return GridResult(results, cells_df, ratios, points, curves, counts["computed"], counts["reused"])


def write_figures(curves: pd.DataFrame, cells: pd.DataFrame, out: Path) -> list[Path]:
    """Write the success curves per (width, bias) and N* vs depth per bias; return the paths."""
    paths = []
    for name, _caption, draw in figure_drawers(cells):
        paths.append(save_figure(draw(curves, cells), out / name))
    return paths
