"""``depthlab angles …``: predict, simulate and plot the vanishing angle of deep ReLU networks (Jakub &
Nica)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from depthlab.clikit import (
    DeviceOption,
    JsonOption,
    MaxMemoryOption,
    MaxTimeOption,
    SeedOption,
    aliases,
    default_out,
    depth_option,
    emit_json,
    handle_errors,
    out_option,
    parse_int_list,
    width_option,
)

app = typer.Typer(
    name="angles",
    help="Depth degeneracy (Jakub & Nica, arXiv 2302.09712): how the angle θ_ℓ between two inputs shrinks "
    "with depth in random bias-free He-initialised ReLU networks. `predict` gives the finite-width law "
    "(Algorithm 1) and the infinite-width map; `simulate` runs the Monte Carlo; `figure` draws the paper's "
    "figures.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)

OLD = {"-n": "--width"}
FIGURE_OUT = default_out("angles", "figure")
WidthOption = Annotated[int, width_option("width n of every layer (≥ 2: an angle needs two neurons).", min=2)]
WidthsOption = Annotated[
    str | None,
    typer.Option(
        "--widths",
        help="Widths n_1,…,n_L of the layers, a list such as 16,32,8 (overrides --width/--depth). "
        "The width of layer ℓ+1 enters the step θ_ℓ → θ_{ℓ+1}.",
    ),
]
DepthOption = Annotated[int, depth_option("Here each layer is a weight matrix followed by ReLU (no readout), and "
                                          "θ_ℓ is measured after each", min=1)]
Theta0Option = Annotated[float, typer.Option("--theta0", "-t", help="Input angle θ_0 in radians, in [0, π].")]


def _widths(width: int, depth: int, widths: str | None, theta0: float) -> list[int]:
    """The layer widths, after the checks that need no numerical code (θ_0 in [0, π], widths ≥ 2)."""
    import math

    if not 0.0 <= theta0 <= math.pi:
        from depthlab.errors import ConfigError

        raise ConfigError(f"--theta0 must be an angle in [0, π] (radians), got {theta0}")
    if widths:
        return list(parse_int_list(widths, "--widths", minimum=2))
    return [width] * depth


@app.command(cls=aliases(OLD))
@handle_errors
def predict(
    width: WidthOption = 256,
    depth: DepthOption = 30,
    theta0: Theta0Option = 0.1,
    widths: WidthsOption = None,
    json: JsonOption = False,
) -> None:
    """Predicted mean of ln sin²θ_ℓ per layer (Algorithm 1, Theorem 1) and the infinite-width angles (eq. 12).

    Examples:

        depthlab angles predict --width 64 --depth 50 --theta0 1.5708 --json

        depthlab angles predict --widths 256,128,64 --theta0 0.1
    """
    ws = _widths(width, depth, widths, theta0)
    import numpy as np

    from depthlab.angles.simcore import check_theta0
    from depthlab.angles.theory.predict import predict_mean_path

    t0 = check_theta0(theta0)
    p = predict_mean_path(t0, ws)
    out = {
        "theta0": t0,
        "widths": ws,
        "mean_log_sin2": np.asarray(p["mean_log_sin2"]).tolist(),
        "theta": np.asarray(p["theta"]).tolist(),
        "infinite_width_theta": np.asarray(p["infinite_width_theta"]).tolist(),
        "infinite_width_log_sin2": np.asarray(p["infinite_width_log_sin2"]).tolist(),
        "approx1_log_sin2": np.asarray(p["approx1_log_sin2"]).tolist(),
    }
    if json:
        emit_json(out)
        return
    from rich.table import Table

    from depthlab.progress import console

    tab = Table(title=f"θ_0 = {t0:g}, widths {ws[0]}{'…' if len(set(ws)) > 1 else ''} × {len(ws)} layers")
    for col in ("layer", "E ln sin²θ (Alg. 1)", "θ (Alg. 1)", "θ (infinite width)"):
        tab.add_column(col, justify="right")
    for ell in range(len(ws) + 1):
        tab.add_row(
            str(ell),
            f"{out['mean_log_sin2'][ell]:.4f}",
            f"{out['theta'][ell]:.5f}",
            f"{out['infinite_width_theta'][ell]:.5f}",
        )
    console().print(tab)


@app.command(cls=aliases(OLD))
@handle_errors
def simulate(
    width: WidthOption = 256,
    depth: DepthOption = 30,
    theta0: Theta0Option = 0.1,
    widths: WidthsOption = None,
    networks: Annotated[
        int, typer.Option("--networks", "-M", help="Number of random networks M (the Monte Carlo sample).", min=1)
    ] = 1000,
    method: Annotated[
        str,
        typer.Option(
            help="full: whole networks as stacked (M, n, n) weight tensors; "
            "markov: the exact O(n)-per-layer chain (same law, much faster)."
        ),
    ] = "markov",
    activation: Annotated[str, typer.Option(help="relu (paper), leaky_relu[:slope], tanh, gelu, … (any name of "
                                            "depthlab.activations).")] = "relu",
    sigma_b: Annotated[float, typer.Option("--sigma-b", help="Bias standard deviation (0 = paper).")] = 0.0,
    seed: SeedOption = 0,
    device: DeviceOption = "auto",
    max_memory: MaxMemoryOption = None,
    max_time: MaxTimeOption = "1h",
    json: JsonOption = False,
) -> None:
    """Monte Carlo of θ_ℓ over many random networks: mean and SD of ln sin²θ_ℓ per layer.

    The memory and the CPU time are estimated from the arguments first (angles/sizes.py); a run above the
    memory available or --max-time is refused with the estimate.

    Examples:

        depthlab angles simulate --width 256 --depth 30 --theta0 0.1 --networks 5000 --json

        depthlab angles simulate --widths 16,32,8 --networks 2000 --method full
    """
    if method not in ("full", "markov"):
        from depthlab.errors import ConfigError

        raise ConfigError(f"unknown method {method!r}; choose one of: full, markov")
    ws = _widths(width, depth, widths, theta0)
    _check_budget(method, ws, networks, device, max_memory, max_time)
    from depthlab.angles.markov import simulate_markov
    from depthlab.angles.montecarlo import simulate_full

    sim = simulate_full if method == "full" else simulate_markov
    run = sim(theta0, ws, networks, seed=seed, device=device, activation=activation, sigma_b=sigma_b)
    out = run.summary()
    if json:
        emit_json(out)
        return
    from rich.table import Table

    from depthlab.progress import console

    tab = Table(
        title=f"{method} MC: {run.networks} networks, θ_0 = {run.theta0:g}, {run.activation}, "
        f"{run.seconds:.2f} s on {run.device}"
    )
    for col in ("layer", "width", "mean ln sin²θ", "± SE", "SD", "collapsed"):
        tab.add_column(col, justify="right")
    for ell in range(run.depth + 1):
        tab.add_row(
            str(ell),
            str(ws[ell - 1]) if ell else "input",
            f"{out['mean_log_sin2'][ell]:.4f}",
            f"{out['sem_log_sin2'][ell]:.4f}",
            f"{out['sd_log_sin2'][ell]:.4f}",
            str(out["collapsed"][ell]),
        )
    console().print(tab)


def _check_budget(method: str, ws: list[int], networks: int, device: str, max_memory: str | None,
                  max_time: str) -> None:
    """Refuse before allocating: time first on a CPU (a driver-less machine cannot use CUDA), then memory."""
    from depthlab.angles.sizes import simulate_bytes, simulate_seconds
    from depthlab.budget import ResourceError, check_memory, check_time, format_seconds

    what = f"angles simulate --networks {networks} --method {method} (depth {len(ws)}, width {max(ws)})"
    hint = "lower --networks (the standard error of E ln sin²θ falls like 1/√M) or the widths"
    try:
        check_memory(simulate_bytes(method, ws, networks), what=what, hint=hint, max_memory=max_memory,
                     detail="every network's per-layer angles and one chunk's working set")
    except ResourceError as exc:
        memory_error: ResourceError | None = exc
    else:
        memory_error = None
    if not _may_use_cuda(device):
        secs = simulate_seconds(method, ws, networks, _threads())
        try:
            check_time(secs, what=what, hint=hint, max_time=max_time,
                       detail=f"at the measured CPU rate, {_threads()} thread(s)")
        except ResourceError:
            if memory_error is None:
                raise
            raise ResourceError(f"{memory_error}. It would also take about {format_seconds(secs)}, more than "
                                "--max-time") from None
        if secs > 60:
            typer.echo(f"note: estimated {format_seconds(secs)} on this CPU", err=True)
    if memory_error is not None:
        raise memory_error


def _may_use_cuda(device: str) -> bool:
    return device.startswith("cuda") or (device == "auto" and Path("/proc/driver/nvidia/version").exists())


def _threads() -> int:
    import os

    value = os.environ.get("DEPTHLAB_THREADS", "")
    return int(value) if value.isdigit() and int(value) > 0 else max(1, (os.cpu_count() or 1))


@app.command()
@handle_errors
def figure(
    which: Annotated[
        str,
        typer.Argument(
            help="fig1 (paper Fig. 1), fig2 (paper Fig. 2), sweep (widths 256/64/16), ks (the Fig. 1 KS "
            "p-values over seeds, both constructions), activations, training, or all."
        ),
    ] = "all",
    out: Annotated[Path, out_option("angles", "figure", "the PNG files")] = FIGURE_OUT,
    scale: Annotated[
        str, typer.Option(help="quick (minutes on a CPU) or full (the paper's sizes).")
    ] = "quick",
    seed: SeedOption = 0,
    device: DeviceOption = "auto",
) -> None:
    """Draw the study's figures (Monte Carlo against the predictions) into PNG files.

    Examples:

        depthlab angles figure fig1

        depthlab angles figure all --out results/angles-figure --scale quick
    """
    from depthlab.angles import experiment as ex
    from depthlab.angles import figures as fg
    from depthlab.angles.claims import PAPER_KS
    from depthlab.plotting import save_figure
    from depthlab.validate import choice

    which = choice(which, "figure", ("fig1", "fig2", "sweep", "ks", "activations", "training", "all"))
    scale = choice(scale, "scale", ("quick", "full"))
    todo = ("fig1", "fig2", "sweep", "ks", "activations", "training") if which == "all" else (which,)
    written = []
    for name in todo:
        if name == "fig1":
            t = ex.figure1_tables(ex.figure1(scale, seed, device, **ex.FIG1))
            fig = fg.figure1(t["figure1"], t["figure1_samples"], t["figure1_density"], t["figure1_ks"],
                             t["figure1_setup"])
        elif name == "fig2":
            fig = fg.figure2(ex.figure2(scale, seed, device))
        elif name == "sweep":
            fig = fg.width_sweep(ex.width_sweep(scale, seed, device)[0])
        elif name == "ks":
            fig = fg.ks_spread(ex.ks_spread_table(scale, seed, device), PAPER_KS)
        elif name == "activations":
            fig = fg.activations(ex.activation_table(2000, seed, device)[0])
        else:
            import pandas as pd

            from depthlab.angles.training import training_link

            rows, summary = training_link(seed=seed, progress=True)
            fig = fg.training(pd.DataFrame(rows), summary)
        written.append(str(save_figure(fig, out / f"angles_{name}.png")))
    typer.echo("\n".join(written))
