"""Empirical capacity sweeps: success probability vs α for a grid of K and N, resumable, and the transitions.

One *cell* is one (activation, weights, K, N, α): ``instances`` independent storage problems, each attacked
from ``restarts`` random starts (an instance counts as solved if any restart stores all its patterns, checked
on the true machine in float64). Continuous weights train with the shared engine
(:mod:`depthlab.committee.training`), binary weights with batched simulated annealing
(:mod:`depthlab.committee.annealing`). Each finished cell is one shard of a
:class:`~depthlab.results.ShardStore` keyed by the cell's content hash, so an interrupted sweep resumes where
it stopped and a changed setting never reuses stale shards.

Instance data derive from ``(seed, activation, weights, K, N, P, instance)`` and initialisations from
``(…, instance, restart)`` only, so results do not depend on chunking or on the order cells run in.

For sign units K must be odd; :func:`sign_Ks` maps the issue's K ∈ {2, 4, 8, 16, 32} to K − 1 ∈ {1, 3, 7, 15,
31} (K = 1 is the perceptron, the α_c = 2 anchor).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from depthlab.committee.model import ACTIVATIONS, WEIGHTS, CommitteeSpec, adjusted_N, check_alpha, n_patterns
from depthlab.errors import ConfigError
from depthlab.progress import make_progress
from depthlab.results import ShardStore
from depthlab.seeding import config_hash
from depthlab.validate import choice, finite_float, positive_int

#: Continuous-weight training algorithms (``SweepConfig.algorithm``).
ALGORITHMS: tuple[str, ...] = ("adam", "least-action")


def sign_Ks(Ks: Sequence[int]) -> tuple[int, ...]:
    """Odd K for sign machines: K − 1 for even K (K ∈ {2, 4, 8, 16, 32} → {1, 3, 7, 15, 31}), odd K
    unchanged."""
    return tuple(int(k) - 1 if int(k) % 2 == 0 else int(k) for k in Ks)


@dataclasses.dataclass(frozen=True)
class SweepConfig:
    """A capacity sweep.

    Attributes:
        activation: ``"relu"`` or ``"sign"``.
        weights: ``"spherical"`` (trained with the engine) or ``"binary"`` (simulated annealing).
        Ks: hidden-unit counts (even for ReLU, odd for sign).
        Ns: nominal input sizes; each is rounded to the nearest multiple of K (:func:`adjusted_N`).
        alphas: loads α = P/N (each > 0).
        instances: storage problems per cell.
        restarts: random starts per instance.
        seed: root seed.
        steps: Adam steps per machine (continuous weights).
        lr: Adam learning rate.
        margin: hinge margin of the training loss (success needs only margins > 0).
        beta: slope β of the tanh(βλ) surrogate gradient of sign units (straight-through; see training.py).
        leak: backward slope of ReLU for λ < 0 (straight-through leaky ReLU; see training.py).
        sweeps: SA sweeps (binary weights). beta0, beta1: SA inverse-temperature schedule.
        chunk: machines per stacked batch.
        algorithm: continuous weights only: ``"adam"`` (the shared engine, any activation) or
            ``"least-action"`` (sign units only: batched least-action learning, :mod:`.least_action`;
            ``steps`` is then its number of epochs).
        la_lr, la_margin: least-action step η and margin κ (field units).
    """

    activation: str = "relu"
    weights: str = "spherical"
    Ks: tuple[int, ...] = (2, 4, 8)
    Ns: tuple[int, ...] = (64, 128)
    alphas: tuple[float, ...] = (1.0, 1.5, 2.0, 2.5, 3.0)
    instances: int = 32
    restarts: int = 1
    seed: int = 0
    steps: int = 2000
    lr: float = 0.1
    margin: float = 0.1
    beta: float = 1.0
    leak: float = 0.5
    sweeps: int = 300
    beta0: float = 0.5
    beta1: float = 20.0
    chunk: int = 256
    algorithm: str = "adam"
    la_lr: float = 3.0
    la_margin: float = 0.0

    def __post_init__(self) -> None:
        choice(self.activation, "activation", ACTIVATIONS)
        choice(self.weights, "weights", WEIGHTS)
        choice(self.algorithm, "algorithm", ALGORITHMS)
        if self.algorithm == "least-action" and (self.activation, self.weights) != ("sign", "spherical"):
            raise ConfigError("algorithm 'least-action' trains sign machines with continuous (spherical) "
                              f"weights; got activation={self.activation!r}, weights={self.weights!r} "
                              "(use algorithm 'adam' there)")
        finite_float(self.la_lr, "la_lr", low=0.0, low_open=True)
        finite_float(self.la_margin, "la_margin", low=0.0)
        object.__setattr__(self, "Ks", tuple(positive_int(k, "K") for k in self.Ks))
        object.__setattr__(self, "Ns", tuple(positive_int(n, "N") for n in self.Ns))
        object.__setattr__(self, "alphas", tuple(sorted(check_alpha(a) for a in self.alphas)))
        if not self.Ks or not self.Ns or not self.alphas:
            raise ConfigError("Ks, Ns and alphas must each hold at least one value")
        for K in self.Ks:  # validates parity against the activation
            CommitteeSpec(adjusted_N(self.Ns[0], K), K, self.activation, self.weights)
        positive_int(self.instances, "instances")
        positive_int(self.restarts, "restarts")
        positive_int(self.steps, "steps")
        positive_int(self.sweeps, "sweeps")
        positive_int(self.chunk, "chunk")
        finite_float(self.lr, "lr", low=0.0, low_open=True)
        finite_float(self.margin, "margin", low=0.0, low_open=True)
        finite_float(self.beta, "beta", low=0.0, low_open=True)
        finite_float(self.leak, "leak", low=0.0, high=1.0)
        finite_float(self.beta0, "beta0", low=0.0, low_open=True)
        finite_float(self.beta1, "beta1", low=self.beta0)

    def cells(self) -> list[dict[str, Any]]:
        """Every (K, N, α) cell with its spec-level settings, in run order (small N first)."""
        out = []
        for N0 in self.Ns:
            for K in self.Ks:
                N = adjusted_N(N0, K)
                for a in self.alphas:
                    out.append(self.cell(K, N, a))
        return out

    def cell(self, K: int, N: int, alpha: float) -> dict[str, Any]:
        """The full description of one cell (its hash keys the shard)."""
        base = {"activation": self.activation, "weights": self.weights, "K": K, "N": N, "alpha": float(alpha),
                "P": n_patterns(alpha, N), "instances": self.instances, "restarts": self.restarts,
                "seed": self.seed}
        if self.algorithm == "least-action":
            base.update(algorithm="least-action", epochs=self.steps, la_lr=self.la_lr, la_margin=self.la_margin)
        elif self.weights == "spherical":
            base.update(algorithm="adam-engine", steps=self.steps, lr=self.lr, margin=self.margin,
                        beta=self.beta if self.activation == "sign" else None,
                        leak=self.leak if self.activation == "relu" else None)
        else:
            base.update(algorithm="simulated-annealing", sweeps=self.sweeps, beta0=self.beta0,
                        beta1=self.beta1)
        return base


def data_key(cell: dict[str, Any]) -> str:
    """Key of a cell's instance data (independent of training settings)."""
    return (f"committee/{cell['seed']}/{cell['activation']}/{cell['weights']}/K{cell['K']}/N{cell['N']}"
            f"/P{cell['P']}")


def run_cell(cell: dict[str, Any], device: torch.device, chunk: int = 256) -> pd.DataFrame:
    """Run one cell and return one row per instance."""
    spec = CommitteeSpec(cell["N"], cell["K"], cell["activation"], cell["weights"])
    t0 = time.perf_counter()
    if cell["algorithm"] == "least-action":
        from depthlab.committee.least_action import LeastActionSettings, least_action_instances

        res = least_action_instances(spec, cell["P"], data_key(cell), cell["instances"], cell["restarts"],
                                     LeastActionSettings(epochs=cell["epochs"], lr=cell["la_lr"],
                                                         margin=cell["la_margin"], chunk=chunk), device=device)
    elif cell["weights"] == "spherical":
        from depthlab.committee.training import TrainSettings, train_instances

        res = train_instances(spec, cell["P"], data_key(cell), cell["instances"], cell["restarts"],
                              TrainSettings(steps=cell["steps"], lr=cell["lr"], margin=cell["margin"],
                                            beta=cell["beta"] or 1.0, leak=cell["leak"] or 0.0, chunk=chunk),
                              device=device)
    else:
        from depthlab.committee.training import anneal_instances

        res = anneal_instances(spec, cell["P"], data_key(cell), cell["instances"], cell["restarts"],
                               sweeps=cell["sweeps"], beta0=cell["beta0"], beta1=cell["beta1"], chunk=chunk,
                               device=device)
    elapsed = time.perf_counter() - t0
    df = pd.DataFrame({"instance": np.arange(cell["instances"]), **res})
    for k in ("activation", "weights", "K", "N", "alpha", "P", "algorithm"):
        df[k] = cell[k]
    df["seconds"] = elapsed
    return df


def run_sweep(cfg: SweepConfig, out: str | Path, *, device: torch.device | str = "cpu",
              on_cell: Callable[[dict[str, Any], bool], None] | None = None) -> pd.DataFrame:
    """Run (or resume) a sweep into ``out``; returns the per-instance table of every cell of ``cfg``.

    Finished cells (shards) are skipped. ``on_cell(cell, cached)`` is called after each cell.
    """
    from depthlab.device import resolve_device

    dev = resolve_device(device)
    store = ShardStore(out)
    cells = cfg.cells()
    keys = []
    with make_progress() as prog:
        task = prog.add_task(f"committee {cfg.activation}/{cfg.weights}", total=len(cells))
        for cell in cells:
            key = config_hash(cell)
            keys.append(key)
            cached = store.has(key)
            if not cached:
                store.write(key, run_cell(cell, dev, cfg.chunk), config=cell)
            if on_cell is not None:
                on_cell(cell, cached)
            prog.advance(task)
    return pd.concat([store.read(k) for k in keys], ignore_index=True)


def success_table(df: pd.DataFrame) -> pd.DataFrame:
    """Success fraction per cell with its binomial standard error."""
    keys = ["activation", "weights"] + (["algorithm"] if "algorithm" in df.columns else []) + ["K", "N", "alpha"]
    g = df.groupby(keys, sort=True)["solved"]
    out = g.agg(["mean", "count"]).reset_index().rename(columns={"mean": "p_success", "count": "instances"})
    out["se"] = np.sqrt(out["p_success"] * (1 - out["p_success"]) / out["instances"])
    return out
