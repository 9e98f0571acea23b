"""``depthlab capacity``: success curves and capacities N*(L, d, σ) of square MLPs fitted exactly.

Commands:

* ``depthlab capacity run`` — one cell (activation, depth, width, biases): ramps N, fits T data sets × R
  restarts per
  N with the shared engine, prints the curve and N* with its confidence interval (``--json``: one object with key
  ``n_star``). With ``--out DIR`` the shards are kept there and a re-run resumes.
* ``depthlab capacity grid`` — the whole study (widths × depths × activations × biases) into ``--out DIR``,
  resumable, with progress bars, tables (Parquet) and figures.
* ``depthlab capacity bound`` — the parameter-count bounds (P − S)/d, no fitting.
* ``depthlab capacity tune-gain`` — choose an initialisation gain on tuning seeds only (the probe behind the
  full-scale L = 3 reference cell's gain), refusing any seed the evaluation uses.
"""

from __future__ import annotations

import dataclasses
import math
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from depthlab.capacity.config import EXACT_TOL, SMOOTH_LM_PATIENCE, SMOOTH_LM_STEPS, CellConfig, SeedSplit
from depthlab.capacity.experiment import REFERENCE_GAIN_PROBE as PROBE
from depthlab.capacity.experiment import TUNING_SEEDS
from depthlab.capacity.theory import bound_table
from depthlab.clikit import DeviceOption, JsonOption, SeedOption, emit_json, handle_errors
from depthlab.engine.families import ACTIVATIONS, SMOOTH_ACTIVATIONS
from depthlab.errors import ConfigError

app = typer.Typer(
    name="capacity",
    help="Capacity vs depth: how many random points (x_i, y_i) in R^d a depth-L square network fits exactly "
    "(relative residual ≤ 1e-8 in float64), and the ratio N*(2)/N*(1) behind Gai & Zhang's 'two layers fit "
    "about twice as many points'. The protocol is depthlab's (the paper's is not published).",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)

ActivationOpt = Annotated[
    str,
    typer.Option("--activation", "-a", help=f"Elementwise σ: {', '.join(ACTIVATIONS)} (ignored at depth 1)."),
]
DepthOpt = Annotated[int, typer.Option("--depth", "-L", help="Number of weight layers L (1 is y = W x).")]
WidthOpt = Annotated[int, typer.Option("--width", "-d", help="Width d: inputs, hidden units and outputs.")]
BiasOpt = Annotated[bool, typer.Option("--bias/--no-bias", help="Biases on every layer.")]
TrialsOpt = Annotated[int, typer.Option(help="Random data sets per N.")]
RestartsOpt = Annotated[
    int, typer.Option(help="Random initialisations per data set (fitted if any restart fits).")
]
LmStepsOpt = Annotated[
    int,
    typer.Option(
        "--lm-steps",
        help="Levenberg–Marquardt iteration cap per model for smooth σ (tanh, sigmoid, linear; ReLU keeps the "
        f"engine's budget). Default: the study's budget ({SMOOTH_LM_STEPS}); 0: engine default 300. Deep "
        "smooth nets near capacity need more than 300 (docs/capacity.md, 'Reference difficulty').",
    ),
]
LmPatienceOpt = Annotated[
    int,
    typer.Option(
        "--lm-patience",
        help="LM iterations without 0.1% loss progress before a model stops as stalled, for smooth σ. "
        f"Default: the study's budget ({SMOOTH_LM_PATIENCE}); 0: engine default 25.",
    ),
]


TuningSeedsOpt = Annotated[
    list[str] | None,
    typer.Option("--tuning-seeds", help="Data-set seeds the --init-gain was chosen on (repeat or comma-separate); "
                 "--seed, the seed evaluated here, must not be one of them. Recorded in the output."),
]


def _device(device: str):
    from depthlab.device import resolve_device

    return resolve_device(device)


def _fmt_ci(lo: float, hi: float) -> str:
    return f"[{lo:.2f}, {'∞' if math.isinf(hi) else f'{hi:.2f}'}]"


@app.command()
@handle_errors
def run(
    activation: ActivationOpt = "tanh",
    depth: DepthOpt = 2,
    width: WidthOpt = 8,
    bias: BiasOpt = False,
    trials: TrialsOpt = 16,
    restarts: RestartsOpt = 4,
    n_min: Annotated[
        int | None, typer.Option(help="First N of the ramp (default d/2, or d−2 at depth 1).")
    ] = None,
    n_max: Annotated[
        int | None,
        typer.Option(help="Last N (default ⌊(P−S)/d⌋ + 1, beyond which exact fits have probability 0)."),
    ] = None,
    step: Annotated[
        int | None, typer.Option(help="Coarse N step; the transition is then refined with step 1.")
    ] = None,
    max_steps: Annotated[int, typer.Option(help="Optimiser iteration cap (0: engine default).")] = 0,
    lm_steps: LmStepsOpt = SMOOTH_LM_STEPS,
    lm_patience: LmPatienceOpt = SMOOTH_LM_PATIENCE,
    init_gain: Annotated[
        float,
        typer.Option(help="Initial weight gain, W ~ N(0, gain²/fan_in) (0: engine default, 1 for tanh/sigmoid, "
                          "√2 for ReLU). Choose it on tuning seeds: `depthlab capacity tune-gain`."),
    ] = 0.0,
    tuning_seeds: TuningSeedsOpt = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Keep shards here; a re-run resumes.")
    ] = None,
    seed: SeedOption = 0,
    device: DeviceOption = "auto",
    json: JsonOption = False,
) -> None:
    """Measure one success curve N ↦ P(exact fit) and its capacity N* (where P crosses 1/2).

    Example: depthlab capacity run -a tanh -L 2 -d 16 --trials 32 --restarts 4 --json
    """
    from depthlab.capacity.success import curve_result, open_store, run_curve
    from depthlab.progress import make_progress

    cell = CellConfig(
        depth=depth,
        width=width,
        activation=activation,
        bias=bias,
        trials=trials,
        restarts=restarts,
        seed=seed,
        max_steps=max_steps,
        init_gain=init_gain,
    )
    if cell.activation in SMOOTH_ACTIVATIONS:
        cell = dataclasses.replace(cell, lm_steps=lm_steps, lm_patience=lm_patience)
    split = SeedSplit(_split(tuning_seeds, "--tuning-seeds", int), (seed,)) if tuning_seeds else None
    dev = _device(device)
    with tempfile.TemporaryDirectory(prefix="depthlab-capacity-") as tmp:
        store = open_store(out if out is not None else tmp)
        with make_progress() as prog:
            task = prog.add_task(f"{cell.label}: N", total=None)

            def tick(n: int, computed: bool) -> None:
                prog.update(
                    task, advance=1, description=f"{cell.label}: N={n}{'' if computed else ' (cached)'}"
                )

            rows = run_curve(cell, store, n_min=n_min, n_max=n_max, step=step, device=dev, on_point=tick)
        res = curve_result(cell, rows)
    res["tol"] = EXACT_TOL
    res["device"] = str(dev)
    if split is not None:
        res["seeds"] = split.as_dict()
    if json:
        emit_json(res)
        return
    _print_curve(cell, res)


def _print_curve(cell: CellConfig, res: dict) -> None:
    typer.echo(f"{cell.label}: trials={cell.trials} restarts={cell.restarts} (exact: rel. residual ≤ {cell.tol:g})")
    typer.echo(f"{'N':>4} {'fitted':>9} {'P':>6} {'95% Wilson':>16} {'P/attempt':>9} {'median best res':>16}")
    for r in res["curve"]:
        typer.echo(
            f"{r['n_points']:>4} {r['fitted']:>4}/{r['trials']:<4} {r['p']:>6.3f} "
            f"[{r['p_low']:.3f}, {r['p_high']:.3f}] {r['p_attempt']:>9.3f} {r['median_residual']:>16.3e}"
        )
    cens = f" (censored {res['censored']})" if res["censored"] else ""
    typer.echo(
        f"N* = {res['n_star']:.2f}  95% CI {_fmt_ci(res['n_star_low'], res['n_star_high'])} "
        f"[{res['method']}]{cens};  per attempt N* = {res['n_star_attempt']:.2f};  "
        f"bound (P−S)/d = {res['bound']:.2f}"
    )


def _split(values: list[str] | None, name: str, cast):
    out = []
    for v in values or []:
        for part in str(v).split(","):
            part = part.strip()
            if part:
                try:
                    out.append(cast(part))
                except ValueError:
                    raise ConfigError(f"{name}: cannot read {part!r}") from None
    if not out:
        raise ConfigError(f"{name} is empty")
    return out


@app.command()
@handle_errors
def grid(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Grid folder (shards, tables, figures, manifest).")
    ],
    widths: Annotated[list[str] | None, typer.Option("--width", "-d", help="Widths, repeat or comma-separate "
                                                   "(default 8,16,32).")] = None,
    depths: Annotated[list[str] | None, typer.Option("--depth", "-L", help="Depths (default 1,2,3,4).")]
    = None,
    activations: Annotated[list[str] | None, typer.Option("--activation", "-a", help="Activations (default "
                                                        "relu,sigmoid,tanh).")] = None,
    bias: Annotated[str, typer.Option(help="Biases: both, on or off.")] = "both",
    trials: TrialsOpt = 16,
    restarts: RestartsOpt = 4,
    max_steps: Annotated[int, typer.Option(help="Optimiser iteration cap (0: engine default).")] = 0,
    lm_steps: LmStepsOpt = SMOOTH_LM_STEPS,
    lm_patience: LmPatienceOpt = SMOOTH_LM_PATIENCE,
    init_gain: Annotated[
        float, typer.Option(help="Initial weight gain of the smooth-σ cells (0: engine default).")
    ] = 0.0,
    tuning_seeds: TuningSeedsOpt = None,
    seed: SeedOption = 0,
    device: DeviceOption = "auto",
    json: JsonOption = False,
) -> None:
    """Run (or resume) the whole study: N* for every cell, ratios N*(L)/N*(1), figures.

    Interrupt it any time: finished (cell, N) shards are kept and the same command continues without
    recomputing or duplicating them.
    """
    from depthlab.capacity.grid import GridSpec, run_grid

    biases = {"both": (False, True), "on": (True,), "off": (False,)}
    if bias not in biases:
        raise ConfigError(f"unknown --bias {bias!r}; choose both, on or off")
    widths = widths or ["8,16,32"]
    depths = depths or ["1,2,3,4"]
    activations = activations or ["relu,sigmoid,tanh"]
    spec = GridSpec(
        widths=tuple(_split(widths, "--width", int)),
        depths=tuple(_split(depths, "--depth", int)),
        activations=tuple(_split(activations, "--activation", str)),
        biases=biases[bias],
        trials=trials,
        restarts=restarts,
        seed=seed,
        max_steps=max_steps,
        lm_steps=lm_steps,
        lm_patience=lm_patience,
        init_gain=init_gain,
        tuning_seeds=tuple(_split(tuning_seeds, "--tuning-seeds", int)) if tuning_seeds else (),
    )
    result = run_grid(spec, out, device=_device(device))
    if json:
        emit_json(
            {
                "out": str(out),
                "computed_points": result.computed,
                "reused_points": result.reused,
                "cells": result.cells.to_dict(orient="records"),
                "ratios": result.ratios.to_dict(orient="records"),
            }
        )
        return
    cols = [
        "depth",
        "width",
        "activation",
        "bias",
        "n_star",
        "n_star_low",
        "n_star_high",
        "n_star_attempt",
        "bound",
    ]
    typer.echo(result.cells[cols].to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    if not result.ratios.empty:
        typer.echo(result.ratios.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    typer.echo(f"written to {out} ({result.computed} N computed, {result.reused} reused)")


@app.command()
@handle_errors
def bound(
    width: WidthOpt = 8,
    depths: Annotated[str, typer.Option("--depths", help="Comma-separated depths.")] = "1,2,3,4",
    bias: BiasOpt = False,
    json: JsonOption = False,
) -> None:
    """Print the parameter-count bounds (P − S)/d: the most generic points an exact fit can reach."""
    ds = _split([depths], "--depths", int)
    rows = bound_table(ds, width, ["relu", "sigmoid", "tanh", "linear"], bias=bias)
    if json:
        emit_json({"bounds": rows})
        return
    for r in rows:
        typer.echo(
            f"L={r['depth']} d={r['width']} {r['activation']:8s} P={r['parameters']:>6} "
            f"S={r['symmetries']:>5}  bound={r['bound']:.2f}"
        )


@app.command("tune-gain")
@handle_errors
def tune_gain(
    activation: ActivationOpt = PROBE["activation"],
    depth: DepthOpt = PROBE["depth"],
    width: WidthOpt = PROBE["width"],
    bias: BiasOpt = False,
    n_points: Annotated[int, typer.Option("--n-points", "-n", help="N at which the candidate gains compete.")]
    = PROBE["n_points"],
    gains: Annotated[list[str] | None, typer.Option("--gains", help="Candidate gains in order of preference for "
                     "ties (repeat or comma-separate; 0: engine default). Default: "
                     f"{','.join(f'{g:g}' for g in PROBE['gains'])}.")] = None,
    trials: Annotated[int, typer.Option(help="Data sets per (gain, tuning seed).")] = PROBE["trials"],
    restarts: Annotated[int, typer.Option(help="Restarts per data set.")] = PROBE["restarts"],
    lm_steps: LmStepsOpt = SMOOTH_LM_STEPS,
    lm_patience: LmPatienceOpt = SMOOTH_LM_PATIENCE,
    tuning: Annotated[list[str] | None, typer.Option("--tuning-seeds", help="Seeds the probe fits (default: the "
                      f"study's tuning seeds {','.join(map(str, TUNING_SEEDS))}).")] = None,
    evaluation: Annotated[list[str] | None, typer.Option("--evaluation-seeds", help="Seeds the chosen gain will be "
                          "judged on; refused as tuning seeds (default 0, the report's seed).")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Keep the probe's shards here; a re-run "
                                             "resumes.")] = None,
    device: DeviceOption = "auto",
    json: JsonOption = False,
) -> None:
    """Choose an initialisation gain on tuning seeds only: fit the cell at one N with each candidate gain.

    Rule (fixed before the data): the gain with the highest per-attempt success rate pooled over the tuning
    seeds wins; ties go to the earlier candidate. The defaults are the probe of the full-scale tanh d = 16, L = 3
    reference cell: put the printed gain in depthlab.capacity.experiment.REFERENCE_GAIN_L3 and the tuning seeds
    in REFERENCE_GAIN_L3_TUNED_ON, then evaluate (`depthlab reproduce --full --study capacity`).
    """
    from depthlab.capacity.success import open_store
    from depthlab.capacity.tuning import choose_gain, gain_probe

    seeds = SeedSplit(tuple(_split(tuning, "--tuning-seeds", int)) if tuning else TUNING_SEEDS,
                      tuple(_split(evaluation, "--evaluation-seeds", int)) if evaluation else (0,))
    cell = CellConfig(depth=depth, width=width, activation=activation, bias=bias, trials=trials, restarts=restarts)
    if cell.activation in SMOOTH_ACTIVATIONS:
        cell = dataclasses.replace(cell, lm_steps=lm_steps, lm_patience=lm_patience)
    candidates = [float(g) for g in _split(gains, "--gains", float)] if gains else list(PROBE["gains"])
    probe = gain_probe(cell, n_points, candidates, seeds, device=_device(device),
                       store=open_store(out) if out is not None else None)
    chosen = choose_gain(probe)
    if json:
        emit_json({"chosen_gain": chosen, "seeds": seeds.as_dict(), "cell": cell.label, "n_points": n_points,
                   "probe": probe.to_dict(orient="records")})
        return
    typer.echo(f"{cell.label} at N = {n_points}, tuning seeds {list(seeds.tuning)} "
               f"(evaluation seeds {list(seeds.evaluation)} not used)")
    typer.echo(probe.to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    typer.echo(f"chosen gain: {chosen:g} (highest pooled per-attempt success; ties to the earlier candidate)")
