"""The capacity study's experiment for ``depthlab reproduce``: (scale, seed, device) → tables, no verdicts.

Claim under test: Gai & Zhang (arXiv 2407.02540, §4 "Experimental Results") report that with elementwise ReLU or
sigmoid a two-layer network fits about twice as many data points as a one-layer network of the same width. The
section text was not available to us (the claim is known from secondary summaries; the architectures, data,
optimiser and success threshold are unknown), so the protocol is depthlab's own (:mod:`depthlab.capacity.success`).

Quick scale (well under a minute on a 2-core CPU): d = 8, L = 1, 2, σ ∈ {relu, sigmoid, tanh}, no biases, few data
sets and restarts; the linear-capacity and Cover sanity checks. Full scale: d ∈ {8, 16, 32}, L = 1..4, biases on
and off, more data sets and restarts, the reference-difficulty cells (tanh, d = 16, L = 2, 3), and for each
:data:`NEGATIVE_TARGETS` cell whose per-data-set N* misses its target, the certified-negative test at
N = bound − 1 (table ``negatives``). At both scales the unit-wise cells (:data:`UNITWISE_SPECS`, method
``"unitwise"``, L = 2) beside the grid, paired with its data sets (tables ``unitwise``, ``unitwise_curves``,
``unitwise_paired``). At both scales ``certificates`` and ``certificate_mismatches`` (the audit of every
stored exact fit, :mod:`depthlab.capacity.audit`) and the positivity tables (``positivity``,
``positivity_cells``, ``positivity_negatives``: the LP's certified ceilings at N = bound − 1 of the bias-free
ReLU/sigmoid cells, d = 16, L = 4 at quick scale, L = 2..4 and d = 8, 16 at full scale).

:func:`run` returns the tables ``cells`` (N* per cell), ``curves`` (one row per (cell, N)), ``ratios``
(N*(L)/N*(1)), ``linear`` and ``cover`` (sanity checks) and, at full scale, ``reference``. The claims judged on
them are declared in :mod:`depthlab.capacity.claims`, the figures in :mod:`depthlab.capacity.figures`.

Seeds: the report's root seed is the *evaluation* seed. A knob chosen on data is chosen on :data:`TUNING_SEEDS`
(:class:`~depthlab.capacity.config.SeedSplit`, :mod:`depthlab.capacity.tuning`); a cell whose knob was chosen on
the evaluation seed is not run, and its row says why.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pandas as pd

from depthlab.capacity.audit import certificate_audit
from depthlab.capacity.config import SMOOTH_LM_PATIENCE, SMOOTH_LM_STEPS
from depthlab.capacity.grid import GridSpec, run_grid
from depthlab.capacity.positivity import (
    negative_cases,
    positivity_cells,
    positivity_check,
    positivity_negatives,
)
from depthlab.capacity.sanity import cover_check, linear_capacity_check
from depthlab.report.types import StudyContext, StudyResult

PROTOCOL_NOTE = (
    "Protocol is depthlab's, not the paper's: x_i, y_i ~ N(0, I_d), square d×d weights, no biases, "
    "exact = ‖F(X)−Y‖/‖Y‖ ≤ 1e-8 in float64; N* = where P(some restart fits) crosses 1/2."
)

#: Quick scale: one-layer and two-layer cells at d = 8 (6 data sets × 1 restart per N, Adam ≤ 500 steps for
#: ReLU, LM ≤ 300 iterations). Depth 3 and d = 16 are measured at full scale (docs/capacity.md).
QUICK = GridSpec(
    widths=(8,),
    depths=(1, 2),
    activations=("relu", "sigmoid", "tanh"),
    biases=(False,),
    trials=6,
    restarts=1,
    max_steps=500,
    n_ranges={(1, 8): (7, 10, 1), (2, 8): (7, 14, 1)},
)
FULL = GridSpec(
    widths=(8, 16, 32),
    depths=(1, 2, 3, 4),
    activations=("relu", "sigmoid", "tanh"),
    biases=(False, True),
    trials=16,
    restarts=4,
    lm_steps=SMOOTH_LM_STEPS,
    lm_patience=SMOOTH_LM_PATIENCE,
)
SCALES = {"quick": QUICK, "full": FULL}

#: Data-set seeds reserved for choosing tuned knobs. The report evaluates on its root seed (0 unless
#: ``--seed``), which must not be one of these.
TUNING_SEEDS: tuple[int, ...] = (1,)

#: Initialisation gain of the full-scale L = 3 reference cell (tanh, d = 16). It must come from the tuning seeds:
#: ``depthlab capacity tune-gain`` runs :data:`REFERENCE_GAIN_PROBE` on :data:`TUNING_SEEDS` and prints the gain to
#: write here; :data:`REFERENCE_GAIN_L3_TUNED_ON` records the seeds it was chosen on. 0.5 was first picked on
#: seed 0 (the evaluation seed); re-decided by the probe on tuning seed 1 alone (2026-12-02: attempts fitted at
#: N = 34 out of 16 — gain 1: 5, gain 0.5: 13, gain 2: 3), which chose 0.5 again (docs/capacity.md).
REFERENCE_GAIN_L3 = 0.5
REFERENCE_GAIN_L3_TUNED_ON: tuple[int, ...] = (1,)
#: The probe that chooses it: the reference cell's plan at N = 34 (the reference script's 50 % point), 16 data
#: sets × 1 restart per (gain, tuning seed); candidates in order of preference for ties (engine default first).
REFERENCE_GAIN_PROBE: dict[str, Any] = {"activation": "tanh", "depth": 3, "width": 16, "n_points": 34,
                                        "gains": (1.0, 0.5, 2.0), "trials": 16, "restarts": 1}

#: The reference cells at full scale: 32 data sets × 2 restarts = 64 attempts per N, like the reference script,
#: with the study's LM budget for smooth σ; L = 3 starts from :data:`REFERENCE_GAIN_L3`.
_REFERENCE_PLAN: dict[str, Any] = {"widths": (16,), "activations": ("tanh",), "biases": (False,), "trials": 32,
                                   "restarts": 2, "lm_steps": SMOOTH_LM_STEPS, "lm_patience": SMOOTH_LM_PATIENCE}
REFERENCE_SPECS = (
    GridSpec(depths=(2,), **_REFERENCE_PLAN),
    GridSpec(depths=(3,), init_gain=REFERENCE_GAIN_L3, tuning_seeds=REFERENCE_GAIN_L3_TUNED_ON, **_REFERENCE_PLAN),
)


@dataclasses.dataclass(frozen=True)
class NegativeTarget:
    """A cell whose per-data-set N* should reach ``target``; if it does not, the full scale tests for a
    certified negative at N = bound − 1 (:mod:`depthlab.capacity.negative`) with ``method`` (the best measured
    for that σ, taken by name from ``capacity.config.METHODS``), from the engine-default initialisation gain or,
    with ``reference_gain``, from :data:`REFERENCE_GAIN_L3` (chosen on :data:`REFERENCE_GAIN_L3_TUNED_ON`)."""

    activation: str
    width: int
    depth: int
    target: int
    method: str = "lm"
    reference_gain: bool = False

    @property
    def init_gain(self) -> float:
        return REFERENCE_GAIN_L3 if self.reference_gain else 0.0

    @property
    def tuned_on(self) -> tuple[int, ...]:
        return REFERENCE_GAIN_L3_TUNED_ON if self.reference_gain else ()

    @property
    def key(self) -> str:
        return f"negative-{self.activation}-d{self.width}-L{self.depth}"


#: The per-data-set N* targets (no biases) and the method of each negative test: ReLU uses the activation homotopy
#: (N* 11.5 against LM's 9.3 at d = 8, L = 2, docs/capacity.md), tanh the study's LM; the L = 3 cell starts from
#: the reference gain chosen on the tuning seeds. Fixed before any negative run.
NEGATIVE_TARGETS = (
    NegativeTarget("tanh", 8, 2, 15),
    NegativeTarget("relu", 8, 2, 13, method="activation-homotopy"),
    NegativeTarget("tanh", 16, 2, 30),
    NegativeTarget("tanh", 16, 3, 44, reference_gain=True),
)
#: Attempts of each full-scale negative test (≥ 2995, so 0 successes certify; depthlab.capacity.negative).
NEGATIVE_ATTEMPTS = 3000

#: The unit-wise construction (method ``"unitwise"``, :mod:`depthlab.engine.unitwise`; L = 2): tanh by curve tracing
#: (constructive), sigmoid with biases through tanh(z) = 2σ(2z) − 1, ReLU by the exact decision (a failure
#: certifies that no fit exists). One restart:
#: the method is deterministic and ignores the start. Data set t of (seed, d, N) is the grid's data set t, so the
#: grid's cells (their first data sets) and these cells are paired. Fixed before the evaluation run (docs/perf/).
UNITWISE_SPECS: dict[str, tuple[GridSpec, ...]] = {
    "quick": (GridSpec(widths=(8,), depths=(2,), activations=("relu", "tanh"), biases=(False,), trials=8,
                       restarts=1, method="unitwise", n_ranges={(2, 8): (10, 17, 1)}),),
    "full": (GridSpec(widths=(8, 16), depths=(2,), activations=("tanh",), biases=(False,), trials=64, restarts=1,
                      method="unitwise"),
             GridSpec(widths=(8,), depths=(2,), activations=("relu",), biases=(False,), trials=64, restarts=1,
                      method="unitwise"),
             GridSpec(widths=(8,), depths=(2,), activations=("relu", "tanh", "sigmoid"), biases=(True,), trials=64,
                      restarts=1, method="unitwise"),
             GridSpec(widths=(16,), depths=(2,), activations=("tanh", "sigmoid"), biases=(True,), trials=64,
                      restarts=1, method="unitwise"),
             GridSpec(widths=(8, 16), depths=(2,), activations=("sigmoid",), biases=(False,), trials=64, restarts=1,
                      method="unitwise")),
}

#: Sanity checks: (N, d) cases and labelled data sets per case of the Cover check; width and data sets of the
#: one-layer linear check.
COVER_CASES = {
    "quick": [(6, 3), (8, 4), (10, 4), (12, 4)],
    "full": [(6, 3), (8, 4), (10, 4), (12, 4), (16, 8), (20, 8), (24, 8)],
}
COVER_TRIALS = {"quick": 200, "full": 1000}
#: Wendel's half-space probability against the protocol's target sets (:mod:`depthlab.capacity.positivity`):
#: (N, d) at 1/2 (N = 2d), above and below, and at bound − 1 of tanh at L = 3 (3d − 1)
POSITIVITY_CASES = {
    "quick": ((12, 8), (16, 8), (23, 8)),
    "full": ((12, 8), (16, 8), (23, 8), (32, 16), (47, 16)),
}
POSITIVITY_TRIALS = {"quick": 200, "full": 1000}
#: Certified ceilings from the same LP at N = bound − 1 of the bias-free ReLU/sigmoid cells
#: (:func:`depthlab.capacity.positivity.positivity_negatives`; about 1 ms per data set): (depths, widths) per
#: scale. Quick scale decides only the two cells the certified-negative row judges (d = 16, L = 4; ≈ 20 s).
POSITIVITY_NEGATIVE_CELLS = {"quick": ((4,), (16,)), "full": ((2, 3, 4), (8, 16))}
POSITIVITY_NEGATIVE_TRIALS = 10_000
LINEAR_WIDTH = 8
LINEAR_TRIALS = 12


def _tuned_on_evaluation(spec: GridSpec) -> str | None:
    """Why ``spec`` must not run on its seed (its knob was chosen on that seed), or ``None``."""
    if spec.seed not in spec.tuning_seeds:
        return None
    return (f"its init gain {spec.init_gain:g} was chosen on seed(s) {', '.join(map(str, spec.tuning_seeds))}, "
            f"which include this evaluation seed {spec.seed}; re-decide it on the tuning seeds "
            f"{', '.join(map(str, TUNING_SEEDS))} with `depthlab capacity tune-gain`")


def _reference(ctx: StudyContext) -> tuple[pd.DataFrame, dict[str, str]]:
    """The reference-difficulty cells (full scale), and the ones not run with the reason."""
    frames, not_run = [], {}
    for rs in REFERENCE_SPECS:
        spec = dataclasses.replace(rs, seed=ctx.seed)
        L = spec.depths[0]
        reason = _tuned_on_evaluation(spec)
        if reason is not None:
            not_run[f"L{L}"] = reason
            continue
        ctx.report(f"reference cell tanh d=16 L={L}")
        frames.append(run_grid(spec, ctx.out_dir / f"reference-L{L}", device=ctx.device, figures=False).cells)
    return (pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()), not_run


def target_cell(t: NegativeTarget, seed: int) -> Any:
    """The :class:`CellConfig` a negative test of ``t`` fits (the study's LM budget for smooth σ)."""
    from depthlab.capacity.config import CellConfig
    from depthlab.engine.families import SMOOTH_ACTIVATIONS

    smooth = t.activation in SMOOTH_ACTIVATIONS
    return CellConfig(depth=t.depth, width=t.width, activation=t.activation, bias=False, trials=1, restarts=1,
                      seed=seed, lm_steps=SMOOTH_LM_STEPS if smooth else 0,
                      lm_patience=SMOOTH_LM_PATIENCE if smooth else 0, init_gain=t.init_gain, method=t.method)


def _negatives(ctx: StudyContext, cells: pd.DataFrame) -> pd.DataFrame:
    """Full scale: for each :data:`NEGATIVE_TARGETS` cell, its per-data-set N* from the grid and, where N* misses
    the target, the negative test at N = bound − 1 (:data:`NEGATIVE_ATTEMPTS` attempts)."""
    from depthlab.capacity.negative import run_negative
    from depthlab.capacity.theory import capacity_bound, max_fittable

    rows = []
    for t in NEGATIVE_TARGETS:
        sel = cells[(cells["depth"] == t.depth) & (cells["width"] == t.width) & (cells["activation"] == t.activation)
                    & ~cells["bias"].astype(bool)] if not cells.empty else cells
        n_star = float(sel["n_star"].iloc[0]) if len(sel) else float("nan")
        n = max_fittable(t.depth, t.width, t.activation, bias=False) - 1
        row: dict[str, Any] = {"key": t.key, "activation": t.activation, "width": t.width, "depth": t.depth,
                               "target": t.target, "n_star": n_star,
                               "bound": capacity_bound(t.depth, t.width, t.activation, bias=False), "n_points": n,
                               "method": t.method, "attempts": 0, "successes": 0, "cp_upper": float("nan"),
                               "certified": False, "median_residual": float("nan"), "max_rank_deficit": -1,
                               "not_run": ""}
        if n_star >= t.target:
            row["not_run"] = f"per-data-set N* = {n_star:.1f} reaches the target"
        elif ctx.seed in t.tuned_on:
            row["not_run"] = f"its init gain was chosen on the evaluation seed {ctx.seed}"
        else:
            ctx.report(f"negative test {t.activation} d={t.width} L={t.depth} at N={n}")
            res = run_negative(target_cell(t, ctx.seed), n, ctx.out_dir / "negatives" / t.key,
                               attempts=NEGATIVE_ATTEMPTS, device=ctx.device)
            row.update(attempts=res["attempts"], successes=res["successes"], cp_upper=res["cp_upper_95"],
                       certified=res["certified_negative"], median_residual=res["residuals"]["quantiles"]["50%"],
                       max_rank_deficit=max((b["rank_deficit"] for b in res["best"]), default=-1))
        rows.append(row)
    return pd.DataFrame(rows)


def _unitwise(ctx: StudyContext, grid_points: pd.DataFrame) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """The unit-wise cells (:data:`UNITWISE_SPECS`) and, per (σ, d, N), the data sets both they and the grid's
    L = 2 cell measured: how many each fitted, and how many the grid fitted that the unit-wise method did not
    (for ReLU, whose negatives are exact decisions, each of these would be a contradiction)."""
    cells, curves, points = [], [], []
    for i, us in enumerate(UNITWISE_SPECS[ctx.scale]):
        res = run_grid(dataclasses.replace(us, seed=ctx.seed), ctx.out_dir / f"unitwise-{i}", device=ctx.device,
                       figures=False)
        cells.append(res.cells)
        curves.append(res.curves)
        points.append(res.points)
    uw_points = pd.concat(points, ignore_index=True)
    keys = ["activation", "width", "bias", "n_points", "trial"]
    other = grid_points[grid_points["depth"] == 2].assign(bias=lambda t: t["bias"].astype(bool))
    other = other.groupby(keys, as_index=False)["success"].any()
    mine = uw_points.assign(bias=lambda t: t["bias"].astype(bool)).groupby(keys, as_index=False)["success"].any()
    both = mine.merge(other, on=keys, suffixes=("_unitwise", "_grid"))
    rows = []
    for (act, d, b, n), g in both.groupby(["activation", "width", "bias", "n_points"]):
        rows.append({"activation": act, "width": int(d), "bias": bool(b), "n_points": int(n), "data_sets": len(g),
                     "fitted_unitwise": int(g["success_unitwise"].sum()), "fitted_grid": int(g["success_grid"].sum()),
                     "grid_only": int((g["success_grid"] & ~g["success_unitwise"]).sum())})
    return ({"unitwise": pd.concat(cells, ignore_index=True), "unitwise_curves": pd.concat(curves, ignore_index=True),
             "unitwise_paired": pd.DataFrame(rows)}, uw_points)


def _methods(scale: str, seed: int) -> str:
    """The report's methods paragraph: evaluation vs tuning seeds and where each knob came from."""
    probe = REFERENCE_GAIN_PROBE
    tuned = ", ".join(map(str, REFERENCE_GAIN_L3_TUNED_ON))
    status = ("that is the evaluation seed, so the full-scale run does not judge that row until the gain is "
              "re-decided on the tuning seeds" if seed in REFERENCE_GAIN_L3_TUNED_ON
              else "disjoint from the evaluation seed")
    knobs = ("No knob of this scale was tuned on data: engine-default initialisation gains and budgets (LM ≤ 300 "
             "iterations, Adam ≤ 500 steps for ReLU), fixed in the scale's plan. " if scale == "quick" else
             "The grid's cells start from the engine-default initialisation gains. ")
    return (
        f"Seeds: every table is measured on the evaluation seed {seed} (data sets and initialisations derive from "
        f"it); seed(s) {', '.join(map(str, TUNING_SEEDS))} are reserved for tuning knobs and never evaluated on. "
        + knobs +
        f"The full-scale tanh d = 16, L = 3 reference cell starts from init gain {REFERENCE_GAIN_L3:g}, chosen on "
        f"seed(s) {tuned}: {status} (`depthlab capacity tune-gain`: gains "
        f"{', '.join(f'{g:g}' for g in probe['gains'])} at N = {probe['n_points']}, {probe['trials']} data sets × "
        f"{probe['restarts']} restart per tuning seed; the highest pooled per-attempt success wins, ties go to the "
        "earlier gain). The full scale's smooth-σ LM budget (≤ 1500 iterations, patience 100) was set from seed-0 "
        "measurements on the tanh d = 16 cells; a longer budget lets LM run on along the same trajectories rather "
        "than choosing among them, but it has not been re-decided on the tuning seeds."
    )


def run(ctx: StudyContext) -> StudyResult:
    """The study at ``ctx.scale``: the grid of cells, the reference cells (full scale) and the sanity checks."""
    spec = dataclasses.replace(SCALES[ctx.scale], seed=ctx.seed)
    ctx.report("grid of cells")
    grid = run_grid(spec, ctx.out_dir / "grid", device=ctx.device, figures=False)
    tables = {"cells": grid.cells, "curves": grid.curves, "ratios": grid.ratios}
    not_run: dict[str, str] = {}
    ctx.report("unit-wise construction (L = 2)")
    uw_tables, uw_points = _unitwise(ctx, grid.points)
    tables.update(uw_tables)
    if ctx.scale == "full":
        tables["reference"], not_run = _reference(ctx)
        tables["negatives"] = _negatives(ctx, grid.cells)
    ctx.report("sanity: one-layer linear capacity")
    tables["linear"] = pd.DataFrame([linear_capacity_check(LINEAR_WIDTH, trials=LINEAR_TRIALS, seed=ctx.seed,
                                                           device=ctx.device)])
    ctx.report("sanity: Cover's theorem")
    tables["cover"] = cover_check(COVER_CASES[ctx.scale], trials=COVER_TRIALS[ctx.scale], seed=ctx.seed,
                                  device=ctx.device)
    ctx.report("the positivity obstruction (Wendel's half-space probability)")
    tables["positivity"] = positivity_check(POSITIVITY_CASES[ctx.scale], trials=POSITIVITY_TRIALS[ctx.scale],
                                            seed=ctx.seed)
    ctx.report(f"certified ceilings at bound − 1 (positivity LP, {POSITIVITY_NEGATIVE_TRIALS:,} data sets per cell)")
    tables["positivity_negatives"] = positivity_negatives(negative_cases(*POSITIVITY_NEGATIVE_CELLS[ctx.scale]),
                                                          trials=POSITIVITY_NEGATIVE_TRIALS, seed=ctx.seed)
    tables["positivity_cells"] = positivity_cells(pd.concat([grid.points, uw_points], ignore_index=True),
                                                  seed=ctx.seed)
    ctx.report("certificate audit (every counted fit recomputed: float64 rule, mpmath where it cannot decide)")
    tables["certificates"], mismatches = certificate_audit(ctx.out_dir)
    tables["certificate_mismatches"] = pd.DataFrame({"message": mismatches}, dtype=str)
    two = grid.ratios[grid.ratios["depth_num"] == 2] if not grid.ratios.empty else grid.ratios
    summary = ("N*(2)/N*(1): " + ", ".join(f"{r.activation} d={r.width}: {r.ratio:.2f}" for r in two.itertuples())
               + ". " + PROTOCOL_NOTE)
    config = {
        "grid": spec.as_dict(), "scale": ctx.scale,
        "seeds": {"evaluation": [ctx.seed], "tuning": list(TUNING_SEEDS)},
        "reference_gain_l3": {"gain": REFERENCE_GAIN_L3, "tuned_on": list(REFERENCE_GAIN_L3_TUNED_ON),
                              "probe": {**REFERENCE_GAIN_PROBE, "gains": list(REFERENCE_GAIN_PROBE["gains"])}},
        "unitwise": [dataclasses.replace(us, seed=ctx.seed).as_dict() for us in UNITWISE_SPECS[ctx.scale]],
        "linear": {"width": LINEAR_WIDTH, "trials": LINEAR_TRIALS},
        "cover": {"cases": COVER_CASES[ctx.scale], "trials": COVER_TRIALS[ctx.scale]},
        "positivity": {"cases": POSITIVITY_CASES[ctx.scale], "trials": POSITIVITY_TRIALS[ctx.scale]},
        "positivity_negatives": {"depths": POSITIVITY_NEGATIVE_CELLS[ctx.scale][0],
                                 "widths": POSITIVITY_NEGATIVE_CELLS[ctx.scale][1],
                                 "trials": POSITIVITY_NEGATIVE_TRIALS},
    }
    if ctx.scale == "full":
        config["reference"] = [dataclasses.replace(rs, seed=ctx.seed).as_dict() for rs in REFERENCE_SPECS]
        config["negatives"] = {"attempts": NEGATIVE_ATTEMPTS,
                               "targets": [{**dataclasses.asdict(t), "init_gain": t.init_gain,
                                            "tuned_on": list(t.tuned_on)} for t in NEGATIVE_TARGETS]}
    return StudyResult(tables=tables, values={"reference_not_run": not_run}, summary=summary, config=config,
                       methods=_methods(ctx.scale, ctx.seed))
