"""``depthlab committee theory``: the capacity calculator on the command line.

The experiment side mounts :func:`theory` on its ``committee`` typer app (``app.command("theory")(theory)``);
:data:`theory_app` is a one-command app for standalone use and tests.
"""

from __future__ import annotations

import math
from typing import Annotated

import typer

from depthlab.cli.common import JsonOption, emit_json, handle_errors
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
    json: JsonOption = False,
) -> None:
    """Replica capacity α = P/N of the tree committee machine (Baldassi, Malatesta & Zecchina, PRL 2019).

    Prints the replica-symmetric (RS) and one-step RSB capacities. Spherical weights: RS at any K (closed
    form at K = inf, 1/E[d(z,S)²] at finite K), 1RSB at K = inf. Binary weights: the RS zero-entropy capacity
    (equal to the frozen-1RSB one) at K = inf and for the perceptron. With --json, one JSON object with keys
    alpha_rs and alpha_1rsb (null where not implemented; Infinity where the capacity diverges) plus
    activation, weights, K, notes.

    Examples:
        depthlab committee theory --activation relu --K inf --json
        depthlab committee theory --activation sign --K 3
        depthlab committee theory --activation relu --weights binary
    """
    values = theory_values(activation, weights, K)
    if json:
        emit_json(values)
        return
    typer.echo(f"{values['activation']} committee machine, {values['weights']} weights, K = {values['K']}")
    typer.echo(f"  alpha_RS   = {_fmt(values['alpha_rs'])}")
    typer.echo(f"  alpha_1RSB = {_fmt(values['alpha_1rsb'])}")
    for note in values["notes"]:  # type: ignore[union-attr]
        typer.echo(f"  note: {note}")


theory_app = typer.Typer(help="Committee-machine capacity calculator.", no_args_is_help=True)
theory_app.command("theory")(theory)
