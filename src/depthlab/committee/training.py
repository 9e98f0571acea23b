"""Training committee machines: continuous weights with the shared engine, binary weights by annealing.

Continuous (spherical) weights
    The committee machine is registered as an engine network family (:func:`committee_family`, name
    ``"committee"``): parameters ``W (M, K, n)``, inputs ``(M, P, K, n)``, one output per pattern. The
    forward map normalises each unit, λ_l = W_l·ξ_l/|W_l|, so the spherical constraint |W_l|² = n holds by
    construction (the output never depends on |W_l|) and no projection step is needed. The engine trains in
    classification mode (squared hinge Σ_μ max(0, κ − y^μ f(ξ^μ))² with margin κ, Adam, per-machine stopping
    as soon as every margin is > 0, success certified in float64).

    Surrogate for sign units: a **straight-through tanh**. The forward value is
    the true machine's Σ_l sign(λ_l) (so the engine's stopping test and its float64 certificate judge the
    TRUE sign machine), while the backward pass uses d/dλ tanh(βλ) = β sech²(βλ) (``beta`` = β = 1, fixed, λ
    has unit variance). With κ ≤ 1 the hinge is zero on correctly classified patterns (y·Σ sign = ±1, ±3, …),
    and on a wrong pattern the gradient moves mostly the units whose fields are closest to threshold — a soft
    version of the committee machine's least-action rule.

    ReLU units: the forward value is exact, the backward pass uses a **straight-through leaky ReLU** (slope
    ``leak`` = 0.5 for λ < 0). With the exact ReLU gradient a pattern whose "+" units are all off has zero
    gradient, and we measured plain Adam freezing with ~15 % of the patterns wrong at α = 1 (K = 4, N = 128);
    the leak removes these dead zones without changing which machine is judged.

    Success is always re-checked on the true machine (:func:`depthlab.committee.model.check_solutions`, float64).

Binary weights
    :func:`anneal_instances` runs :func:`depthlab.committee.annealing.anneal` on all instances × restarts at once;
    :func:`replicated_anneal_instances` runs :func:`depthlab.committee.annealing.replicated_anneal`, an
    instance's restarts being its y coupled replicas (γ0 = 0: y independent restarts with the same compute).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import torch

from depthlab.committee.annealing import anneal, replicated_anneal
from depthlab.committee.model import (
    CommitteeSpec,
    check_solutions,
    hidden,
    make_instances,
    n_errors,
    output_weights,
    preactivations,
    project_sphere,
    random_weights,
    repeat_machines,
)
from depthlab.validate import finite_float, positive_int


@dataclasses.dataclass(frozen=True)
class TrainSettings:
    """Engine settings for continuous weights.

    Attributes:
        steps: Adam steps per machine. lr: initial Adam learning rate. lr_final: final learning rate as a
            fraction of ``lr`` (geometric decay over ``steps``; 1.0, the default, keeps it constant).
        margin: hinge margin κ of the training loss, in units of the unit-variance fields λ (≤ 1 for sign units,
            see module docstring; success itself needs only margins > 0).
        beta: slope of the straight-through tanh surrogate (sign units only).
        leak: backward slope of ReLU for λ < 0 (straight-through leaky ReLU; 0 gives the exact ReLU gradient,
            which leaves patterns whose units are all off with no gradient at all).
        chunk: machines per stacked batch. check_every: steps between per-machine success checks.
        dtype: ``"float32"`` or ``"float64"`` training dtype (success is certified in float64 either way).
    """

    steps: int = 2000
    lr: float = 0.1
    lr_final: float = 1.0
    margin: float = 0.1
    beta: float = 1.0
    leak: float = 0.5
    chunk: int = 256
    check_every: int = 10
    dtype: str = "float32"

    def __post_init__(self) -> None:
        positive_int(self.steps, "steps")
        positive_int(self.chunk, "chunk")
        positive_int(self.check_every, "check_every")
        finite_float(self.lr, "lr", low=0.0, low_open=True)
        finite_float(self.lr_final, "lr_final", low=0.0, low_open=True, high=1.0)
        finite_float(self.margin, "margin", low=0.0, low_open=True)
        finite_float(self.beta, "beta", low=0.0, low_open=True)
        finite_float(self.leak, "leak", low=0.0, high=1.0)


def committee_forward(W: torch.Tensor, X: torch.Tensor, activation: str, beta: float = 1.0,
                      leak: float = 0.5) -> torch.Tensor:
    """Training forward: ``W (M, K, n)``, ``X (M, P, K, n)`` → output field ``(M, P)``.

    Value: always the true Σ_l c_l g(λ_l). Gradient: ReLU with slope ``leak`` for λ < 0 (straight-through
    leaky ReLU); sign units through tanh(βλ) (straight-through tanh).
    """
    lam = preactivations(W, X)
    c = output_weights(W.shape[1], activation, dtype=W.dtype, device=W.device)
    if activation == "relu":
        hard = hidden(lam, activation)
        if leak == 0:
            return hard @ c
        soft = torch.where(lam > 0, lam, leak * lam)
        return (soft + (hard - soft).detach()) @ c
    soft = torch.tanh(beta * lam)
    hard = hidden(lam, activation)
    return (soft + (hard - soft).detach()) @ c


def committee_family(N: int, K: int, activation: str = "relu", *, beta: float = 1.0, leak: float = 0.5):
    """The tree committee machine as an engine :class:`~depthlab.engine.families.Family` (spherical weights).

    Parameters ``{"W": (K, N/K)}``; inputs ``(P, K, N/K)`` per machine; output ``(P, 1)``. Initialisation:
    uniform on each unit's sphere, seeded by ``(key, index)``.
    """
    from depthlab.engine.families import Family

    spec = CommitteeSpec(N, K, activation, "spherical")
    beta = finite_float(beta, "beta", low=0.0, low_open=True)

    def forward(params: dict[str, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
        return committee_forward(params["W"], x, activation, beta, leak).unsqueeze(-1)

    def init(family: Family, key: str | int, indices: Sequence[int], *, device: torch.device | str = "cpu",
             dtype: torch.dtype = torch.float64) -> dict[str, torch.Tensor]:
        return {"W": random_weights(spec, f"{key}/init", list(indices), dtype=dtype, device=device)}

    def repair(params: dict[str, torch.Tensor], x: torch.Tensor) -> dict[str, torch.Tensor]:
        return {"W": project_sphere(params["W"])}  # output-preserving: λ depends on W_l/|W_l| only

    config = {"family": "committee", "N": N, "K": K, "activation": activation, "beta": beta, "leak": leak}
    return Family(name="committee", shapes={"W": (K, spec.n)}, forward=forward, in_shape=(K, spec.n),
                  out_shape=(1,), init_scales={"W": 1.0}, smooth=False, act_per_point=4 * K, config=config,
                  init=init, repair=repair)


def _register() -> None:
    try:
        from depthlab.engine.families import register_family
    except ImportError:  # engine not available in this checkout
        return
    from depthlab.errors import ConfigError

    try:
        register_family("committee", committee_family)
    except ConfigError:
        pass


_register()


def _stack(spec: CommitteeSpec, P: int, key: str, instances: int, restarts: int, dtype: torch.dtype,
           device: torch.device | str) -> tuple[torch.Tensor, torch.Tensor, list[tuple[int, int]]]:
    """Data for instances × restarts machines (restart-major inside an instance), and the init indices."""
    X, y = make_instances(spec, P, key, list(range(instances)), dtype=dtype, device=device)
    if restarts > 1:
        X = repeat_machines(X, restarts)  # keeps the fast (M, K, n, P) storage
        y = y.repeat_interleave(restarts, dim=0)
    idx = [(i, r) for i in range(instances) for r in range(restarts)]
    return X, y, idx


def _summarise(solved: torch.Tensor, errors: torch.Tensor, steps: torch.Tensor, instances: int,
               restarts: int) -> dict[str, np.ndarray]:
    s = solved.reshape(instances, restarts).cpu().numpy()
    e = errors.reshape(instances, restarts).cpu().numpy()
    st = steps.reshape(instances, restarts).cpu().numpy().astype(float)
    st_solved = np.where(s, st, np.inf).min(axis=1)
    return {"solved": s.any(axis=1), "restarts_solved": s.sum(axis=1), "errors_min": e.min(axis=1),
            "steps": np.where(np.isfinite(st_solved), st_solved, np.nan)}


def train_weights(spec: CommitteeSpec, X: torch.Tensor, y: torch.Tensor, key: str,
                  indices: Sequence[tuple[int, ...]], settings: TrainSettings,
                  device: torch.device | str = "cpu", replicated: dict | None = None,
                  replicas: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    """Train stacked machines on given data with the engine.

    Machine m starts uniformly on the spheres, seeded by ``(key, "init", *indices[m])``. With ``replicated``
    (``{"gamma0", "gamma1", "batch", "lr_final"}``) the engine's ``"replicated"`` solver runs instead of Adam:
    consecutive groups of ``replicas`` machines (one instance's restarts) are its coupled replicas,
    ``settings.steps`` steps at learning rate ``settings.lr``, each unit projected back onto its sphere after
    every step (the family's ``repair`` hook).

    Returns:
        ``(W, steps)``: final weights ``(M, K, n)`` float64 on CPU and Adam steps per machine ``(M,)``.
    """
    from depthlab.engine import FitConfig, fit

    family = committee_family(spec.N, spec.K, spec.activation, beta=settings.beta, leak=settings.leak)
    rep = None
    if replicated is not None:
        from depthlab.engine.replicated import ReplicatedSettings

        rep = ReplicatedSettings(y=replicas, steps=settings.steps, lr=settings.lr,
                                 check_every=settings.check_every, repair_every=1, **replicated)
    cfg = FitConfig(mode="classification", stages=("adam",) if rep is None else ("replicated",),
                    margin=settings.margin, adam_steps=settings.steps, adam_lr=settings.lr,
                    adam_lr_final=settings.lr_final,
                    adam_dtype=settings.dtype, check_every=settings.check_every, replicated=rep)
    W0 = random_weights(spec, f"{key}/init", list(indices), dtype=torch.float64)
    # fit rounds the chunk to whole groups of replicas itself
    res = fit(family, (X, y.unsqueeze(-1)), key=key, indices=list(range(len(indices))), config=cfg,
              device=device, chunk_size=settings.chunk, init={"W": W0}, keep_params=True)
    steps = res.adam_steps if rep is None else res.steps["replicated"]
    return res.params["W"].to(torch.float64), torch.as_tensor(steps)


def train_instances(spec: CommitteeSpec, P: int, key: str, instances: int, restarts: int,
                    settings: TrainSettings, *, device: torch.device | str = "cpu",
                    replicated: dict | None = None) -> dict[str, np.ndarray]:
    """Train ``instances × restarts`` continuous-weight machines; one summary entry per instance.

    ``replicated`` (see :func:`train_weights`): an instance's restarts are the y coupled replicas.

    Returns:
        ``solved`` (any restart stores every pattern, float64 check on the true machine), ``restarts_solved``,
        ``errors_min`` (fewest training errors over restarts), ``steps`` (fewest Adam steps of a solving
        restart, NaN if none).
    """
    dtype = torch.float32 if settings.dtype == "float32" else torch.float64
    # Data stay on the CPU; the engine moves each chunk to ``device`` and returns float64 CPU weights.
    X, y, idx = _stack(spec, P, key, instances, restarts, dtype, "cpu")
    W, steps = train_weights(spec, X, y, key, idx, settings, device, replicated=replicated, replicas=restarts)
    ok = check_solutions(W, X, y, spec.activation)
    errs = n_errors(W, X.double(), y.double(), spec.activation)
    return _summarise(ok, errs, steps.to(ok.device), instances, restarts)


def anneal_instances(spec: CommitteeSpec, P: int, key: str, instances: int, restarts: int, *, sweeps: int,
                     beta0: float, beta1: float, chunk: int = 256,
                     device: torch.device | str = "cpu") -> dict[str, np.ndarray]:
    """Simulated annealing on ``instances × restarts`` binary machines (chunks of ``chunk``); per-instance
    summary."""
    X, y, idx = _stack(spec, P, key, instances, restarts, torch.float64, device)
    W0 = random_weights(spec, f"{key}/init", idx, dtype=torch.float64, device=device)
    solved, errors, steps = [], [], []
    for s in range(0, len(idx), chunk):
        sl = slice(s, s + chunk)
        r = anneal(W0[sl], X[sl], y[sl], spec.activation, sweeps=sweeps, beta0=beta0, beta1=beta1,
                   seed=f"{key}/sa/{s}")
        solved.append(r.solved)
        errors.append(r.errors)
        steps.append(r.steps)
    return _summarise(torch.cat(solved), torch.cat(errors), torch.cat(steps) / spec.N, instances, restarts)


def replicated_anneal_instances(spec: CommitteeSpec, P: int, key: str, instances: int, replicas: int, *,
                                sweeps: int, beta0: float, beta1: float, gamma0: float, gamma1: float,
                                chunk: int = 256, device: torch.device | str = "cpu") -> dict[str, np.ndarray]:
    """Replicated simulated annealing on ``instances`` binary machines with ``replicas`` coupled replicas each.

    Replica r of instance i starts where restart r of :func:`anneal_instances` starts (``(key, "init", i, r)``);
    the data are not copied per replica. Chunks hold whole instances (⌊chunk / replicas⌋ of them, at least one);
    chunk s's streams are ``torch_generator(f"{key}/rsa/{s}", a)`` for replica a (s = first instance of the
    chunk), so results depend on the chunk size, as for :func:`anneal_instances`.

    Returns:
        the :func:`anneal_instances` summary (``solved``: any replica stores every pattern, re-checked;
        ``restarts_solved``: replicas with no error at the end; ``errors_min``; ``steps``: sweeps per replica
        until solved), plus ``replica`` (the lowest solving replica, −1 if none) and ``overlap`` (the final mean
        pairwise overlap q of the replicas).
    """
    replicas = positive_int(replicas, "replicas y")
    X, y = make_instances(spec, P, key, list(range(instances)), dtype=torch.float64, device=device)
    idx = [(i, r) for i in range(instances) for r in range(replicas)]
    W0 = random_weights(spec, f"{key}/init", idx, dtype=torch.float64, device=device)
    W0 = W0.reshape(instances, replicas, spec.K, spec.n)
    per = max(1, positive_int(chunk, "chunk") // replicas)
    errors, steps, replica, overlap = [], [], [], []
    for s in range(0, instances, per):
        sl = slice(s, s + per)
        r = replicated_anneal(W0[sl], X[sl], y[sl], spec.activation, sweeps=sweeps, beta0=beta0, beta1=beta1,
                              gamma0=gamma0, gamma1=gamma1, seed=f"{key}/rsa/{s}")
        errors.append(r.errors)
        steps.append(r.steps)
        replica.append(r.replica)
        overlap.append(r.overlap)
    E = torch.cat(errors).flatten()
    out = _summarise(E == 0, E, torch.cat(steps).flatten() / spec.N, instances, replicas)
    out["replica"] = torch.cat(replica).cpu().numpy()
    out["overlap"] = torch.cat(overlap).cpu().numpy()
    return out
