"""The capacity-vs-depth study for ``depthlab reproduce`` (issue #3).

Claim under test: Gai & Zhang (arXiv 2407.02540, §4 "Experimental Results") report that with elementwise
ReLU or sigmoid a two-layer network fits about twice as many data points as a one-layer network of the same
width. The text of that section is not available to us (``shared/notes/gai-zhang-matrix-exp.md`` §6: the
claim is known from a secondary summary; the architectures, data, optimiser and success threshold are
unknown), so the protocol here is depthlab's own (:mod:`depthlab.capacity.experiment`) and every row says so.

Quick scale (≤ ~3 min on a 2-core CPU): d = 8, L = 1..3, σ ∈ {relu, sigmoid, tanh}, no biases, few data sets
and restarts; the linear-capacity and Cover sanity checks. Full scale: d ∈ {8, 16, 32}, L = 1..4, biases on
and off, more data sets and restarts, and the reference-difficulty cells (tanh, d = 16, L = 2, 3).
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from depthlab.capacity.app import app
from depthlab.capacity.config import SMOOTH_LM_PATIENCE, SMOOTH_LM_STEPS
from depthlab.capacity.grid import GridSpec, run_grid
from depthlab.capacity.sanity import cover_check, linear_capacity_check
from depthlab.report.types import Claim, FigureRef, Study, StudyContext, StudyOutput, Verdict

PAPER = (
    "Kuo Gai and Shihua Zhang, Analytical Solution of a Three-layer Network with a Matrix Exponential "
    "Activation Function, arXiv:2407.02540 (2024)"
)
SOURCE = (
    "Gai & Zhang, arXiv 2407.02540, §4 'Experimental Results' (section text not available to us; claim as "
    "summarised in shared/notes/gai-zhang-matrix-exp.md §6)"
)
PROTOCOL_NOTE = (
    "Protocol is depthlab's, not the paper's: x_i, y_i ~ N(0, I_d), square d×d weights, no biases, "
    "exact = ‖F(X)−Y‖/‖Y‖ ≤ 1e-8 in float64; N* = where P(some restart fits) crosses 1/2."
)
#: "About twice": the ratio's 95 % interval must meet [2 − RATIO_TOL, 2 + RATIO_TOL].
RATIO_TOL = 0.2
#: Issue #3 reference (a careful LM script, 64 restarts, float64, no biases): tanh d = 16 reaches 50 % at
#: N ≈ 23 (L = 2) and N ≈ 34 (L = 3), and never fits ReLU for L ≥ 2.
REFERENCE = {2: 23.0, 3: 34.0}
#: Initialisation gain of the L = 3 reference cell (measured: docs/capacity.md).
REFERENCE_GAIN_L3 = 0.5

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
#: The reference cells at full scale: 32 data sets × 2 restarts = 64 attempts per N, like the reference
#: script, with the study's LM budget for smooth σ. L = 3 starts from a smaller initialisation gain (0.5): at
#: N = 34 it raised the per-attempt success from 22/64 (gain 1) to 45/64 (docs/capacity.md "Reference difficulty").
_REFERENCE_PLAN = dict(widths=(16,), activations=("tanh",), biases=(False,), trials=32, restarts=2,
                       lm_steps=SMOOTH_LM_STEPS, lm_patience=SMOOTH_LM_PATIENCE)
REFERENCE_SPECS = (
    GridSpec(depths=(2,), **_REFERENCE_PLAN),
    GridSpec(depths=(3,), init_gain=REFERENCE_GAIN_L3, **_REFERENCE_PLAN),
)
COVER_CASES = {
    "quick": [(6, 3), (8, 4), (10, 4), (12, 4)],
    "full": [(6, 3), (8, 4), (10, 4), (12, 4), (16, 8), (20, 8), (24, 8)],
}


def _ci(lo: float, hi: float) -> str:
    return f"[{lo:.2f}, {'∞' if math.isinf(hi) else f'{hi:.2f}'}]"


def ratio_claims(ratios: pd.DataFrame, cells: pd.DataFrame) -> list[Claim]:
    """The "two-layer ≈ 2× one-layer" rows, one per activation and width (bias off)."""
    out = []
    sub = ratios[(ratios["depth_num"] == 2) & (~ratios["bias"].astype(bool))]
    for _, r in sub.sort_values(["width", "activation"]).iterrows():
        meets = r["ratio_low"] <= 2 + RATIO_TOL and r["ratio_high"] >= 2 - RATIO_TOL
        n2 = cells[
            (cells["depth"] == 2)
            & (cells["width"] == r["width"])
            & (cells["activation"] == r["activation"])
            & (~cells["bias"].astype(bool))
        ].iloc[0]
        n1 = cells[
            (cells["depth"] == 1) & (cells["width"] == r["width"]) & (~cells["bias"].astype(bool))
        ].iloc[0]
        out.append(
            Claim(
                claim=f"two layers fit ≈ 2× as many points as one layer ({r['activation']}, d={r['width']})",
                source=SOURCE,
                paper_value='2 ("about twice"; ReLU or sigmoid)',
                measured=(
                    f"N*(2)/N*(1) = {r['ratio']:.2f} {_ci(r['ratio_low'], r['ratio_high'])}; "
                    f"N*(2) = {n2['n_star']:.1f} {_ci(n2['n_star_low'], n2['n_star_high'])}, "
                    f"N*(1) = {n1['n_star']:.1f}; bound ratio {r['bound_ratio']:.2f}"
                ),
                verdict=Verdict.HOLDS if meets else Verdict.DIFFERS,
                note=(
                    f"holds when the ratio's 95% interval meets [{2 - RATIO_TOL}, {2 + RATIO_TOL}]. "
                    + PROTOCOL_NOTE
                    + (" tanh is beyond the paper's ReLU/sigmoid." if r["activation"] == "tanh" else "")
                ),
            )
        )
    return out


def bound_claim(cells: pd.DataFrame) -> Claim:
    """Every measured N* respects the parameter-count bound (a check of the float64 certificate)."""
    over = cells[cells["n_star_low"] > cells["bound"].apply(math.floor) + 0.5]
    deep = cells[cells["depth"] > 1]
    frac = deep["n_star"] / deep["bound"] if len(deep) else cells["n_star"] / cells["bound"]
    return Claim(
        claim="no exact fit beyond the parameter-count bound N ≤ (P − S)/d (S: ReLU rescaling symmetry)",
        source="beyond the paper: dimension count (depthlab.capacity.theory)",
        paper_value="2d (sigmoid/tanh), 2d − 1 (ReLU) at L = 2, no biases",
        measured=(
            f"{len(cells) - len(over)}/{len(cells)} cells have N* ≤ ⌊bound⌋ + 1/2; "
            f"N*/bound at L ≥ 2 from {frac.min():.2f} to {frac.max():.2f}"
        ),
        verdict=Verdict.HOLDS if over.empty else Verdict.DIFFERS,
        note="A violation would mean a false exact-fit certificate; N*/bound < 1 measures how far "
        "optimisation (or the geometry of σ) stays below the count.",
    )


def linear_claim(lin: dict[str, Any]) -> Claim:
    return Claim(
        claim=f"one-layer linear y = W x fits exactly d generic points, never d + 1 (d={lin['width']})",
        source="Gai & Zhang, arXiv 2407.02540, abstract ('one layer network can only solve one equation, Y=WX')",
        paper_value=f"fits N = d = {lin['width']}, not d + 1",
        measured=(
            f"{lin['fitted_at_d']}/{lin['trials']} fitted at N = d (max residual "
            f"{lin['max_residual_at_d']:.1e}); {lin['fitted_at_d_plus_1']}/{lin['trials']} at N = d + 1 "
            f"(min residual {lin['min_residual_at_d1']:.2f})"
        ),
        verdict=Verdict.HOLDS if lin["holds"] else Verdict.DIFFERS,
        note="Engine sanity check (issue #3); exact = relative residual ≤ 1e-8 in float64.",
    )


def cover_claim(cover: pd.DataFrame) -> Claim:
    worst = cover["pvalue_engine"].min()
    cases = "; ".join(
        f"N={r.n_points},d={r.dim}: {r.engine_separated}/{r.trials} vs {r.cover_p:.3f}"
        for r in cover.itertuples()
    )
    return Claim(
        claim="a bias-free perceptron separates N random labelled points in R^d with probability "
        "2^(1−N) Σ_{k<d} C(N−1, k) (1/2 at N = 2d)",
        source="Cover 1965, IEEE Trans. Electron. Comput. EC-14, Theorem 1 (engine sanity check, issue #3)",
        paper_value="Cover's formula",
        measured=f"{cases}; smallest binomial p-value {worst:.3f}; engine missed "
        f"{int(cover['engine_missed'].sum())} LP-separable sets",
        verdict=Verdict.HOLDS if bool(cover["holds"].all()) else Verdict.DIFFERS,
        note="holds when the exact two-sided binomial test of the engine's (and the LP's) counts against the "
        "formula has p ≥ 1e-3 in every case and the engine never claims a non-separable set.",
    )


def reference_claims(cells: pd.DataFrame | None, scale: str) -> list[Claim]:
    """Issue #3 reference difficulty: tanh d = 16, L = 2 / 3 (N* ≈ 23 / 34) and ReLU fits at L ≥ 2."""
    out = []
    for L, ref in REFERENCE.items():
        row = None
        if cells is not None:
            sel = cells[
                (cells["depth"] == L)
                & (cells["width"] == 16)
                & (cells["activation"] == "tanh")
                & (~cells["bias"].astype(bool))
            ]
            row = sel.iloc[0] if len(sel) else None
        if row is None:
            out.append(
                Claim(
                    claim=f"engine does at least as well as the reference LM script (tanh, d=16, L={L})",
                    source="issue #3 reference difficulty (LM script, 64 restarts, float64, no biases)",
                    paper_value=f"N* ≈ {ref:.0f}",
                    measured=f"not measured at {scale} scale",
                    verdict=Verdict.NOT_TESTED,
                    note="full-scale numbers: docs/capacity.md; `depthlab capacity run -a tanh -L "
                    f"{L} -d 16 --trials 32 --restarts 2"
                    + (f" --init-gain {REFERENCE_GAIN_L3}" if L == 3 else "") + "`.",
                )
            )
            continue
        ok = row["n_star_attempt_high"] >= ref
        out.append(
            Claim(
                claim=f"engine does at least as well as the reference LM script (tanh, d=16, L={L})",
                source="issue #3 reference difficulty (LM script, 64 restarts, float64, no biases)",
                paper_value=f"N* ≈ {ref:.0f}",
                measured=(
                    f"N* per attempt = {row['n_star_attempt']:.1f} "
                    f"{_ci(row['n_star_attempt_low'], row['n_star_attempt_high'])}; best of "
                    f"{int(row['restarts'])} restarts N* = {row['n_star']:.1f}; bound {row['bound']:.0f}"
                ),
                verdict=Verdict.HOLDS if ok else Verdict.DIFFERS,
                note="holds when the per-attempt N* interval reaches the reference value.",
            )
        )
    return out


def relu_claim(cells: pd.DataFrame) -> Claim:
    relu = cells[(cells["activation"] == "relu") & (cells["depth"] >= 2)]
    ok = bool(len(relu)) and bool((relu["n_star"] > relu["width"] + 0.5).all())
    desc = "; ".join(f"L={r.depth} d={r.width}: N* = {r.n_star:.1f}" for r in relu.itertuples())
    return Claim(
        claim="the engine fits deep ReLU networks exactly beyond the linear capacity d",
        source="issue #3 (the reference LM script finds no exact ReLU fit for L ≥ 2)",
        paper_value="ReLU fits (the paper's experiments use ReLU)",
        measured=desc or "no ReLU cells",
        verdict=Verdict.HOLDS if ok else Verdict.DIFFERS,
        note="holds when every ReLU cell with L ≥ 2 has N* > d + 1/2.",
    )


def run(ctx: StudyContext) -> StudyOutput:
    """Run the study at ``ctx.scale`` and return claims, figures and tables."""
    spec = QUICK if ctx.scale == "quick" else FULL
    spec = GridSpec(**{**spec.__dict__, "seed": ctx.seed})
    grid = run_grid(spec, ctx.out_dir / "grid", device=ctx.device)
    cells = grid.cells
    if ctx.scale == "full":
        ref = pd.concat(
            [run_grid(GridSpec(**{**rs.__dict__, "seed": ctx.seed}), ctx.out_dir / f"reference-L{rs.depths[0]}",
                      device=ctx.device, figures=False).cells for rs in REFERENCE_SPECS],
            ignore_index=True,
        )
    else:
        ref = None
    lin = linear_capacity_check(8, trials=12, seed=ctx.seed, device=ctx.device)
    cover = cover_check(
        COVER_CASES[ctx.scale], trials=200 if ctx.scale == "quick" else 1000, seed=ctx.seed, device=ctx.device
    )
    claims = [
        *ratio_claims(grid.ratios, cells),
        bound_claim(cells),
        relu_claim(cells),
        linear_claim(lin),
        cover_claim(cover),
        *reference_claims(ref, ctx.scale),
    ]
    figures = []
    for d in spec.widths:
        figures.append(
            FigureRef(
                f"grid/success_curves_d{d}.png",
                f"P(exact fit) vs N, d={d}, no biases (95% Wilson intervals; dashed: bounds).",
            )
        )
    figures.append(
        FigureRef("grid/n_star_vs_depth.png", "Capacity N* vs depth L with the parameter-count bound.")
    )
    tables = {"cells": cells, "ratios": grid.ratios, "cover": cover, "linear": pd.DataFrame([lin])}
    if ref is not None:
        tables["reference"] = ref
    two = grid.ratios[grid.ratios["depth_num"] == 2] if not grid.ratios.empty else grid.ratios
    summary = (
        "N*(2)/N*(1): "
        + ", ".join(f"{r.activation} d={r.width}: {r.ratio:.2f}" for r in two.itertuples())
        + ". "
        + PROTOCOL_NOTE
    )
    return StudyOutput(
        claims=claims,
        figures=figures,
        tables=tables,
        summary=summary,
        config={"grid": spec.as_dict(), "scale": ctx.scale},
    )


STUDY = Study(
    name="capacity",
    title="Capacity vs depth: how many random points a depth-L square network fits exactly",
    paper=PAPER,
    run=run,
    cli=app,
)

# Attach the commands to `app` last: depthlab.capacity.cli imports depthlab.cli, which loads every registered
# study (this module included), so STUDY must exist before that import runs.

