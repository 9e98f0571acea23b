"""The committee-machine study for ``depthlab reproduce``: replica theory beside measured storage transitions.

Paper: Baldassi, Malatesta & Zecchina, "Properties of the geometry of solutions and capacity of multilayer
neural networks with rectified linear unit activations", PRL 123, 170602 (2019), arXiv 1907.07578. Only the
abstract was reachable; every number we compare with is either computed by our replica calculator
(``theory_*`` modules) or taken from the research note / classic papers, and each claim row names its source.

What runs (``quick`` ≤ ~3 min on a 2-core CPU; ``full`` is a GPU-scale run):

1. the replica calculator's table (RS, 1RSB, binary RS, sign growth law) and one claim row per number;
2. continuous-weight sweeps (engine, Adam): success vs α for ReLU K ∈ {2, 4, 8(, 16, 32)} and sign
   K ∈ {1, 3, 7(, 15, 31)} at two or three N; α_50 per (K, N) and its 1/N extrapolation;
3. binary-weight sweeps (simulated annealing) for ReLU K = 2 and sign K = 3;
4. robustness of solutions at equal α, ReLU vs sign, continuous and binary weights;
5. the headline row: measured α_50(K) for ReLU and sign with the theory curves.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from depthlab.committee.analysis import extrapolate, transitions
from depthlab.committee.cli_app import app
from depthlab.committee.experiment import SweepConfig, run_sweep, success_table
from depthlab.committee.figures import capacity_figure, robustness_figure, success_figure
from depthlab.committee.model import CommitteeSpec
from depthlab.committee.robustness import compare
from depthlab.committee.study_claims import (
    PAPER,
    headline_claim,
    robustness_claims,
    theory_claims,
    transition_claims,
)
from depthlab.plotting import save_figure
from depthlab.report.types import FigureRef, Study, StudyContext, StudyOutput


def _a(lo: float, hi: float, step: float) -> tuple[float, ...]:
    n = round((hi - lo) / step) + 1
    return tuple(round(lo + i * step, 6) for i in range(n))


#: Scale presets. Sign K are the issue's K − 1 (odd; K = 1 is the perceptron).
SCALES: dict[str, dict[str, Any]] = {
    "quick": {
        "relu": {"Ks": (2, 4, 8), "Ns": (32, 64), "alphas": _a(0.75, 2.75, 0.5), "instances": 16,
                 "steps": 600},
        "sign": {"Ks": (1, 3, 7), "Ns": (32, 64), "alphas": _a(0.75, 2.75, 0.5), "instances": 16,
                 "steps": 600},
        "sign_la": {"Ks": (1, 3, 7), "Ns": (64, 128, 256), "alphas": _a(1.0, 3.5, 0.5), "instances": 16,
                    "epochs": 500},
        "binary": {"Ns": (42,), "alphas": _a(0.1, 0.7, 0.15), "instances": 16, "sweeps": 100},
        "robust": {"N": 60, "alpha": 1.0, "machines": 16, "draws": 8, "steps": 1000,
                   "binary_N": 42, "binary_alpha": 0.3, "sweeps": 200},
        "theory": {"relu_ks": (2, 4, 8), "sign_ks": (3, 7)},
    },
    "full": {
        "relu": {"Ks": (2, 4, 8, 16, 32), "Ns": (256, 512, 1024), "alphas": _a(0.5, 4.0, 0.25),
                 "instances": 64, "steps": 5000},
        "sign": {"Ks": (1, 3, 7, 15, 31), "Ns": (256, 512, 1024), "alphas": _a(0.5, 8.0, 0.25),
                 "instances": 64, "steps": 5000},
        "sign_la": {"Ks": (1, 3, 7, 15, 31), "Ns": (256, 512, 1024), "alphas": _a(0.5, 8.0, 0.25),
                    "instances": 64, "epochs": 5000},
        "binary": {"Ns": (126, 252), "alphas": _a(0.1, 1.0, 0.05), "instances": 64,
                   "sweeps": 2000},
        "robust": {"N": 480, "alpha": 1.5, "machines": 64, "draws": 32, "steps": 5000,
                   "binary_N": 210, "binary_alpha": 0.4, "sweeps": 2000},
        "theory": {"relu_ks": (2, 4, 8, 16, 32), "sign_ks": (3, 7, 15, 31)},
    },
}

#: Reference perturbation levels for the robustness claim rows.
ROBUST_LEVELS = {"spherical/weight": 0.3, "spherical/input": 1.0, "spherical/distance": 0.05,
                 "binary/weight": 0.05, "binary/input": 1.0, "binary/distance": 0.1}


def _sweep(ctx: StudyContext, name: str, cfg: SweepConfig) -> pd.DataFrame:
    return run_sweep(cfg, ctx.out_dir / "sweeps" / name, device=ctx.device)


def run(ctx: StudyContext) -> StudyOutput:
    """Run the study at ``ctx.scale`` and return claims, figures and tables."""
    from depthlab.committee import theory_table

    sc = SCALES[ctx.scale]
    theory = theory_table(**sc["theory"])
    frames = []
    for act in ("relu", "sign"):
        p = sc[act]
        frames.append(_sweep(ctx, f"{act}-spherical", SweepConfig(
            activation=act, weights="spherical", Ks=p["Ks"], Ns=p["Ns"], alphas=p["alphas"],
            instances=p["instances"], steps=p["steps"], seed=ctx.seed)))
    if "sign_la" in sc:
        p = sc["sign_la"]
        frames.append(_sweep(ctx, "sign-spherical-least-action", SweepConfig(
            activation="sign", weights="spherical", algorithm="least-action", Ks=p["Ks"], Ns=p["Ns"],
            alphas=p["alphas"], instances=p["instances"], steps=p["epochs"], seed=ctx.seed)))
    b = sc["binary"]
    for act, K in (("relu", 2), ("sign", 3)):
        frames.append(_sweep(ctx, f"{act}-binary", SweepConfig(
            activation=act, weights="binary", Ks=(K,), Ns=b["Ns"], alphas=b["alphas"],
            instances=b["instances"], sweeps=b["sweeps"], seed=ctx.seed)))
    per_instance = pd.concat(frames, ignore_index=True)
    succ = success_table(per_instance)
    trans = transitions(per_instance)
    ext = extrapolate(trans)

    r = sc["robust"]
    rob = pd.concat([
        compare([CommitteeSpec(r["N"], 4, "relu"), CommitteeSpec(r["N"], 3, "sign")], r["alpha"],
                machines=r["machines"], draws=r["draws"], seed=ctx.seed, steps=r["steps"], device=ctx.device),
        compare([CommitteeSpec(r["binary_N"], 2, "relu", "binary"),
                 CommitteeSpec(r["binary_N"], 3, "sign", "binary")],
                r["binary_alpha"], machines=r["machines"], draws=r["draws"], seed=ctx.seed,
                sweeps=r["sweeps"], weight_sigmas=(0.0, 0.01, 0.02, 0.05, 0.1, 0.2),
                distances=(0.0, 0.05, 0.1, 0.15, 0.2, 0.3)),
    ], ignore_index=True)

    claims = theory_claims(theory)
    claims += transition_claims(
        ext[ext["algorithm"] == "adam-engine"], theory,
        "Adam on the squared hinge via the shared engine (straight-through surrogates)")
    claims += transition_claims(
        ext[ext["algorithm"] == "least-action"], theory,
        "batched least-action learning (Mitchison & Durbin 1989), margin-free, weights not renormalised")
    claims += transition_claims(ext[ext["weights"] == "binary"], theory, "simulated annealing (Metropolis)")
    claims.append(headline_claim(ext, theory, "adam-engine"))
    if (ext["algorithm"] == "least-action").any():
        claims.append(headline_claim(ext, theory, "least-action"))
    claims += robustness_claims(rob, ROBUST_LEVELS)

    ctx.out_dir.mkdir(parents=True, exist_ok=True)
    save_figure(success_figure(succ, theory), ctx.out_dir / "success.png")
    save_figure(capacity_figure(ext, theory), ctx.out_dir / "capacity.png")
    save_figure(robustness_figure(rob), ctx.out_dir / "robustness.png")
    figures = [
        FigureRef("capacity.png", "Headline: measured storage transition α_50 vs K (largest N, and 1/N-"
                  "extrapolated) for ReLU and sign committee machines, with the RS capacity at finite K, the "
                  "ReLU RS and 1RSB values at K → ∞ and the sign growth law (16/π)√(ln K)."),
        FigureRef("success.png", "Success probability (all αN patterns stored) vs α per K and N; "
                  "dashed/dotted verticals: RS/1RSB capacity at K → ∞."),
        FigureRef("robustness.png", "Training-error fraction of found solutions after weight noise, input "
                  "noise and a move to distance d along random directions (local energy), ReLU vs sign at "
                  "equal α."),
    ]
    summary = _summary(ext, rob)
    config = {"scale": ctx.scale, "seed": ctx.seed, "presets": sc, "robust_levels": ROBUST_LEVELS}
    return StudyOutput(claims=claims, figures=figures,
                       tables={"theory": theory.astype({"reference_value": float}), "success": succ,
                               "transitions": trans, "extrapolated": ext, "robustness": rob},
                       summary=summary, config=config)


def _summary(ext: pd.DataFrame, rob: pd.DataFrame) -> str:
    lines = ["Measured storage transitions α_50 (largest N; ± logistic-fit SE):"]
    for r in ext.itertuples():
        lines.append(f"  {r.activation} {r.weights} {r.algorithm} K={r.K}: {r.alpha50_Nmax:.3f} "
                     f"± {r.alpha50_Nmax_se:.3f} (N={r.N_max})")
    if len(rob):
        lines.append(f"Robustness compared on {int(rob['solutions'].min())}–{int(rob['solutions'].max())} "
                     "solutions per machine kind.")
    return "\n".join(lines)


STUDY = Study(
    name="committee",
    title="Committee-machine capacity: ReLU vs sign hidden units, replica theory beside measurement",
    paper=PAPER,
    run=run,
    cli=app,
)

# Attach the commands to ``app`` now that STUDY exists (see cli_app.py for why this import comes last).
from depthlab.committee import cli as _cli  # noqa: E402, F401
