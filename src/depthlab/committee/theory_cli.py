"""``depthlab committee theory``: the capacity calculator on the command line.

The experiment side mounts :func:`theory` on its ``committee`` typer app (``app.command("theory")(theory)``);
:data:`theory_app` is a one-command app for standalone use and tests.
"""

from __future__ import annotations

import math
from typing import Annotated

import typer

from depthlab.clikit import JsonOption, emit_json, handle_errors
from depthlab.committee.theory_api import theory_values


def _fmt(v: object) -> str:
    if v is None:
        return "not available"
    if isinstance(v, float) and math.isinf(v):
        return "∞"
    return f"{v:.6f}" if isinstance(v, float) else str(v)


@handle_errors
def theory(
    activation: Annotated[str, typer.Option(
        help="Hidden-unit activation: relu (K even, output weights ±1 halves), sign (K odd, majority vote) "
        "or linear (the perceptron).")] = "relu",
    weights: Annotated[str, typer.Option(help="Weight prior: spherical (continuous) or binary (±1).")]
    = "spherical",
    K: Annotated[str, typer.Option("--K", "-K", help="Number of hidden units, or 'inf' for K → ∞.")] = "inf",
    ties: Annotated[str, typer.Option(
        help="An output of exactly 0 (all ReLU units inactive) counts as an 'error' (the model's convention, "
        "default) or as 'correct' (the note's recipe). Matters only for ReLU at finite K.")] = "error",
    json: JsonOption = False,
) -> None:
    """Replica capacity α = P/N of the tree committee machine (Baldassi, Malatesta & Zecchina, PRL 2019).

    Prints the replica-symmetric (RS) and one-step RSB (1RSB) capacities.

    Spherical weights: RS at any K (closed form at K = inf, 1/E(d(z,S)²) at finite K); 1RSB at K = inf.

    Binary weights: RS zero-entropy capacity (= frozen 1RSB) at K = inf and for the perceptron.

    Binary weights at finite K: sign with odd K ≤ 15, ReLU with K = 2.

    --ties error (default): an output of exactly 0 is a mistake, as in the model.

    --ties correct: the note's recipe; differs only for ReLU at small K (K = 2: 4/3 vs 3.81).

    --json: one JSON object with keys alpha_rs, alpha_1rsb, activation, weights, K, ties, notes.

    In JSON, null means not implemented (notes says why) and Infinity means the capacity diverges.

    Examples:
        depthlab committee theory --activation relu --K inf --json
        depthlab committee theory --activation sign --K 3
        depthlab committee theory --activation relu --weights binary
        depthlab committee theory --activation relu --K 2 --ties correct
    """
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


theory_app = typer.Typer(help="Committee-machine capacity calculator.", no_args_is_help=True)
theory_app.command("theory")(theory)
