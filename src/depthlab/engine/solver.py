"""The one solver interface: every optimiser the engine runs is a :class:`Solver`, chained by :func:`fit` as
stages.

A solver takes a :class:`Problem` (a family, the stacked data of ``M`` models and the fit configuration) and
flat starting parameters ``theta`` ``(M, P)``, and returns a :class:`StageResult`: the final parameters and
per-model step counters. It must treat every model separately (model ``m``'s result depends only on its own
data and start), so results do not depend on how models are chunked. Solvers are registered by name
(:func:`register_solver`); :class:`~depthlab.engine.config.FitConfig` ``stages`` names them in order, and a
study that needs a new method adds a solver here rather than a private training loop.

Built in (each registered by its own module): ``"adam"`` (:mod:`depthlab.engine.adam`), ``"lm"`` and
``"continuation"`` (LM along the family's ``homotopy`` parameters; :mod:`depthlab.engine.lm`),
``"target-homotopy"`` (predictor–corrector tracking of a straight target path; :mod:`depthlab.engine.homotopy`),
``"points"`` (points added one at a time, each by a target homotopy; :mod:`depthlab.engine.points`),
``"activation-homotopy"`` (softplus of rising sharpness for ReLU; :mod:`depthlab.engine.activation_homotopy`),
``"arclength"`` (the target path followed by pseudo-arclength, past folds in t; :mod:`depthlab.engine.arclength`),
``"varpro"`` (variable-projection LM on the hidden layers, the linear output layer solved by least squares;
:mod:`depthlab.engine.varpro`) and
``"replicated"`` (elastically coupled mini-batch replicas, groups of ``y`` consecutive rows;
:mod:`depthlab.engine.replicated`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import torch

from depthlab.engine.families import Family
from depthlab.errors import ConfigError


@dataclasses.dataclass(frozen=True)
class Problem:
    """What a solver acts on.

    Attributes:
        family: the network family.
        x: inputs ``(M, N, *in_shape)``.
        y: targets ``(M, N, *out_shape)``.
        config: the :class:`~depthlab.engine.config.FitConfig` (mode, tolerances, budgets).
        key, indices: the fit's seed key and the ``M`` rows' model indices (``None`` when a solver is called
            outside :func:`~depthlab.engine.fit`); a solver that draws random numbers (the ``"replicated"``
            solver's mini-batches) derives them from ``(key, indices[m])``, so they do not depend on chunking.
    """

    family: Family
    x: torch.Tensor
    y: torch.Tensor
    config: Any
    key: str | int | None = None
    indices: tuple[int, ...] | None = None

    @property
    def n_models(self) -> int:
        return int(self.x.shape[0])


@dataclasses.dataclass
class StageResult:
    """A solver's output: ``theta`` ``(M, P)``, per-model counters, e.g. ``{"lm": (M,) long}``, and optional
    per-model diagnostics ``info`` (``{name: (M,) tensor}``, any dtype; :func:`~depthlab.engine.fit` reports
    them as ``FitResult.info["<stage>:<name>"]``)."""

    theta: torch.Tensor
    steps: dict[str, torch.Tensor]
    info: dict[str, torch.Tensor] = dataclasses.field(default_factory=dict)


Solver = Callable[[Problem, torch.Tensor], StageResult]

_SOLVERS: dict[str, Solver] = {}


def register_solver(name: str, solver: Solver, *, replace: bool = False) -> Solver:
    """Register ``solver(problem, theta) -> StageResult`` under ``name`` (a stage name of ``FitConfig``).

    Raises:
        ConfigError: the name is taken (pass ``replace=True`` to overwrite).
    """
    if name in _SOLVERS and not replace:
        raise ConfigError(f"a solver named {name!r} is already registered; pass replace=True")
    _SOLVERS[name] = solver
    return solver


def get_solver(name: str) -> Solver:
    """The solver registered as ``name``.

    Raises:
        ConfigError: unknown name; the message lists the registered solvers.
    """
    if name not in _SOLVERS:
        raise ConfigError(f"unknown solver {name!r}; registered: {', '.join(sorted(_SOLVERS))}")
    return _SOLVERS[name]


def solver_names() -> tuple[str, ...]:
    """Names accepted as stages."""
    return tuple(sorted(_SOLVERS))
