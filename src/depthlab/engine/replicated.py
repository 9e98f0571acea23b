"""Replicated (robust-ensemble) training: y elastically coupled replicas per model, mini-batches, γ schedule.

Robust ensemble of Baldassi et al., PNAS 113, E7655 (2016), eq. (4) and §"Replicated SGD"; Baldassi, Pittorino
& Zecchina, PNAS 117, 161 (2020), §"Replicated SGD"; Chaudhari et al., ICLR 2017 (Entropy-SGD, elastic form).
Each replica ``a = 1..y`` of a model minimises its own mini-batch loss plus an elastic pull to the replicas'
centre,

    L_a = (1/B) Σ_{μ ∈ batch_a(t)} r_μ(θ_a)²  +  (γ_t / 2) ‖θ_a − θ̄‖²,     θ̄ = (1/y) Σ_b θ_b,

whose gradient in θ_a is ∇(loss) + γ_t (θ_a − θ̄) (the centre's own dependence cancels, Σ_b (θ_b − θ̄) = 0).
The coupling grows geometrically, γ_t = γ0 (1 + γ1)^t, so the replicas are free early and collapse onto one
machine late. The optimiser step (Adam, Kingma & Ba 2015 Alg. 1 with bias correction, or plain SGD) acts on
every replica in place.

Stack layout. The solver sees the usual ``(M, P)`` stack, read as ``M / y`` *groups* of ``y`` consecutive
rows (replica-major inside a group): group g's replicas are rows ``g·y … g·y + y − 1``, each row its own
seeded start (the caller repeats the group's data y times, as for independent restarts). A group is the unit
that the solver keeps separate: its result depends only on its own rows. :func:`depthlab.engine.fit` keeps
groups inside one chunk (it rounds the chunk size to a multiple of y).

Mini-batches. Every row draws its own batches: an independent random permutation of the P points per epoch,
cut into ⌊P/B⌋ batches of B (the remainder waits for the next epoch). The permutation of row r in epoch e
is the argsort of a 64-bit integer hash of ``(seed_r, e, μ)``, with ``seed_r`` derived from the fit key and
row r's model index (:func:`depthlab.seeding.torch_seed`), so batches depend on neither chunking nor device.
The gradient is evaluated on all P points with the batch as a 0/1 weight (same result as gathering the
batch; it keeps the data's memory layout; one step costs a full forward-backward pass).

Stopping and success. Every ``check_every`` steps the solver counts each replica's training errors on the
*whole* training set (classification: margin ≤ 0; regression: relative residual above ``adam_switch_tol``);
a group stops at the first check at which **any replica** has none, and every row returns its state then.
The centre θ̄ is not used as a candidate solution. Success is certified afterwards by ``fit`` row by row
(float64); a group counts as solved when any of its rows is (the caller's summary), exactly as for y
independent restarts, which are this solver at ``gamma0 = 0``.
"""

from __future__ import annotations

import dataclasses
import math

import torch

from depthlab.engine.adam import _adam_update, _autograd_grads, _take
from depthlab.engine.families import Family
from depthlab.engine.objective import flatten, solved_of, unflatten
from depthlab.engine.solver import Problem, StageResult, register_solver
from depthlab.errors import ConfigError
from depthlab.seeding import torch_seed
from depthlab.validate import choice, finite_float, positive_int

OPTIMISERS = ("adam", "sgd")


@dataclasses.dataclass(frozen=True)
class ReplicatedSettings:
    """Settings of the ``"replicated"`` solver (``FitConfig(replicated=ReplicatedSettings(...))``).

    Attributes:
        y: replicas per model (≥ 1; 1 is plain mini-batch training).
        gamma0: initial coupling γ0 ≥ 0 (0 with ``gamma1 = 0`` is y independent runs).
        gamma1: geometric growth per step, γ_t = γ0 (1 + γ1)^t, γ1 ≥ 0.
        gamma_max: cap on γ_t (keeps the explicit coupling step stable: SGD needs lr·γ < 2).
        batch: mini-batch size B (0 = full batch, B = P); B > P is an error at run time.
        steps: optimiser steps per replica.
        lr: learning rate; lr_final: final fraction of ``lr`` (geometric decay over ``steps``).
        optimiser: ``"adam"`` (``FitConfig.adam_betas``, ``adam_eps``) or ``"sgd"`` (plain steps).
        check_every: steps between full-training-set error checks (and the stopping test).
        repair_every: steps between calls of the family's output-preserving ``repair`` hook (0 = never;
            the committee family's projects each unit onto its sphere, so distances between replicas stay
            meaningful).
    """

    y: int = 5
    gamma0: float = 1e-3
    gamma1: float = 1e-3
    gamma_max: float = 1e3
    batch: int = 0
    steps: int = 4000
    lr: float = 0.05
    lr_final: float = 1.0
    optimiser: str = "adam"
    check_every: int = 10
    repair_every: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.y, int) or isinstance(self.y, bool) or self.y < 1:
            raise ConfigError(f"replicas y must be an integer ≥ 1, got {self.y!r}")
        finite_float(self.gamma0, "gamma0 (coupling)", low=0.0)
        finite_float(self.gamma1, "gamma1 (coupling growth)", low=0.0)
        finite_float(self.gamma_max, "gamma_max", low=0.0)
        if not isinstance(self.batch, int) or isinstance(self.batch, bool) or self.batch < 0:
            raise ConfigError(f"batch must be an integer ≥ 0 (0 = full batch), got {self.batch!r}")
        positive_int(self.steps, "steps")
        finite_float(self.lr, "lr", low=0.0, low_open=True)
        finite_float(self.lr_final, "lr_final", low=0.0, low_open=True, high=1.0)
        choice(self.optimiser, "optimiser", OPTIMISERS)
        positive_int(self.check_every, "check_every")
        if not isinstance(self.repair_every, int) or self.repair_every < 0:
            raise ConfigError(f"repair_every must be an integer ≥ 0, got {self.repair_every!r}")

    def gamma(self, t: int) -> float:
        """γ_t = min(γ0 (1 + γ1)^t, gamma_max)."""
        return min(self.gamma0 * math.exp(t * math.log1p(self.gamma1)), self.gamma_max)


def settings_of(cfg) -> ReplicatedSettings:
    """The replicated settings of a :class:`~depthlab.engine.config.FitConfig` (defaults when ``None``)."""
    return cfg.replicated if cfg.replicated is not None else ReplicatedSettings()


def _mix(x: torch.Tensor) -> torch.Tensor:
    """SplitMix64 finaliser on int64 tensors (wrapping arithmetic; logical shifts via masks)."""
    def srl(v: torch.Tensor, s: int) -> torch.Tensor:
        return (v >> s) & ((1 << (64 - s)) - 1)
    x = x ^ srl(x, 30)
    x = x * -4658895280553007687  # 0xBF58476D1CE4E5B9 as a signed int64
    x = x ^ srl(x, 27)
    x = x * -7723592293110705685  # 0x94D049BB133111EB
    return x ^ srl(x, 31)


def epoch_permutations(seeds: torch.Tensor, epoch: int, n_points: int) -> torch.Tensor:
    """Row r's random permutation of ``range(n_points)`` in ``epoch``: ``seeds (R,) int64`` → ``(R, n_points)``.

    A pure function of ``(seeds[r], epoch)``: the argsort of SplitMix64 hashes of (seed, epoch, μ).
    """
    mu = torch.arange(n_points, dtype=torch.long, device=seeds.device)
    h = _mix(seeds.unsqueeze(1) + _mix(torch.full_like(seeds, epoch) * -7046029254386353131).unsqueeze(1))
    keys = _mix(h + mu * -7046029254386353131)  # golden-ratio increment, as in SplitMix64
    return torch.argsort(keys, dim=1, stable=True)


def row_seeds(problem: Problem, device: torch.device) -> torch.Tensor:
    """``(M,)`` int64 batch seeds, one per row, from the fit key and the rows' model indices."""
    key = problem.key if problem.key is not None else "replicated"
    idx = problem.indices if problem.indices is not None else tuple(range(problem.n_models))
    # 7: the replicated solver's stream; torch_seed is a 63-bit integer, so it fits an int64 as it is
    return torch.tensor([torch_seed(key, 7, int(i)) for i in idx], dtype=torch.long, device=device)


def replicated_stage(problem: Problem, theta: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Run the coupled replicas; ``theta (M, P)`` with M a multiple of y. Returns ``(theta, steps)``
    (``steps`` per row: the step at which its group stopped)."""
    cfg = problem.config
    st = settings_of(cfg)
    family, y_rep = problem.family, st.y
    m_all = theta.shape[0]
    if m_all % y_rep:
        raise ConfigError(f"the replicated solver needs a multiple of y = {y_rep} models (groups of replicas), "
                          f"got {m_all}; pass chunk sizes that are multiples of y")
    n_points = int(problem.x.shape[1])
    batch = st.batch or n_points
    if batch > n_points:
        raise ConfigError(f"batch = {st.batch} exceeds the {n_points} training points")
    dt = cfg.adam_torch_dtype
    x = problem.x.to(dt)
    yy = problem.y.to(dt)
    device = theta.device
    th = theta.to(dt).clone()
    start = th.clone()
    seeds = row_seeds(problem, device)
    with torch.no_grad():
        th_out, steps = _loop(family, th, start, x, yy, seeds, st, cfg, batch)
    return th_out, steps


def _loop(family: Family, th: torch.Tensor, start: torch.Tensor, x: torch.Tensor, yy: torch.Tensor,
          seeds: torch.Tensor, st: ReplicatedSettings, cfg, batch: int) -> tuple[torch.Tensor, torch.Tensor]:
    m_all, n_par = th.shape
    y_rep = st.y
    n_points = x.shape[1]
    device = th.device
    out = torch.empty_like(th)
    steps = torch.zeros(m_all, dtype=torch.long, device=device)
    active = torch.arange(m_all, device=device)
    mom, var = torch.zeros_like(th), torch.zeros_like(th)
    b1, b2 = cfg.adam_betas
    decay = st.lr_final ** (1.0 / max(st.steps - 1, 1))
    per_epoch = n_points // batch
    full = batch == n_points
    perm = None
    step_t = torch.zeros((), dtype=torch.float32, device=device)
    for t in range(1, st.steps + 1):
        lr = st.lr * decay ** (t - 1)
        if full:
            wts = torch.full(yy.shape[:2], 1.0 / n_points, dtype=th.dtype, device=device)
        else:
            e, pos = divmod(t - 1, per_epoch)
            if pos == 0:
                perm = epoch_permutations(seeds, e, n_points)
            wts = torch.zeros(yy.shape[:2], dtype=th.dtype, device=device)
            wts.scatter_(1, perm[:, pos * batch:(pos + 1) * batch], 1.0 / batch)
        grads = _autograd_grads(family, unflatten(th, family), x, yy, wts, cfg)  # per-point weights (batch)
        g = torch.cat([gi.reshape(gi.shape[0], -1) for gi in grads], dim=1)
        gamma = st.gamma(t)
        if gamma > 0 and y_rep > 1:
            grp = th.view(-1, y_rep, n_par)
            g.view(-1, y_rep, n_par).add_(grp - grp.mean(dim=1, keepdim=True), alpha=gamma)
        if st.optimiser == "adam":
            _adam_update([th], [g], [mom], [var], step_t, t, lr, b1, b2, cfg.adam_eps)
        else:
            th.add_(g, alpha=-lr)
        if st.repair_every and family.repair is not None and t % st.repair_every == 0:
            th.copy_(flatten(family.repair(unflatten(th, family), x), family))
        last = t == st.steps
        if t % st.check_every == 0 or last:
            done, finite = solved_of(family.forward(unflatten(th, family), x), yy, cfg.mode, cfg.adam_switch_tol)
            gdone = done.view(-1, y_rep).any(dim=1)
            gbad = (~finite).view(-1, y_rep).any(dim=1)
            stop_g = torch.ones_like(gdone) if last else gdone | gbad
            if bool(stop_g.any()):
                stop = stop_g.repeat_interleave(y_rep)
                idx = active[stop]
                out[idx] = th[stop]
                bad = gbad.repeat_interleave(y_rep) & stop & ~gdone.repeat_interleave(y_rep)
                if bool(bad.any()):  # a group whose outputs overflowed returns its starting parameters
                    out[active[bad]] = start[active[bad]]
                steps[idx] = t
                keep = ~stop
                active = active[keep]
                if active.numel() == 0:
                    break
                th, mom, var, start = th[keep], mom[keep], var[keep], start[keep]
                x, yy, seeds = _take(x, keep), yy[keep], seeds[keep]
                if perm is not None:
                    perm = perm[keep]
    return out, steps


def replicated_solver(problem: Problem, theta: torch.Tensor) -> StageResult:
    """The ``"replicated"`` stage through the solver interface."""
    th, steps = replicated_stage(problem, theta)
    return StageResult(th, {"replicated": steps})


register_solver("replicated", replicated_solver)
