"""Configuration of one capacity cell (architecture + sampling + fitting budget) and its validation.

A *cell* is one architecture (depth L, width d, activation σ, biases on/off) with a sampling plan (data
draws per N, restarts per draw) and the optimiser budget. Its content hash keys the results on disk and the
random streams:

* data set ``t`` at N points: ``stacked_normal("<seed>/capacity-data/d<d>", [(N, t)], (N, 2d))``; it depends
  on (seed, d, N, t) only, so every architecture of width d sees the *same* data sets (paired comparisons);
* initialisation of restart ``r`` of data set ``t``: engine model index ``t·R + r`` under the key ``"<cell
  init key>/N<N>"`` (:attr:`CellConfig.init_key`, the cell hash without its fitting method) — a function of
  (cell, N, t, r) only, never of batching or chunking, and the same for every fitting method.

The root seed is therefore the *data-set seed*: two cells with different seeds see disjoint data sets and
initialisations. :class:`SeedSplit` names the seeds a tuned knob (an initialisation gain) is chosen on and the
seeds the verdicts it feeds are judged on, and refuses an overlap.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from depthlab.engine.families import ACTIVATIONS
from depthlab.errors import ConfigError
from depthlab.seeding import config_hash
from depthlab.validate import choice, finite_float, positive_int

#: A fit is exact when ‖F(X) − Y‖_F / ‖Y‖_F ≤ this, in float64 (the study's protocol, docs/capacity.md).
EXACT_TOL = 1e-8

#: The study's LM budget for smooth σ at full scale (``depthlab capacity grid`` default): iteration cap and
#: stall patience per model. The engine default (300, 25) stops deep tanh nets near capacity while they still
#: make slow, steady progress (tanh d = 16, L = 3: per-attempt N* 30.4 with the default budget; see
#: docs/capacity.md "Reference difficulty" for the measurements that chose these values).
SMOOTH_LM_STEPS = 1500
SMOOTH_LM_PATIENCE = 100

#: Fitting methods of a cell (``--method``): the engine stages each runs (:func:`depthlab.capacity.fitting.fit_config`).
#: ``"lm"``: the engine's automatic stages (LM for smooth σ); ``"target-homotopy"``: a target homotopy from the
#: network's own outputs, then LM from where it stopped; ``"points"``: points added one at a time, then LM;
#: ``"activation-homotopy"`` (ReLU only): LM on softplus networks of rising sharpness, then LM on ReLU;
#: ``"arclength"``: the target path followed by pseudo-arclength (it may pass folds in t), then LM;
#: ``"varpro"``: variable-projection LM on the hidden layers (output layer solved by least squares), then LM;
#: ``"unitwise"`` (L = 2, tanh, ReLU or sigmoid, biases on or off): the unit-wise construction alone
#: (curve tracing for tanh, and for sigmoid with biases through tanh(z) = 2σ(2z) − 1; sigmoid without biases from
#: starts in the positive cone of Y, whose emptiness certifies that no fit exists; the exact decision by
#: extreme-ray enumeration for ReLU, whose failures certify that no fit exists).
METHODS = ("lm", "target-homotopy", "points", "activation-homotopy", "arclength", "varpro", "unitwise")
#: Activations the ``"unitwise"`` method handles.
UNITWISE_ACTIVATIONS = ("tanh", "relu", "sigmoid")

#: Bump when the protocol changes in a way that changes results (old shards are then not reused).
PROTOCOL_VERSION = 1


@dataclasses.dataclass(frozen=True)
class CellConfig:
    """One architecture and sampling plan of the capacity study.

    Attributes:
        depth: number of weight layers L ≥ 1 (L = 1 is y = W x; the activation is then irrelevant and
            normalised to ``"linear"``).
        width: d ≥ 1, the input, hidden and output width.
        activation: σ, one of the engine's MLP activations (:data:`depthlab.engine.families.ACTIVATIONS`).
        bias: biases on every layer.
        trials: independent data sets (x_i, y_i iid N(0, 1) entries) per N.
        restarts: random initialisations per data set; a data set counts as fitted when any restart fits it.
        seed: root seed.
        tol: exact-fit threshold on the relative residual (float64).
        max_steps: optimiser budget: Adam steps ≤ max_steps and LM iterations ≤ min(300, max_steps)
            (0: the engine's defaults).
        lm_steps: Levenberg–Marquardt iteration cap per LM stage (0: the engine default 300, or the
            ``max_steps`` cap); overrides the LM part of ``max_steps``.
        lm_patience: LM iterations without 0.1 % loss progress before a model stops as stalled (0: the
            engine default 25). Near capacity deep smooth nets progress slowly but steadily, so locating N*
            needs a larger budget than the default (docs/capacity.md "Reference difficulty").
        init_gain: initialisation gain of the MLP weights, ``W ~ N(0, gain²/fan_in)`` (0: the engine default,
            1 for tanh/sigmoid, √2 for ReLU). A smaller gain starts deep tanh nets in their near-linear regime,
            which makes LM succeed more often near capacity (docs/capacity.md "Reference difficulty").
        method: fitting method, one of :data:`METHODS` (docs/capacity.md "Fitting methods").
    """

    depth: int
    width: int
    activation: str = "tanh"
    bias: bool = False
    trials: int = 16
    restarts: int = 4
    seed: int = 0
    tol: float = EXACT_TOL
    max_steps: int = 0
    lm_steps: int = 0
    lm_patience: int = 0
    init_gain: float = 0.0
    method: str = "lm"

    def __post_init__(self) -> None:
        positive_int(self.depth, "depth")
        choice(self.method, "fitting method", METHODS)
        if self.method == "activation-homotopy" and self.activation != "relu":
            raise ConfigError(f"fitting method 'activation-homotopy' needs activation 'relu', got {self.activation!r}")
        if self.method == "unitwise" and (self.depth != 2 or self.activation not in UNITWISE_ACTIVATIONS):
            raise ConfigError("fitting method 'unitwise' builds two-layer networks with σ ∈ "
                              f"{{{', '.join(UNITWISE_ACTIVATIONS)}}}; got L = {self.depth}, "
                              f"σ = {self.activation!r} (use -L 2 and -a tanh, relu or sigmoid)")
        positive_int(self.width, "width")
        choice(self.activation, "activation", ACTIVATIONS)
        positive_int(self.trials, "trials")
        positive_int(self.restarts, "restarts")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise ConfigError(f"seed must be an integer, got {self.seed!r}")
        finite_float(self.tol, "tol", low=0.0, low_open=True)
        positive_int(self.max_steps, "max_steps", minimum=0)
        positive_int(self.lm_steps, "lm_steps", minimum=0)
        positive_int(self.lm_patience, "lm_patience", minimum=0)
        object.__setattr__(self, "init_gain", finite_float(self.init_gain, "init_gain", low=0.0))
        if self.depth == 1 and self.activation != "linear":
            object.__setattr__(self, "activation", "linear")

    def as_dict(self) -> dict[str, Any]:
        """The cell as a dictionary (hashed into its key).

        The LM budget and init-gain fields appear only when set (non-zero), and the method only when not
        ``"lm"``, so cells with the engine defaults keep
        the keys they had before these fields existed and their stored shards stay valid.
        """
        out = {**dataclasses.asdict(self), "protocol": PROTOCOL_VERSION}
        for name in ("lm_steps", "lm_patience", "init_gain"):
            if out[name] == 0:
                del out[name]
        if out["method"] == "lm":
            del out["method"]
        return out

    @property
    def key(self) -> str:
        """Content hash of the cell (keys its shards and its initialisation streams)."""
        return config_hash(self.as_dict())

    @property
    def init_key(self) -> str:
        """Key of the initialisation streams: the hash of the cell *without* its fitting method (equal to
        :attr:`key` for ``"lm"``), so the methods of one cell start from the same parameters (paired)."""
        return config_hash({k: v for k, v in self.as_dict().items() if k != "method"})

    def point_key(self, n_points: int) -> str:
        """Content hash of the unit of work (cell, N): the shard name."""
        return config_hash({**self.as_dict(), "n_points": int(n_points)})

    @property
    def label(self) -> str:
        b = "+b" if self.bias else ""
        m = "" if self.method == "lm" else f" [{self.method}]"
        return f"L={self.depth} d={self.width} {self.activation}{b}{m}"


def seed_tuple(seeds: Iterable[Any], name: str) -> tuple[int, ...]:
    """Distinct integer seeds as a tuple, in the given order; a clear :class:`ConfigError` otherwise."""
    out: list[int] = []
    for s in seeds:
        if isinstance(s, bool) or not isinstance(s, int):
            raise ConfigError(f"{name} must be integers, got {s!r}")
        if s in out:
            raise ConfigError(f"{name} lists seed {s} twice")
        out.append(s)
    return tuple(out)


@dataclasses.dataclass(frozen=True)
class SeedSplit:
    """Data-set seeds for choosing a knob (``tuning``) and for judging with it (``evaluation``); disjoint.

    A knob chosen on data (an initialisation gain, a budget) is chosen on the tuning seeds only, and the verdicts
    it feeds are measured on the evaluation seeds, so a rule is never fitted to the data it judges. A seed is a
    cell's root seed (it draws the data sets and, through the cell hash, the initialisations).

    Raises:
        ConfigError: an empty list, a non-integer or repeated seed, or a seed in both lists.
    """

    tuning: tuple[int, ...]
    evaluation: tuple[int, ...]

    def __post_init__(self) -> None:
        tuning = seed_tuple(self.tuning, "tuning seeds")
        evaluation = seed_tuple(self.evaluation, "evaluation seeds")
        if not tuning or not evaluation:
            raise ConfigError("a seed split needs at least one tuning and one evaluation seed")
        both = sorted(set(tuning) & set(evaluation))
        if both:
            raise ConfigError(f"seed(s) {', '.join(map(str, both))} are both tuning and evaluation seeds; a knob "
                              "must be chosen on data the evaluation does not use")
        object.__setattr__(self, "tuning", tuning)
        object.__setattr__(self, "evaluation", evaluation)

    def as_dict(self) -> dict[str, list[int]]:
        return {"tuning": list(self.tuning), "evaluation": list(self.evaluation)}


def check_n_points(n_points: Any) -> int:
    """N ≥ 1 as an int, with a clear error."""
    return positive_int(n_points, "number of points N")
