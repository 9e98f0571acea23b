"""``depthlab interp``: build interpolating networks, analyse interpolation matrices, draw the figures.

Options follow ``docs/cli.md``; sizes are checked against the memory available (:mod:`depthlab.interp.sizes`)
before NumPy or torch is imported.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from depthlab.clikit import (
    DeviceOption,
    JsonOption,
    MaxMemoryOption,
    SeedOption,
    aliases,
    default_out,
    emit_json,
    handle_errors,
    input_dim_option,
    out_option,
    points_option,
    width_option,
)
from depthlab.errors import ConfigError, InputError

app = typer.Typer(
    name="interp",
    help="Interpolation matrices of ReLU networks (Huang, arXiv 2208.07498): exact constructions that "
    "interpolate N points, deep constructions with sparse interpolation matrices, and trained networks seen "
    "through the same lens.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

CONSTRUCTIONS = ("triangular", "triangular-bias", "normalized", "two-sided", "peeling", "overparameterized",
                 "grouped", "windowed", "classifier", "classifier-windowed")
DATA_ARRAYS = "it must hold arrays X and Y (X: N × d points; Y: N or N × m targets, or class labels)"
OLD = {"--n": "--points", "--d": "--input-dim"}
FIGURE_OUT = default_out("interp", "figure")

InputOpt = Annotated[
    Path | None,
    typer.Option(
        "--input",
        "-i",
        help="An .npz file with arrays X (N × d) and Y (N, or N × m; class labels for "
        "--construction classifier). Without it, random data from --points, --input-dim, --seed.",
    ),
]
NOpt = Annotated[int, points_option("number of random points N (ignored with --input).", min=1)]
DOpt = Annotated[int, input_dim_option("dimension of the random points (ignored with --input).", min=1)]


def _load_data(path: Path | None, n: int, d: int, seed: int, outputs: int, classes: int | None) -> tuple[Any, Any]:
    import numpy as np

    from depthlab.interp.datasets import random_points
    from depthlab.interp.theory.inputs import as_points, as_targets

    if path is None:
        rng = np.random.default_rng(seed)
        X, Y = random_points(n, d, rng, outputs)
        if classes is not None:
            Y = rng.integers(0, classes, n).astype(np.float64)
        return X, Y
    from depthlab.validate import load_npz

    data = load_npz(path, ("X", "Y"), DATA_ARRAYS)
    X = as_points(data["X"])
    return X, as_targets(data["Y"], X.shape[0])


def _npz_shape(path: Path) -> tuple[int, int]:
    """(N, d) of the X array of a data file, for the memory estimate (the file is read once more later)."""
    from depthlab.validate import load_npz

    x = load_npz(path, ("X", "Y"), DATA_ARRAYS)["X"]
    return (int(x.shape[0]) if x.ndim else 1), (int(x.shape[1]) if x.ndim == 2 else 1)


def _check_construct(name: str, n: int, d: int, outputs: int, classes: int | None, max_memory: str | None,
                     what: str) -> None:
    from depthlab.budget import check_memory
    from depthlab.interp.sizes import construct_bytes, construct_neurons

    k = classes or 3
    check_memory(construct_bytes(name, n, d, outputs, k), what=what, max_memory=max_memory,
                 hint="lower --points (or choose a deep construction: grouped, windowed)",
                 detail=f"{construct_neurons(name, n, outputs, k)} hidden neurons' outputs on up to 4096 points")


@app.command(cls=aliases({**OLD, "--save": "--out"}))
@handle_errors
def construct(
    construction: Annotated[
        str,
        typer.Option(
            "--construction",
            "-c",
            help="triangular, triangular-bias, "
            "normalized, two-sided, peeling, overparameterized (all depth 2: one hidden layer), grouped (depth 3), "
            "windowed (depth 4, local coordinates), classifier (depth 5, K classes), classifier-windowed (depth 6).",
        ),
    ] = "triangular",
    input: InputOpt = None,
    n: NOpt = 100,
    d: DOpt = 3,
    outputs: Annotated[int, typer.Option(help="Outputs m of random targets.", min=1)] = 1,
    classes: Annotated[int | None, typer.Option(help="Random labels with this many classes (for classifier).",
                                                min=2)] = None,
    neurons: Annotated[int | None, typer.Option(help="Neuron budget: an error if the construction needs more.",
                                                min=1)] = None,
    groups: Annotated[
        int | None, typer.Option(help="Groups G of grouped/windowed/classifier (default: fewest neurons).", min=1)
    ] = None,
    save: Annotated[Path | None, typer.Option("--out", "-o", help="Write the network to this .npz (for interp "
                                              "analyse --network).")] = None,
    bound: Annotated[
        bool,
        typer.Option(
            "--bound", help="Also report rounding_bound: a rigorous first-order bound on the float64 "
            "evaluation error, relative like the residual (an extra forward pass)."
        ),
    ] = False,
    seed: SeedOption = 0,
    max_memory: MaxMemoryOption = None,
    json: JsonOption = False,
) -> None:
    """Build a network that interpolates the data exactly and report residual, neurons, rank and condition.

    Depth counts weight layers (docs/cli.md): the one-hidden-layer constructions are depth 2 (Huang's
    "three-layer" networks count the input layer too).

    Examples:

        depthlab interp construct --points 200 --input-dim 5 --construction two-sided

        depthlab interp construct --input data.npz --construction grouped --json

        depthlab interp construct --points 500 --input-dim 10 --classes 10 --construction classifier --out net.npz
    """
    if construction not in CONSTRUCTIONS:
        raise ConfigError(f"unknown construction {construction!r}; choose one of: {', '.join(CONSTRUCTIONS)}")
    if construction.startswith("classifier") and input is None and classes is None:
        classes = 3
    if input is None:
        _check_construct(construction, n, d, outputs, classes, max_memory,
                         f"interp construct --construction {construction} --points {n} --input-dim {d}")
    else:
        rows, dim = _npz_shape(input)
        _check_construct(construction, rows, dim, outputs, classes, max_memory,
                         f"interp construct --construction {construction} on {input} (N = {rows}, d = {dim})")
    import numpy as np

    from depthlab.interp.theory.build import build

    X, Y = _load_data(input, n, d, seed, outputs, classes)
    con = build(construction, X, Y, rng=np.random.default_rng(seed), neurons=neurons, groups=groups)
    if save is not None:
        from depthlab.interp.network_files import save_network

        save_network(con.net, save)
    summary = con.summary()
    if bound:
        from depthlab.interp.theory.numerics import relative_rounding_bound

        target = np.eye(con.net.out_weight.shape[1])[np.asarray(Y).reshape(-1).astype(int)] if (
            construction.startswith("classifier")) else Y
        summary["rounding_bound"] = relative_rounding_bound(con.net, np.asarray(X, dtype=np.float64), target)
    if json:
        emit_json(summary)
        return
    for k, v in summary.items():
        typer.echo(f"{k:18s} {v}")


@app.command(cls=aliases(OLD))
@handle_errors
def analyse(
    network: Annotated[
        Path | None,
        typer.Option(
            help="A network .npz (from construct --out). Without it, --construction builds one, or --train trains one."
        ),
    ] = None,
    construction: Annotated[
        str | None,
        typer.Option("--construction", "-c", help="Build this construction on the data and analyse it."),
    ] = None,
    train: Annotated[bool, typer.Option(help="Train a ReLU MLP (shared engine) on the data and analyse it.")] = False,
    depth: Annotated[int, typer.Option("--depth", "-L", help="Depth of the trained network: number of weight "
                                       "layers L, so L − 1 hidden layers (≥ 2).", metavar="L", min=1)] = 4,
    width: Annotated[int, width_option("units in every hidden layer of the trained network.", min=1)] = 64,
    input: InputOpt = None,
    n: NOpt = 200,
    d: DOpt = 3,
    classes: Annotated[int | None, typer.Option(help="Random labels with this many classes.", min=2)] = None,
    seed: SeedOption = 0,
    device: DeviceOption = "auto",
    max_memory: MaxMemoryOption = None,
    json: JsonOption = False,
) -> None:
    """Per-layer interpolation-matrix report: sparsity, active neurons per point, rank, condition, solution type.

    Examples:

        depthlab interp analyse --construction classifier --points 300 --classes 4

        depthlab interp analyse --network net.npz --input data.npz --json

        depthlab interp analyse --train --depth 5 --width 64 --points 500 --classes 5
    """
    if sum(x is not None and x is not False for x in (network, construction, train or None)) != 1:
        raise InputError("give exactly one of --network FILE, --construction NAME or --train")
    if train and depth < 2:
        raise ConfigError(f"--depth must be ≥ 2 for --train (a depth-L network has L − 1 hidden layers, and the "
                          f"analysis reads hidden layers), got {depth}")
    if construction is not None and construction not in CONSTRUCTIONS:
        raise ConfigError(f"unknown construction {construction!r}; choose one of: {', '.join(CONSTRUCTIONS)}")
    rows, dim = _npz_shape(input) if input is not None else (n, d)
    _check_analyse(rows, dim, network, construction, depth, width, classes, max_memory)
    import numpy as np

    from depthlab.interp.layer_analysis import analyse as run_analysis

    X, Y = _load_data(input, n, d, seed, 1, classes)
    labels = None
    if classes is not None or (construction or "").startswith("classifier") or train:
        if classes is None and input is None:
            classes = 3
            X, Y = _load_data(None, n, d, seed, 1, classes)
        labels = np.asarray(Y).reshape(-1).astype(np.int64)
    if network is not None:
        from depthlab.interp.network_files import load_network

        net = load_network(network)
    elif construction is not None:
        from depthlab.interp.theory.build import build

        net = build(construction, X, Y, rng=np.random.default_rng(seed)).net
    else:
        from depthlab.interp.training import train_classifiers

        net = train_classifiers(X, labels, depths=[depth - 1], width=width, seed=seed, device=device)[0].net
    table = run_analysis(net, X, labels, device=_device(device))
    if json:
        emit_json({"network": net.name, "widths": net.widths, "layers": table.to_dict(orient="records")})
        return
    typer.echo(table.to_string(index=False))


def _device(device: str) -> Any:
    from depthlab.device import resolve_device

    return resolve_device(device)


def _check_analyse(rows: int, dim: int, network: Path | None, construction: str | None, depth: int, width: int,
                   classes: int | None, max_memory: str | None) -> None:
    from depthlab.budget import check_memory
    from depthlab.interp.sizes import analyse_bytes, construct_bytes, construct_neurons

    what = f"interp analyse on N = {rows} points"
    if construction is not None:
        k = classes or 3
        need = construct_bytes(construction, rows, dim, 1, k) + analyse_bytes(
            rows, [construct_neurons(construction, rows, 1, k)])
        check_memory(need, what=f"{what} (--construction {construction})", max_memory=max_memory,
                     hint="lower --points", detail="the construction and its interpolation matrices")
    elif network is None:
        need = analyse_bytes(rows, [width] * (depth - 1)) + 8 * 4 * rows * width * (depth - 1)
        check_memory(need, what=f"{what} (--train --depth {depth} --width {width})", max_memory=max_memory,
                     hint="lower --points, --width or --depth", detail="training and every layer's outputs")
    else:
        from depthlab.interp.network_files import network_widths

        check_memory(analyse_bytes(rows, network_widths(network)), what=f"{what} with {network}",
                     max_memory=max_memory, hint="analyse fewer points", detail="every layer's outputs")


@app.command(cls=aliases({}))
@handle_errors
def figure(
    out: Annotated[Path, out_option("interp", "figure", "the PNG figures")] = FIGURE_OUT,
    seed: SeedOption = 0,
    trained: Annotated[bool, typer.Option(help="Also train networks for the trained-sparsity figure.")] = False,
) -> None:
    """Draw the study's figures: interpolation matrices, neurons vs depth, residuals vs N (and trained sparsity).

    Examples:

        depthlab interp figure

        depthlab interp figure --out figs --trained
    """
    from depthlab.interp.experiment import figure_tables
    from depthlab.interp.figures import FIGURES
    from depthlab.plotting import save_figure
    from depthlab.report.types import figure_specs

    result = figure_tables(seed, trained=trained)
    for spec in figure_specs(FIGURES, result):
        typer.echo(str(save_figure(spec.draw(result), out / spec.path)))
