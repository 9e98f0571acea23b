"""``depthlab capacity negative``: a certified negative at one (cell, N) (:mod:`depthlab.capacity.negative`).

Standard library and Typer at import time; the request is checked (method, N against the counting bound,
attempts) before torch or the engine is imported.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Annotated

import typer

from depthlab.capacity.cli_options import (
    ActivationOpt,
    BiasOpt,
    DepthOpt,
    LmPatienceOpt,
    LmStepsOpt,
    MethodOpt,
    WidthOpt,
    check_cell_memory,
    check_method,
    smooth_budget,
)
from depthlab.capacity.cli_verify import counting_bound
from depthlab.clikit import DeviceOption, JsonOption, MaxMemoryOption, SeedOption, default_out, emit_json, out_option

NEGATIVE_OUT = default_out("capacity", "negative")


def negative(
    activation: ActivationOpt = "tanh",
    depth: DepthOpt = 2,
    width: WidthOpt = 8,
    bias: BiasOpt = False,
    points: Annotated[int | None, typer.Option(
        "--points", "-n", metavar="N", min=1,
        help="Number of points N (default: the counting bound − 1, ⌊(P − S)/d⌋ − 1; N above the bound is "
        "refused: there P(fit) = 0).")] = None,
    attempts: Annotated[int, typer.Option(
        "--attempts", metavar="A",
        help="Attempts: A random data sets × 1 restart each (data sets 0 … A − 1). The rule needs A ≥ 2000; "
        "with 0 successes the 95 % Clopper–Pearson bound is 1 − 0.05^(1/A), below 1e-3 only for A ≥ 2995.")] = 3000,
    method: MethodOpt = "lm",
    lm_steps: LmStepsOpt = None,
    lm_patience: LmPatienceOpt = None,
    init_gain: Annotated[float, typer.Option(
        help="Initial weight gain, W ~ N(0, gain²/fan_in) (0: engine default).", min=0.0)] = 0.0,
    chunk: Annotated[int, typer.Option(
        "--chunk", help="Attempts per engine call and shard (the unit a resumed run skips).")] = 100,
    best: Annotated[int, typer.Option(
        "--best", help="Lowest-residual attempts whose Jacobian singular values and rank are reported.")] = 16,
    part: Annotated[str | None, typer.Option(
        "--part", metavar="I/K",
        help="Run part I of K (0 ≤ I < K): only chunks I, I + K, I + 2K, … . K processes with the same "
        "arguments and -o share the folder without fitting a chunk twice (a Slurm array: --part "
        "$SLURM_ARRAY_TASK_ID/K). The part that finds every chunk finished writes negative.json; the others "
        "report how many chunks are done.")] = None,
    out: Annotated[Path, out_option("capacity", "negative", "shards, certificates and negative.json")
                   ] = NEGATIVE_OUT,
    seed: SeedOption = 0,
    device: DeviceOption = "auto",
    max_memory: MaxMemoryOption = None,
    json: JsonOption = False,
) -> None:
    """Test for a certified negative: is P(exact fit) at N points below 1e-3?

    Runs A attempts (A data sets × 1 restart) of one cell at N with the fitting method, in resumable chunks
    (interrupt and re-run the same command: finished chunks are read, not recomputed), stores a certificate for
    every exact fit (`depthlab capacity verify DIR`) and writes DIR/negative.json: attempts, successes, the
    point estimate, the exact one-sided 95 % Clopper–Pearson upper bound on P(fit), the verdict of the fixed
    rule, the distribution of final relative residuals, and the singular values and numerical rank of the
    Jacobian ∂F/∂θ at the best attempts.

    Rule (fixed): certified negative iff attempts ≥ 2000 and the 95 % Clopper–Pearson upper bound < 1e-3. With
    0 successes that needs ≥ 2995 attempts (the default is 3000); each success needs more.

    Examples:

        depthlab capacity negative -a tanh -L 2 -w 8 -o results/neg-tanh8

        depthlab capacity negative -a relu -L 2 -w 8 --method activation-homotopy --attempts 3000

        depthlab capacity negative -a tanh -L 2 -w 8 --points 15 --attempts 200 --json

        depthlab capacity negative -a tanh -L 2 -w 16 -o results/neg16 --part 0/2   (and --part 1/2 beside it)
    """
    from depthlab.errors import ConfigError

    check_method(method)
    act = activation if depth > 1 else "linear"
    nb, p, s = counting_bound(depth, width, act, bias)
    top = math.floor(nb + 1e-12)
    n = top - 1 if points is None else points
    from depthlab.capacity.negative import check_request

    if n < 1:
        raise ConfigError(f"the counting bound {nb:.2f} leaves no N = bound − 1 ≥ 1; pass --points")
    check_request(n, attempts, top, nb, chunk, best)
    from depthlab.capacity.negative import parse_part, part_chunks

    parts = parse_part(part)
    check_cell_memory((depth,), (width,), bias, n, max_memory, f"capacity negative --depth {depth} --width {width}")
    from depthlab.capacity.config import CellConfig
    from depthlab.capacity.negative import run_negative
    from depthlab.device import resolve_device
    from depthlab.engine.families import SMOOTH_ACTIVATIONS
    from depthlab.progress import make_progress

    cell = CellConfig(depth=depth, width=width, activation=activation, bias=bias, trials=1, restarts=1, seed=seed,
                      init_gain=init_gain, method=method)
    if cell.activation in SMOOTH_ACTIVATIONS:
        steps, patience = smooth_budget(lm_steps, lm_patience)
        cell = dataclasses.replace(cell, lm_steps=steps, lm_patience=patience)
    dev = resolve_device(device)
    with make_progress() as prog:
        task = prog.add_task(f"{cell.label} N={n}: chunks", total=len(part_chunks(math.ceil(attempts / chunk),
                                                                                   parts)))

        def tick(done: int, total: int, computed: bool) -> None:
            prog.update(task, completed=done, description=f"{cell.label} N={n}: chunk {done}/{total}"
                        f"{'' if computed else ' (cached)'}")

        res = run_negative(cell, n, out, attempts=attempts, device=dev, chunk=chunk, best=best, on_chunk=tick,
                           part=parts)
    res["device"] = str(dev)
    if json:
        emit_json(res)
        return
    if not res["complete"]:
        typer.echo(f"part {part}: done; {res['chunks_done']} of {res['chunks']} chunks ({res['attempts_done']} of "
                   f"{res['attempts']} attempts) finished in {out}. negative.json is written by the part that "
                   "finds every chunk finished (or re-run without --part).")
        return
    q = res["residuals"]["quantiles"]
    typer.echo(f"{cell.label}, N = {n} (bound (P − S)/d = ({p} − {s})/{width} = {nb:.2f}), method {method}")
    typer.echo(f"attempts {res['attempts']}, successes {res['successes']}, p̂ = {res['p_hat']:.2e}, "
               f"95 % CP upper bound {res['cp_upper_95']:.2e}")
    typer.echo("residual quantiles: " + ", ".join(f"{k} {v:.1e}" for k, v in q.items()))
    for b in res["best"]:
        typer.echo(f"  best: data set {b['trial']:>6}  residual {b['residual']:.2e}  rank {b['rank']}/"
                   f"{min(b['rows'], b['cols'])} (R = {b['rows']}, P = {b['cols']})  σ_min/σ_max "
                   f"{b['sigma_min'] / b['sigma_max'] if b['sigma_max'] else 0:.1e}  #<1e-6 {b['below_1e-06']}  "
                   f"#<1e-10 {b['below_1e-10']}")
    typer.echo(f"{res['seconds_per_attempt']:.3f} s per attempt; {out / 'negative.json'}")
    verdict = "CERTIFIED NEGATIVE" if res["certified_negative"] else "not a certified negative"
    typer.echo(f"verdict: {verdict} ({res['rule']})")
