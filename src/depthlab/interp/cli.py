"""``depthlab interp``: build interpolating networks, analyse interpolation matrices, draw the figures."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import numpy as np
import typer

from depthlab.clikit import JsonOption, SeedOption, emit_json, handle_errors
from depthlab.errors import InputError

app = typer.Typer(
    name="interp",
    help="Interpolation matrices of ReLU networks (Huang, arXiv 2208.07498): exact constructions that "
    "interpolate N points, deep constructions with sparse interpolation matrices, and trained networks seen "
    "through the same lens.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

InputOpt = Annotated[
    Path | None,
    typer.Option(
        "--input",
        "-i",
        help="An .npz file with arrays X (N × d) and Y (N, or N × m; class labels for "
        "--construction classifier). Without it, random data from --n, --d, --seed.",
    ),
]
NOpt = Annotated[int, typer.Option("--n", help="Number of random points N (ignored with --input).")]
DOpt = Annotated[int, typer.Option("--d", help="Dimension d of random points (ignored with --input).")]


def _load_data(
    path: Path | None,
    n: int,
    d: int,
    seed: int,
    outputs: int,
    classes: int | None,
) -> tuple[np.ndarray, np.ndarray]:
    from depthlab.interp.datasets import random_points
    from depthlab.interp.theory.inputs import as_points, as_targets

    if path is None:
        if n < 1 or d < 1:
            raise InputError(f"--n and --d must be ≥ 1, got n={n}, d={d}")
        rng = np.random.default_rng(seed)
        X, Y = random_points(n, d, rng, outputs)
        if classes is not None:
            Y = rng.integers(0, classes, n).astype(np.float64)
        return X, Y
    try:
        data = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read {path}: {exc}") from None
    missing = [k for k in ("X", "Y") if k not in data.files]
    if missing:
        raise InputError(f"{path} must hold arrays X and Y; missing {missing} (found {data.files})")
    X = as_points(data["X"])
    return X, as_targets(data["Y"], X.shape[0])


@app.command()
@handle_errors
def construct(
    construction: Annotated[
        str,
        typer.Option(
            "--construction",
            "-c",
            help="triangular, triangular-bias, "
            "normalized, two-sided, peeling, overparameterized, grouped (2 "
            "hidden layers), windowed (3 hidden layers, local coordinates), classifier (4 hidden layers, "
            "K classes), classifier-windowed (5 hidden layers).",
        ),
    ] = "triangular",
    input: InputOpt = None,
    n: NOpt = 100,
    d: DOpt = 3,
    outputs: Annotated[int, typer.Option(help="Outputs m of random targets.")] = 1,
    classes: Annotated[int | None, typer.Option(help="Random labels with this many classes (for classifier).")] = None,
    neurons: Annotated[int | None, typer.Option(help="Neuron budget: an error if the construction needs more.")] = None,
    groups: Annotated[
        int | None, typer.Option(help="Groups G of grouped/windowed/classifier (default: fewest neurons).")
    ] = None,
    save: Annotated[Path | None, typer.Option(help="Write the network to this .npz (for interp analyse).")] = None,
    bound: Annotated[
        bool,
        typer.Option(
            "--bound", help="Also report rounding_bound: a rigorous first-order bound on the float64 "
            "evaluation error, relative like the residual (an extra forward pass)."
        ),
    ] = False,
    seed: SeedOption = 0,
    json: JsonOption = False,
) -> None:
    """Build a network that interpolates the data exactly and report residual, neurons, rank and condition.

    Examples:

        depthlab interp construct --n 200 --d 5 --construction two-sided

        depthlab interp construct --input data.npz --construction grouped --json

        depthlab interp construct --n 500 --d 10 --classes 10 --construction classifier --save net.npz
    """
    from depthlab.interp.theory.build import NAMES, build
    from depthlab.validate import choice

    choice(construction, "construction", NAMES)
    if construction.startswith("classifier") and input is None and classes is None:
        classes = 3
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


@app.command()
@handle_errors
def analyse(
    network: Annotated[
        Path | None,
        typer.Option(
            help="A network .npz (from construct --save). Without it, --construction builds one, or --train trains one."
        ),
    ] = None,
    construction: Annotated[
        str | None,
        typer.Option("--construction", "-c", help="Build this construction on the data and analyse it."),
    ] = None,
    train: Annotated[bool, typer.Option(help="Train a ReLU MLP (shared engine) on the data and analyse it.")] = False,
    depth: Annotated[int, typer.Option(help="Hidden layers of the trained network.")] = 3,
    width: Annotated[int, typer.Option(help="Width of the trained network.")] = 64,
    input: InputOpt = None,
    n: NOpt = 200,
    d: DOpt = 3,
    classes: Annotated[int | None, typer.Option(help="Random labels with this many classes.")] = None,
    seed: SeedOption = 0,
    json: JsonOption = False,
) -> None:
    """Per-layer interpolation-matrix report: sparsity, active neurons per point, rank, condition, solution type.

    Examples:

        depthlab interp analyse --construction classifier --n 300 --classes 4

        depthlab interp analyse --network net.npz --input data.npz --json

        depthlab interp analyse --train --depth 4 --width 64 --n 500 --classes 5
    """
    from depthlab.interp.layer_analysis import analyse as run_analysis

    if sum(x is not None and x is not False for x in (network, construction, train or None)) != 1:
        raise InputError("give exactly one of --network FILE, --construction NAME or --train")
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

        net = train_classifiers(X, labels, depths=[depth], width=width, seed=seed)[0].net
    table = run_analysis(net, X, labels)
    if json:
        emit_json({"network": net.name, "widths": net.widths, "layers": table.to_dict(orient="records")})
        return
    typer.echo(table.to_string(index=False))


@app.command()
@handle_errors
def figure(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the PNG figures.")] = Path("interp-figures"),
    seed: SeedOption = 0,
    trained: Annotated[bool, typer.Option(help="Also train networks for the trained-sparsity figure.")] = False,
) -> None:
    """Draw the study's figures: interpolation matrices, neurons vs depth, residuals vs N (and trained sparsity)."""
    from depthlab.interp.experiment import figure_tables
    from depthlab.interp.figures import FIGURES
    from depthlab.plotting import save_figure
    from depthlab.report.types import figure_specs

    result = figure_tables(seed, trained=trained)
    for spec in figure_specs(FIGURES, result):
        typer.echo(str(save_figure(spec.draw(result), out / spec.path)))
