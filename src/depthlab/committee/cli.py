"""``depthlab committee ...``: replica theory, capacity sweeps and figures.

Commands:
    theory  — RS / 1RSB capacities from the calculator (:mod:`depthlab.committee.theory`).
    run     — success probability vs α for chosen K, N, activation and weights; resumable (``--out``).
    figure  — figures of a finished (or partial) run.
    locate  — α_50 per (K, N) by bisection in α, then the 1/N fit.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer

from depthlab.clikit import (
    DeviceOption,
    JsonOption,
    MaxMemoryOption,
    SeedOption,
    default_out,
    emit_json,
    handle_errors,
    out_option,
    parse_int_list,
)
from depthlab.errors import ConfigError

RUN_OUT, LOCATE_OUT = default_out("committee", "run"), default_out("committee", "locate")
K_HELP = "Hidden units K (the paper's K; --width in docs/cli.md)"
N_HELP = "Input dimension N (the paper's N; --input-dim in docs/cli.md)"

app = typer.Typer(
    name="committee",
    help="Committee-machine capacity, ReLU vs sign hidden units (Baldassi, Malatesta & Zecchina, PRL 123, "
    "170602 (2019)): replica theory beside measured storage transitions.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _fmt(v: object) -> str:
    if v is None:
        return "not available"
    if isinstance(v, float) and math.isinf(v):
        return "∞"
    return f"{v:.6f}" if isinstance(v, float) else str(v)


@app.command()
@handle_errors
def theory(
    activation: Annotated[str, typer.Option(
        help="Hidden-unit activation: relu (K even, output weights ±1 halves), sign (K odd, majority vote) "
        "or linear (the perceptron).")] = "relu",
    weights: Annotated[str, typer.Option(help="Weight prior: spherical (continuous) or binary (±1).")]
    = "spherical",
    K: Annotated[str, typer.Option("--K", "-K", "--width", "-w", help=f"{K_HELP}, or 'inf' for K → ∞.")] = "inf",
    ties: Annotated[str, typer.Option(
        help="An output of exactly 0 (all ReLU units inactive) counts as an 'error' (the model's convention, "
        "default) or as 'correct' (for both labels). Matters only for ReLU at finite K.")] = "error",
    json: JsonOption = False,
) -> None:
    """Replica capacity α = P/N of the tree committee machine (Baldassi, Malatesta & Zecchina, PRL 2019).

    Prints the replica-symmetric (RS) and one-step RSB (1RSB) capacities.

    Spherical weights: RS at any K (closed form at K = inf, 1/E(d(z,S)²) at finite K); 1RSB at K = inf.

    Binary weights: RS zero-entropy capacity (= frozen 1RSB) at K = inf and for the perceptron.

    Binary weights at finite K: sign with odd K ≤ 15, ReLU with K = 2.

    --ties error (default): an output of exactly 0 is a mistake, as in the model.

    --ties correct: an output of 0 matches both labels; differs only for ReLU at small K (K = 2: 4/3 vs 3.81).

    --json: one JSON object with keys alpha_rs, alpha_1rsb, activation, weights, K, ties, notes.

    In JSON, null means not implemented (notes says why) and Infinity means the capacity diverges.

    Examples:

        depthlab committee theory --activation relu --K inf --json

        depthlab committee theory --activation sign --K 3

        depthlab committee theory --activation relu --weights binary

        depthlab committee theory --activation relu --K 2 --ties correct
    """
    from depthlab.committee.theory import theory_values

    values = theory_values(activation, weights, K, ties)
    if json:
        emit_json(values)
        return
    typer.echo(f"{values['activation']} committee machine, {values['weights']} weights, K = {values['K']}, "
               f"ties = {values['ties']}")
    typer.echo(f"  alpha_RS   = {_fmt(values['alpha_rs'])}")
    typer.echo(f"  alpha_1RSB = {_fmt(values['alpha_1rsb'])}")
    for note in values["notes"]:  # type: ignore[union-attr]
        typer.echo(f"  note: {note}")


def alpha_grid(alpha_min: float, alpha_max: float, alpha_step: float) -> tuple[float, ...]:
    """α values from ``alpha_min`` to ``alpha_max`` (inclusive) in steps of ``alpha_step``; all must be >
    0."""
    from depthlab.validate import finite_float

    lo = finite_float(alpha_min, "--alpha-min")
    hi = finite_float(alpha_max, "--alpha-max")
    step = finite_float(alpha_step, "--alpha-step")
    if lo <= 0:
        raise ConfigError(f"--alpha-min must be > 0 (α = P/N), got {lo}")
    if hi < lo:
        raise ConfigError(f"--alpha-max ({hi}) must be ≥ --alpha-min ({lo})")
    if step <= 0:
        raise ConfigError(f"--alpha-step must be > 0, got {step}")
    n = math.floor((hi - lo) / step + 1e-9) + 1
    if n > 200:
        raise ConfigError(f"the α grid has {n} points (> 200); use a larger --alpha-step")
    return tuple(round(lo + i * step, 10) for i in range(n))


@app.command()
@handle_errors
def run(
    K: Annotated[list[str], typer.Option(
        "--K", "-K", "--width", "-w", metavar="K", help=f"{K_HELP}: a list such as 2,4,8 or repeated. Even for "
        "relu, odd for sign; each N is rounded to the nearest multiple of K.")]
    = ["4"],  # noqa: B006
    N: Annotated[list[str], typer.Option("--N", "-N", "--input-dim", "-d", metavar="N",
                                         help=f"{N_HELP}: a list or repeated; each is rounded to the nearest "
                                         "multiple of K.")] = ["64"],  # noqa: B006
    alpha_min: Annotated[float, typer.Option(help="Smallest load α = P/N (> 0).")] = 0.5,
    alpha_max: Annotated[float, typer.Option(help="Largest load α.")] = 3.0,
    alpha_step: Annotated[float, typer.Option(help="Step of the α grid.")] = 0.25,
    activation: Annotated[str, typer.Option(help="relu or sign.")] = "relu",
    weights: Annotated[str, typer.Option(help="spherical (engine, Adam) or binary (simulated annealing).")]
    = "spherical",
    instances: Annotated[int, typer.Option(help="Random storage problems per (K, N, α).", min=1)] = 32,
    restarts: Annotated[int, typer.Option(help="Random starts per problem (solved if any restart stores "
                                               "every pattern).", min=1)] = 1,
    algorithm: Annotated[str, typer.Option(help="Continuous weights: adam (shared engine, straight-through "
                                          "surrogate) or least-action (sign units only: batched least-action "
                                          "learning, Mitchison & Durbin 1989) or replicated (the engine's "
                                          "robust-ensemble solver; the restarts are the coupled replicas). "
                                          "Binary weights: simulated annealing, or replicated (replicated "
                                          "simulated annealing, the restarts being the coupled replicas). "
                                          "exact (spherical weights, restarts 1): sign K=1, the perceptron, "
                                          "whose solution space is convex: storage decided by a linear "
                                          "programme (HiGHS); or relu K=2: a certified LP bracket, solved = "
                                          "certified stored (lower bound), plus the free-norm LP's answer as "
                                          "an upper bound (curve lp-free-norm) and the undecided fraction. "
                                          "slp (relu, spherical weights): sequential linear programming, a "
                                          "free-norm convex-concave stage then trust-region LPs on the "
                                          "spheres (HiGHS, one problem at a time on the CPU).")]
    = "adam",
    gamma0: Annotated[float, typer.Option(help="replicated: initial coupling γ0 ≥ 0 (0: independent "
                                               "restarts).")] = 0.01,
    gamma1: Annotated[float, typer.Option(help="replicated: coupling growth, γ_t = γ0 (1 + γ1)^t (t: steps; "
                                               "binary weights: sweeps).")] = 0.001,
    batch: Annotated[int, typer.Option(help="replicated: mini-batch size (0 = full batch; at most P).",
                                       min=0)] = 0,
    steps: Annotated[int, typer.Option(help="Adam steps (or least-action epochs) per machine (spherical "
                                            "weights).", min=1)] = 2000,
    sweeps: Annotated[int, typer.Option(help="Annealing sweeps per machine (binary weights).", min=1)] = 300,
    out: Annotated[Path, out_option("committee", "run", "shards and tables (finished cells are skipped)")]
    = RUN_OUT,
    seed: SeedOption = 0,
    device: DeviceOption = "auto",
    max_memory: MaxMemoryOption = None,
    json: JsonOption = False,
) -> None:
    """Measure P(all P = αN random patterns stored) vs α and the transition α_50 (success = 1/2).

    Each (K, N, α) cell trains `instances × restarts` machines as one stacked batch (continuous weights: the
    shared engine, Adam on the squared hinge, straight-through surrogate gradients; binary weights: batched
    simulated annealing). Success is checked on the true ReLU/sign machine in float64. Results go to
    OUT/shards (one Parquet file per cell, so an interrupted run resumes), OUT/success.parquet,
    OUT/transitions.parquet and OUT/manifest.json.

    Examples:

        depthlab committee run --K 2,4,8 --N 64,128 --alpha-min 1 --alpha-max 3 -o results/relu-run

        depthlab committee run --activation sign --K 3,7 --N 63 --alpha-max 5 -o results/sign-run --json

        depthlab committee run --activation sign --algorithm least-action --K 1,3,7 --N 255 -o results/la

        depthlab committee run --algorithm replicated --restarts 5 --gamma0 0.01 --batch 32 --K 4 --N 128

        depthlab committee run --activation sign --algorithm exact --K 1 --N 128,256 --alpha-min 1.6 --alpha-max 2.4

        depthlab committee run --activation relu --algorithm exact --K 2 --N 64,128 --alpha-min 1 --alpha-max 1.7
        --alpha-step 0.05

        depthlab committee run --algorithm slp --K 4 --N 128 --alpha-min 1.6 --alpha-max 2.2 --alpha-step 0.1

        depthlab committee run --weights binary --K 2 --N 42 --alpha-min 0.2 --alpha-max 0.8 --alpha-step 0.1

        depthlab committee run --weights binary --activation sign --algorithm replicated --restarts 3
        --gamma0 0.05 --gamma1 0.01 --K 3 --N 45 --alpha-min 0.4 --alpha-max 0.7 --alpha-step 0.1
    """
    ks, ns = parse_int_list(K, "--K"), parse_int_list(N, "--N")
    alphas = alpha_grid(alpha_min, alpha_max, alpha_step)
    _check_memory(ns, alphas[-1], instances, restarts, max_memory)
    from depthlab.committee.analysis import extrapolate, transitions
    from depthlab.committee.exact import bracket_table, free_norm_rows
    from depthlab.committee.experiment import SweepConfig, run_sweep, success_table
    from depthlab.device import resolve_device
    from depthlab.results import recorded_run

    cfg = SweepConfig(activation=activation, weights=weights, Ks=ks, Ns=ns,
                      alphas=alphas, instances=instances,
                      restarts=restarts,
                      seed=seed, steps=steps, sweeps=sweeps, algorithm=algorithm, gamma0=gamma0,
                      gamma1=gamma1, batch=batch)
    dev = resolve_device(device)
    with recorded_run(out, config=cfg.__dict__, seed=seed, device=dev) as rec:
        df = run_sweep(cfg, out, device=dev)
        bracket = bracket_table(df)
        if len(bracket):  # ReLU K = 2 bracket: the free-norm upper bound is a second curve
            import pandas as pd

            df = pd.concat([df, free_norm_rows(df)], ignore_index=True)
        succ = success_table(df)
        trans = transitions(df)
        ext = extrapolate(trans)
        rec.write_table("success", succ)
        rec.write_table("transitions", trans)
        rec.write_table("extrapolated", ext)
        if len(bracket):
            rec.write_table("bracket", bracket)
    if json:
        emit_json({"out": str(out), "cells": len(bracket) or len(succ),
                   "transitions": trans.to_dict(orient="records"), "extrapolated": ext.to_dict(orient="records"),
                   **({"bracket": bracket.to_dict(orient="records")} if len(bracket) else {})})
        return
    typer.echo(f"{len(bracket) or len(succ)} cells in {out}")
    for r in bracket.itertuples():
        typer.echo(f"  relu K={r.K} N={r.N:<5d} α = {r.alpha:.3f}: certified stored {r.lower:.3f}, free-norm "
                   f"feasible {r.upper:.3f}, undecided {r.undecided:.3f} ({r.instances} problems, "
                   f"{r.seconds:.1f} s)")
    for r in trans.itertuples():
        typer.echo(f"  {r.activation:5s} {r.weights:9s} {r.algorithm:12s} K={r.K:<3d} N={r.N:<5d} "
                   f"α_50 = {r.alpha50:.3f} "
                   f"± {r.alpha50_se:.3f}")
    for r in ext.itertuples():
        typer.echo(f"  {r.activation:5s} {r.weights:9s} {r.algorithm:12s} K={r.K:<3d} "
                   f"α_50(N→∞) = {r.alpha_inf:.3f} "
                   f"± {r.alpha_inf_se:.3f}")


def _check_memory(ns: tuple[int, ...], alpha: float, instances: int, restarts: int, max_memory: str | None) -> None:
    from depthlab.budget import check_memory
    from depthlab.committee.sizes import cell_bytes

    n = max(ns)
    check_memory(cell_bytes(n, alpha, instances, restarts), what=f"committee run --N {n} --alpha-max {alpha:g}",
                 max_memory=max_memory, hint="lower --N, --alpha-max or --instances",
                 detail=f"{instances}×{restarts} machines, each with its own {math.ceil(alpha * n)} × {n} patterns")


@app.command()
@handle_errors
def figure(
    out: Annotated[Path, typer.Option("--out", "-o", help="A folder written by `depthlab committee run` (default "
                                      "results/committee-run); the figures are written into it.")]
    = RUN_OUT,
    json: JsonOption = False,
) -> None:
    """Draw OUT/success.png (success vs α with the replica capacities) and OUT/capacity.png (α_50 vs K).

    Works on partial runs too: it reads every finished cell in OUT/shards.

    Examples:

        depthlab committee figure

        depthlab committee figure --out results/relu-run --json
    """
    from depthlab.committee.analysis import extrapolate, transitions
    from depthlab.committee.experiment import success_table
    from depthlab.committee.figures import capacity_figure, success_figure
    from depthlab.committee.theory import theory_table
    from depthlab.plotting import save_figure
    from depthlab.results import ShardStore

    df = ShardStore(out).collect()
    if df.empty:
        raise ConfigError(f"no finished cells in {out}/shards; run `depthlab committee run --out {out}` "
                          "first")
    succ = success_table(df)
    relu_ks = tuple(sorted(int(k) for k in df.loc[df["activation"] == "relu", "K"].unique()))
    sign_ks = tuple(sorted(int(k) for k in df.loc[df["activation"] == "sign", "K"].unique() if k >= 3))
    theory_df = theory_table(relu_ks=relu_ks, sign_ks=sign_ks)
    paths = [save_figure(success_figure(succ, theory_df), out / "success.png"),
             save_figure(capacity_figure(extrapolate(transitions(df)), theory_df), out / "capacity.png")]
    if json:
        emit_json({"figures": [str(p) for p in paths]})
    else:
        for p in paths:
            typer.echo(f"wrote {p}")


@app.command()
@handle_errors
def locate(
    preset: Annotated[str, typer.Option(help="Named locator preset (depthlab.committee.locator.PRESETS): "
                                             "medium (~45 single-thread CPU-minutes, N up to 1024) or tiny.")]
    = "medium",
    out: Annotated[Path, out_option("committee", "locate", "one folder per preset part")] = LOCATE_OUT,
    seed: SeedOption = 0,
    device: DeviceOption = "auto",
    json: JsonOption = False,
) -> None:
    """Locate α_50 per (K, N) by bisection in α (a few cells each instead of a full α grid), then fit 1/N.

    Each part of the preset (e.g. sign units with least-action learning, ReLU and sign with Adam) goes to
    OUT/<part>/shards, keyed like `committee run` cells; OUT/transitions.parquet and OUT/extrapolated.parquet
    hold α_50(K, N) and the extrapolation α_50(N) = α_∞ + b/N.

    Examples:

        depthlab committee locate --preset tiny

        depthlab committee locate --preset medium --out results/committee-medium --device cuda
    """
    from depthlab.committee.analysis import extrapolate, transitions
    from depthlab.committee.locator import run_preset
    from depthlab.device import resolve_device
    from depthlab.results import recorded_run

    dev = resolve_device(device)
    with recorded_run(out, config={"preset": preset}, seed=seed, device=dev) as rec:
        df = run_preset(preset, out, seed=seed, device=dev)
        trans = transitions(df)
        ext = extrapolate(trans)
        rec.write_table("transitions", trans)
        rec.write_table("extrapolated", ext)
    if json:
        emit_json({"out": str(out), "transitions": trans.to_dict(orient="records"),
                   "extrapolated": ext.to_dict(orient="records")})
        return
    for r in ext.itertuples():
        typer.echo(f"  {r.activation:5s} {r.algorithm:12s} K={r.K:<3d} α_50(N={r.N_max}) = {r.alpha50_Nmax:.3f} "
                   f"± {r.alpha50_Nmax_se:.3f}; α_50(N→∞) = {r.alpha_inf:.3f} ± {r.alpha_inf_se:.3f}")
