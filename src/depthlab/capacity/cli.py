"""``depthlab capacity``: success curves and capacities N*(L, d, σ) of square MLPs fitted exactly.

Commands:

* ``depthlab capacity run`` — one cell (activation, depth, width, biases): ramps N, fits T data sets × R
  restarts per
  N with the shared engine, prints the curve and N* with its confidence interval (``--json``: one object with key
  ``n_star``). With ``--out DIR`` the shards are kept there and a re-run resumes.
* ``depthlab capacity grid`` — the whole study (widths × depths × activations × biases) into ``--out DIR``,
  resumable, with progress bars, tables (Parquet) and figures.
* ``depthlab capacity bound`` — the parameter-count bounds (P − S)/d, no fitting.
* ``depthlab capacity verify`` — re-check the stored exact fits (``DIR/certificates``) with an independent
  NumPy/mpmath forward pass (:mod:`depthlab.capacity.certificates`).
* ``depthlab capacity negative`` — a certified negative at one (cell, N): A attempts, the Clopper–Pearson
  upper bound on P(fit) against the fixed rule, residuals and Jacobian ranks (:mod:`depthlab.capacity.negative`).
* ``depthlab capacity tune-gain`` — choose an initialisation gain on tuning seeds only (the probe behind the
  full-scale L = 3 reference cell's gain), refusing any seed the evaluation uses.
"""

from __future__ import annotations

import dataclasses
import math
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer

from depthlab.capacity.cli_negative import negative as _negative
from depthlab.capacity.cli_options import (
    GRID_OUT,
    LM_PATIENCE_HELP,
    LM_STEPS_HELP,
    OLD,
    RUN_OUT,
    ActivationOpt,
    BiasOpt,
    DepthOpt,
    InstancesOpt,
    LmPatienceOpt,
    LmStepsOpt,
    MethodOpt,
    RestartsOpt,
    TuningSeedsOpt,
    WidthOpt,
    check_cell_memory,
    check_method,
    smooth_budget,
)
from depthlab.capacity.cli_positivity import positivity as _positivity
from depthlab.capacity.cli_verify import RequireBoundOpt, check_bound
from depthlab.capacity.cli_verify import verify as _verify
from depthlab.clikit import (
    DeviceOption,
    JsonOption,
    MaxMemoryOption,
    SeedOption,
    aliases,
    emit_json,
    handle_errors,
    out_option,
    parse_int_list,
    parse_str_list,
)
from depthlab.errors import ConfigError

__all__ = ["LM_PATIENCE_HELP", "LM_STEPS_HELP", "app"]

app = typer.Typer(
    name="capacity",
    help="Capacity vs depth: how many random points (x_i, y_i) in R^d a depth-L square network fits exactly "
    "(relative residual ≤ 1e-8 in float64), and the ratio N*(2)/N*(1) behind Gai & Zhang's 'two layers fit "
    "about twice as many points'. The protocol is depthlab's (the paper's is not published).",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)

def _device(device: str):
    from depthlab.device import resolve_device

    return resolve_device(device)


def _fmt_ci(lo: float, hi: float) -> str:
    return f"[{lo:.2f}, {'∞' if math.isinf(hi) else f'{hi:.2f}'}]"


@app.command(cls=aliases(OLD))
@handle_errors
def run(
    activation: ActivationOpt = "tanh",
    depth: DepthOpt = 2,
    width: WidthOpt = 8,
    bias: BiasOpt = False,
    trials: InstancesOpt = 16,
    restarts: RestartsOpt = 4,
    n_min: Annotated[
        int | None, typer.Option("--points-min", help="First N of the ramp (default d/2, or d−2 at depth 1).",
                                 min=1)
    ] = None,
    n_max: Annotated[
        int | None,
        typer.Option("--points-max", help="Last N (default ⌊(P−S)/d⌋ + 1, beyond which exact fits have "
                     "probability 0).", min=1),
    ] = None,
    step: Annotated[
        int | None, typer.Option(help="Coarse N step; the transition is then refined with step 1.", min=1)
    ] = None,
    max_steps: Annotated[int, typer.Option(help="Optimiser iteration cap (0: engine default).", min=0)] = 0,
    lm_steps: LmStepsOpt = None,
    lm_patience: LmPatienceOpt = None,
    require_bound: RequireBoundOpt = False,
    init_gain: Annotated[
        float,
        typer.Option(help="Initial weight gain, W ~ N(0, gain²/fan_in) (0: engine default, 1 for tanh/sigmoid, "
                          "√2 for ReLU). Choose it on tuning seeds: `depthlab capacity tune-gain`."),
    ] = 0.0,
    tuning_seeds: TuningSeedsOpt = None,
    method: MethodOpt = "lm",
    out: Annotated[Path, out_option("capacity", "run", "the (cell, N) shards")] = RUN_OUT,
    seed: SeedOption = 0,
    device: DeviceOption = "auto",
    max_memory: MaxMemoryOption = None,
    json: JsonOption = False,
) -> None:
    """Measure one success curve N ↦ P(exact fit) and its capacity N* (where P crosses 1/2).

    Examples:

        depthlab capacity run -a tanh -L 2 -w 16 --instances 32 --restarts 4 --json

        depthlab capacity run -a relu -L 3 -w 8 --points-min 6 --points-max 14 --out results/relu8

        depthlab capacity run -a tanh -L 2 -w 8 --method target-homotopy --points-min 12 --points-max 16
    """
    check_method(method)
    check_cell_memory((depth,), (width,), bias, n_max, max_memory,
                  f"capacity run --depth {depth} --width {width}")
    if require_bound:  # refuse an N above (P − S)/d before any work; the default ramp ends at the bound
        top = check_bound(depth, width, activation, bias, n_min, n_max)
        n_max = top if n_max is None else n_max
    from depthlab.capacity.config import EXACT_TOL, CellConfig, SeedSplit
    from depthlab.capacity.success import curve_result, open_store, run_curve
    from depthlab.engine.families import SMOOTH_ACTIVATIONS
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
        method=method,
    )
    if cell.activation in SMOOTH_ACTIVATIONS:
        steps, patience = smooth_budget(lm_steps, lm_patience)
        cell = dataclasses.replace(cell, lm_steps=steps, lm_patience=patience)
    split = SeedSplit(parse_int_list(tuning_seeds, "--tuning-seeds", minimum=0), (seed,)) if tuning_seeds else None
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


def _print_curve(cell: Any, res: dict) -> None:
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
    from depthlab.capacity.curves import GOF_ALPHA, logistic_rejected

    if logistic_rejected(res["method"], res.get("gof_p")):
        typer.echo(
            f"note: the logistic curve does not fit these counts (deviance p = {res['gof_p']:.1e} < "
            f"{GOF_ALPHA:g}); the "
            f"model-free crossing is {res['n_star_interp']:.2f} "
            f"{_fmt_ci(res['n_star_interp_low'], res['n_star_interp_high'])} (docs/capacity.md, 'Protocol')"
        )


@app.command(cls=aliases(OLD))
@handle_errors
def grid(
    out: Annotated[Path, out_option("capacity", "grid", "shards, tables, figures and the manifest")] = GRID_OUT,
    widths: Annotated[list[str] | None, typer.Option("--width", "-w", "--input-dim", "-d", metavar="D",
                                                   help="Widths d (= input dimension): a list such as 8,16,32 "
                                                   "or 8-12, or repeated (default 8,16,32).")] = None,
    depths: Annotated[list[str] | None, typer.Option("--depth", "-L", metavar="L", help="Depths: number of weight "
                                                   "layers L, a list (default 1-4).")] = None,
    activations: Annotated[list[str] | None, typer.Option("--activation", "-a", help="Activations, a list "
                                                        "(default relu,sigmoid,tanh).")] = None,
    bias: Annotated[str, typer.Option(help="Biases: both, on or off.")] = "both",
    trials: InstancesOpt = 16,
    restarts: RestartsOpt = 4,
    max_steps: Annotated[int, typer.Option(help="Optimiser iteration cap (0: engine default).", min=0)] = 0,
    lm_steps: LmStepsOpt = None,
    lm_patience: LmPatienceOpt = None,
    require_bound: RequireBoundOpt = False,
    init_gain: Annotated[
        float, typer.Option(help="Initial weight gain of the smooth-σ cells (0: engine default).")
    ] = 0.0,
    tuning_seeds: TuningSeedsOpt = None,
    method: MethodOpt = "lm",
    seed: SeedOption = 0,
    device: DeviceOption = "auto",
    max_memory: MaxMemoryOption = None,
    json: JsonOption = False,
) -> None:
    """Run (or resume) the whole study: N* for every cell, ratios N*(L)/N*(1), figures.

    Interrupt it any time: finished (cell, N) shards are kept and the same command continues without
    recomputing or duplicating them.

    Examples:

        depthlab capacity grid -w 8 -L 1-3 --bias off --instances 8 --restarts 2

        depthlab capacity grid --out results/capacity-grid --width 8,16 --activation relu,tanh
    """
    check_method(method)
    biases = {"both": (False, True), "on": (True,), "off": (False,)}
    if bias not in biases:
        raise ConfigError(f"unknown --bias {bias!r}; choose both, on or off")
    ws = parse_int_list(widths or ["8,16,32"], "--width")
    ls = parse_int_list(depths or ["1-4"], "--depth")
    check_cell_memory(ls, ws, bias != "off", None, max_memory, f"capacity grid at depth {max(ls)}, width {max(ws)}")
    from depthlab.capacity.grid import GridSpec, run_grid

    steps, patience = smooth_budget(lm_steps, lm_patience)
    spec = GridSpec(
        widths=ws,
        depths=ls,
        activations=parse_str_list(activations or ["relu,sigmoid,tanh"], "--activation"),
        biases=biases[bias],
        trials=trials,
        restarts=restarts,
        require_bound=require_bound,
        seed=seed,
        max_steps=max_steps,
        lm_steps=steps,
        lm_patience=patience,
        init_gain=init_gain,
        method=method,
        tuning_seeds=parse_int_list(tuning_seeds, "--tuning-seeds", minimum=0) if tuning_seeds else (),
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
        "fit_method",
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


@app.command(cls=aliases(OLD))
@handle_errors
def bound(
    width: WidthOpt = 8,
    depths: Annotated[str, typer.Option("--depth", "-L", metavar="L", help="Depths: number of weight layers L, "
                                        "a list such as 1-4 or 1,2,4.")] = "1-4",
    bias: BiasOpt = False,
    json: JsonOption = False,
) -> None:
    """Print the parameter-count bounds (P − S)/d: the most generic points an exact fit can reach.

    Examples:

        depthlab capacity bound -w 16

        depthlab capacity bound -w 8 -L 1-6 --bias --json
    """
    from depthlab.capacity.theory import bound_table

    ds = parse_int_list(depths, "--depth")
    rows = bound_table(ds, width, ["relu", "sigmoid", "tanh", "linear"], bias=bias)
    if json:
        emit_json({"bounds": rows})
        return
    for r in rows:
        typer.echo(
            f"L={r['depth']} d={r['width']} {r['activation']:8s} P={r['parameters']:>6} "
            f"S={r['symmetries']:>5}  bound={r['bound']:.2f}"
        )


@app.command("tune-gain", cls=aliases(OLD))
@handle_errors
def tune_gain(
    activation: ActivationOpt = None,
    depth: DepthOpt = None,
    width: WidthOpt = None,
    bias: BiasOpt = False,
    n_points: Annotated[int | None, typer.Option("--points", "-n", help="N at which the candidate gains compete.",
                                                 min=1)] = None,
    gains: Annotated[list[str] | None, typer.Option("--gains", help="Candidate gains in order of preference for "
                     "ties (a comma list or repeated; 0: engine default). Default: the probe's 1, 0.5, 2.")] = None,
    trials: Annotated[int | None, typer.Option("--instances", help="Data sets per (gain, tuning seed).", min=1)]
    = None,
    restarts: Annotated[int | None, typer.Option(help="Restarts per data set.", min=1)] = None,
    lm_steps: LmStepsOpt = None,
    lm_patience: LmPatienceOpt = None,
    tuning: Annotated[list[str] | None, typer.Option("--tuning-seeds", help="Seeds the probe fits, a list "
                      "(default: the study's tuning seeds).")] = None,
    evaluation: Annotated[list[str] | None, typer.Option("--evaluation-seeds", help="Seeds the chosen gain will be "
                          "judged on; refused as tuning seeds (default 0, the report's seed).")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Keep the probe's shards here; a re-run "
                                             "resumes.")] = None,
    device: DeviceOption = "auto",
    max_memory: MaxMemoryOption = None,
    json: JsonOption = False,
) -> None:
    """Choose an initialisation gain on tuning seeds only: fit the cell at one N with each candidate gain.

    Rule (fixed before the data): the gain with the highest per-attempt success rate pooled over the tuning
    seeds wins; ties go to the earlier candidate. The defaults are the probe of the full-scale tanh d = 16, L = 3
    reference cell (N = 34, 16 data sets × 1 restart per gain and seed): put the printed gain in
    depthlab.capacity.experiment.REFERENCE_GAIN_L3 and the tuning seeds in REFERENCE_GAIN_L3_TUNED_ON, then
    evaluate (`depthlab reproduce --full --study capacity`).

    Examples:

        depthlab capacity tune-gain --tuning-seeds 1,2 --json

        depthlab capacity tune-gain -a tanh -L 2 -w 8 --points 12 --gains 1,0.5 --instances 4 --restarts 1
    """
    probe_depth, probe_width = depth or 3, width or 16
    check_cell_memory((probe_depth,), (probe_width,), bias, n_points, max_memory,
                  f"capacity tune-gain --depth {probe_depth} --width {probe_width}")
    from depthlab.capacity.config import CellConfig, SeedSplit
    from depthlab.capacity.experiment import REFERENCE_GAIN_PROBE as PROBE
    from depthlab.capacity.experiment import TUNING_SEEDS
    from depthlab.capacity.success import open_store
    from depthlab.capacity.tuning import choose_gain, gain_probe
    from depthlab.engine.families import SMOOTH_ACTIVATIONS

    seeds = SeedSplit(parse_int_list(tuning, "--tuning-seeds", minimum=0) if tuning else TUNING_SEEDS,
                      parse_int_list(evaluation, "--evaluation-seeds", minimum=0) if evaluation else (0,))
    cell = CellConfig(depth=depth or PROBE["depth"], width=width or PROBE["width"],
                      activation=activation or PROBE["activation"], bias=bias, trials=trials or PROBE["trials"],
                      restarts=restarts or PROBE["restarts"])
    if cell.activation in SMOOTH_ACTIVATIONS:
        steps, patience = smooth_budget(lm_steps, lm_patience)
        cell = dataclasses.replace(cell, lm_steps=steps, lm_patience=patience)
    n_points = n_points or PROBE["n_points"]
    candidates = [_gain(g) for g in parse_str_list(gains, "--gains")] if gains else list(PROBE["gains"])
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


def _gain(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ConfigError(f"--gains: cannot read {text!r} as a number") from None


app.command("verify", cls=aliases(OLD))(handle_errors(_verify))
app.command("negative", cls=aliases(OLD))(handle_errors(_negative))
app.command("positivity", cls=aliases(OLD))(handle_errors(_positivity))
