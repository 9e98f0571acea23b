"""Shared options and pre-import checks of ``depthlab capacity`` (split from :mod:`depthlab.capacity.cli`).

Standard library and Typer only: nothing here imports the engine or torch.
"""

from __future__ import annotations

from typing import Annotated

import typer

from depthlab.clikit import default_out, depth_option
from depthlab.errors import ConfigError

#: The study's LM budget for smooth σ, as the help states it (tests check it against depthlab.capacity.config).
LM_STEPS_HELP, LM_PATIENCE_HELP = 1500, 100
OLD = {"--trials": "--instances", "--n-min": "--points-min", "--n-max": "--points-max", "--depths": "--depth",
       "--n-points": "--points"}
#: The fitting methods, as the CLI accepts them (tests check them against depthlab.capacity.config.METHODS).
METHODS_CLI = ("lm", "target-homotopy", "points", "activation-homotopy", "arclength", "varpro", "unitwise")
RUN_OUT, GRID_OUT = default_out("capacity", "run"), default_out("capacity", "grid")

ActivationOpt = Annotated[
    str | None,
    typer.Option("--activation", "-a", help="Elementwise σ: relu, leaky_relu, sigmoid, tanh, linear, softplus, "
                 "gelu (the engine's MLP activations; ignored at depth 1)."),
]
DepthOpt = Annotated[int | None, depth_option("1 is y = W x", min=1)]
WidthOpt = Annotated[int | None, typer.Option(
    "--width", "-w", "--input-dim", "-d", metavar="D", min=1,
    help="Hidden width d of the square network, which is also its input and output dimension (so --input-dim "
    "and -d name the same number).")]
BiasOpt = Annotated[bool, typer.Option("--bias/--no-bias", help="Biases on every layer.")]
InstancesOpt = Annotated[int, typer.Option("--instances", help="Random data sets per N.", min=1)]
RestartsOpt = Annotated[
    int, typer.Option(help="Random initialisations per data set (fitted if any restart fits).", min=1)
]
LmStepsOpt = Annotated[
    int | None,
    typer.Option(
        "--lm-steps",
        help="Levenberg–Marquardt iteration cap per model for smooth σ (tanh, sigmoid, linear; ReLU keeps the "
        f"engine's budget). Default: the study's budget ({LM_STEPS_HELP}); 0: engine default 300. Deep "
        "smooth nets near capacity need more than 300 (docs/capacity.md, 'Reference difficulty').",
    ),
]
LmPatienceOpt = Annotated[
    int | None,
    typer.Option(
        "--lm-patience",
        help="LM iterations without 0.1% loss progress before a model stops as stalled, for smooth σ. "
        f"Default: the study's budget ({LM_PATIENCE_HELP}); 0: engine default 25.",
    ),
]

MethodOpt = Annotated[str, typer.Option(
    "--method", metavar="METHOD",
    help="Fitting method: lm (default: the engine's Levenberg–Marquardt stages), target-homotopy (track the "
    "target path from the network's own outputs, then LM from where it stops), arclength (the same path "
    "followed by pseudo-arclength, so it may pass folds in t, then LM), points (add the points one at a time, then "
    "LM), activation-homotopy (ReLU only: LM on softplus of rising sharpness, then LM on ReLU), varpro "
    "(variable projection: LM on the hidden layers with the output layer solved by least squares, then LM) or "
    "unitwise (L = 2, tanh or relu with biases on or off, sigmoid with --bias: builds the net unit by unit from "
    "solutions of σ(Xw) = Ym; for relu an exact decision, so its failures certify that no fit exists). "
    "docs/capacity.md, 'Fitting methods'.")]


def check_method(method: str) -> str:
    """The ``--method`` value, or a :class:`ConfigError` naming the choices (before torch is imported)."""
    if method not in METHODS_CLI:
        raise ConfigError(f"unknown --method {method!r}; choose one of {', '.join(METHODS_CLI)}")
    return method


TuningSeedsOpt = Annotated[
    list[str] | None,
    typer.Option("--tuning-seeds", help="Data-set seeds the --init-gain was chosen on (a list such as 1,2 or 1-3, "
                 "or repeated); --seed, the seed evaluated here, must not be one of them. Recorded in the output."),
]


def smooth_budget(lm_steps: int | None, lm_patience: int | None) -> tuple[int, int]:
    from depthlab.capacity.config import SMOOTH_LM_PATIENCE, SMOOTH_LM_STEPS

    return (SMOOTH_LM_STEPS if lm_steps is None else lm_steps,
            SMOOTH_LM_PATIENCE if lm_patience is None else lm_patience)


def check_cell_memory(depths: tuple[int, ...], widths: tuple[int, ...], bias: bool, n_max: int | None,
                  max_memory: str | None, what: str) -> None:
    """Refuse before importing the engine when one model of the largest cell cannot fit (:mod:`.sizes`)."""
    from depthlab.budget import check_memory
    from depthlab.capacity.sizes import one_model_bytes, parameters

    L, d = max(depths), max(widths)
    check_memory(one_model_bytes(L, d, bias, n_max), what=what, max_memory=max_memory,
                 hint="lower --width (or --depth, --points-max)",
                 detail=f"one model of depth {L}, width {d}: {parameters(L, d, bias)} parameters, its Jacobian and "
                 "Gauss–Newton system; the engine fits models in chunks, so this is the least it needs")
