"""Binary weights: batched simulated annealing over many committee machines at once, and exhaustive enumeration.

Algorithm: Metropolis simulated annealing on the energy E(W) = number of training
errors (patterns with stability Δ ≤ 0), single-weight flips, inverse temperature β annealed geometrically
from ``beta0`` to ``beta1`` over ``sweeps`` sweeps of N proposals each. This is the energy and move set of
the authors' Monte Carlo code (RRRMC.jl, ``src/graphs/CommReLU.jl`` and ``CommStep.jl``), with plain
Metropolis instead of their rejection-free sampler. Each machine proposes one flip per step; all M machines
step together as one tensor program. The hidden fields h_l^μ = Σ_i W_li ξ_li^μ are kept as integers (stored
exactly in float64) and updated in O(P) per flip. A machine stops as soon as E = 0; a reported solution is
re-checked from scratch.

:func:`replicated_anneal` is the replicated simulated annealing (robust ensemble) of Baldassi, Ingrosso, Lucibello,
Saglietti & Zecchina, PNAS 113, E7655 (2016), §"Replicated simulated annealing": y replicas W^1..W^y of each
machine, energy

    H = Σ_a E(W^a) − γ Σ_{a<b} W^a·W^b,

all M × y replicas as one tensor program (see its docstring for ΔH, the γ schedule and the seeding that makes
γ = 0 exactly y independent :func:`anneal` runs).

:func:`exhaustive_capacity` enumerates all 2^N binary weight vectors of a tiny machine, the ground truth the
annealer is tested against.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from depthlab.committee.model import CommitteeSpec, group_dot, hidden, output_weights
from depthlab.errors import ConfigError, InputError
from depthlab.seeding import torch_generator
from depthlab.validate import choice, finite_float, positive_int

#: Largest N :func:`exhaustive_capacity` accepts (2^N weight vectors are enumerated).
MAX_EXHAUSTIVE_N = 22


@dataclass(frozen=True)
class AnnealResult:
    """Outcome of :func:`anneal` for M machines.

    Attributes:
        weights: ``(M, K, n)`` ±1 final weights (a solution where ``solved``).
        errors: ``(M,)`` int64 final training errors.
        solved: ``(M,)`` bool, errors == 0 (re-checked from the weights).
        steps: ``(M,)`` int64 proposals made until solved (or the total when not solved).
    """

    weights: torch.Tensor
    errors: torch.Tensor
    solved: torch.Tensor
    steps: torch.Tensor


def _fields(W: torch.Tensor, X: torch.Tensor) -> torch.Tensor:
    """Integer hidden fields Σ_i W_li ξ_li: ``(M, K, n)``, ``(M, P, K, n)`` → ``(M, P, K)``."""
    return group_dot(X, W)


def _schedule(sweeps: int, beta0: float, beta1: float) -> tuple[int, float, float]:
    """Validated annealing schedule: sweeps ≥ 1, 0 < β0 ≤ β1."""
    beta0 = finite_float(beta0, "beta0", low=0.0, low_open=True)
    return positive_int(sweeps, "sweeps"), beta0, finite_float(beta1, "beta1", low=beta0)


def _as_float64(W0: torch.Tensor, X: torch.Tensor, y: torch.Tensor, activation: str
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Float64 working copies (weights cloned: the annealers flip them in place) and the output weights c."""
    c = output_weights(X.shape[2], activation, device=W0.device)
    return W0.to(torch.float64).clone(), X.to(torch.float64), y.to(torch.float64), c


def anneal(W0: torch.Tensor, X: torch.Tensor, y: torch.Tensor, activation: str, *, sweeps: int = 500,
           beta0: float = 0.5, beta1: float = 20.0, seed: int | str = 0, stream: int = 0) -> AnnealResult:
    """Simulated annealing of M binary committee machines at once.

    Args:
        W0: ``(M, K, n)`` initial ±1 weights.
        X: ``(M, P, K, n)`` ±1 patterns. y: ``(M, P)`` ±1 labels.
        activation: ``"relu"`` or ``"sign"``.
        sweeps: number of sweeps (N proposals per machine each).
        beta0, beta1: initial and final inverse temperature (geometric schedule), in units of 1/error.
        seed: seed of the proposal/acceptance stream (a torch generator; machines share one stream, so results
            depend on how machines are batched — the data and initial weights do not).
        stream: index of the stream under ``seed`` (the generator is ``torch_generator(seed, stream)``);
            :func:`replicated_anneal` gives replica a the stream a, so ``anneal(..., stream=a)`` is its γ = 0 twin.

    Returns:
        :class:`AnnealResult`.
    """
    sweeps, beta0, beta1 = _schedule(sweeps, beta0, beta1)
    if (W0.ndim != 3 or X.ndim != 4 or y.ndim != 2 or X.shape[0] != W0.shape[0]
            or X.shape[2:] != W0.shape[1:] or y.shape != X.shape[:2]):
        raise InputError(f"shapes must be W0 (M, K, n), X (M, P, K, n), y (M, P); got {tuple(W0.shape)}, "
                         f"{tuple(X.shape)}, {tuple(y.shape)}")
    dev = W0.device
    W, X, y, c = _as_float64(W0, X, y, activation)
    M, _, K, n = X.shape
    N = K * n
    h = _fields(W, X)  # (M, P, K) exact integers
    F = hidden(h, activation) @ c  # (M, P)
    E = ((y * F) <= 0).sum(-1)
    steps = torch.zeros(M, dtype=torch.int64, device=dev)
    gen = torch_generator(seed, stream, device=dev)
    total = sweeps * N
    ar = torch.arange(M, device=dev)
    log_ratio = math.log(beta1 / beta0)
    for t in range(total):
        active = E > 0
        if not bool(active.any()):
            break
        beta = beta0 * math.exp(log_ratio * t / max(total - 1, 1))
        lidx = torch.randint(K, (M,), generator=gen, device=dev)
        iidx = torch.randint(n, (M,), generator=gen, device=dev)
        w = W[ar, lidx, iidx]  # (M,)
        xi = X[ar, :, lidx, iidx]  # (M, P)
        h_old = h[ar, :, lidx]  # (M, P)
        h_new = h_old - 2.0 * w.unsqueeze(1) * xi
        cl = c[lidx].unsqueeze(1)
        F_new = F + cl * (hidden(h_new, activation) - hidden(h_old, activation))
        E_new = ((y * F_new) <= 0).sum(-1)
        dE = (E_new - E).to(torch.float64)
        u = torch.rand(M, generator=gen, dtype=torch.float64, device=dev)
        accept = active & ((dE <= 0) | (u < torch.exp(-beta * dE)))
        if bool(accept.any()):
            a = accept.nonzero().squeeze(1)
            W[a, lidx[a], iidx[a]] = -w[a]
            h[a, :, lidx[a]] = h_new[a]
            F[a] = F_new[a]
            E[a] = E_new[a]
        steps += active.to(torch.int64)
    F_check = hidden(_fields(W, X), activation) @ c
    errors = ((y * F_check) <= 0).sum(-1)
    return AnnealResult(weights=W, errors=errors, solved=errors == 0, steps=steps)


#: Stopping rules of :func:`replicated_anneal`.
STOP_RULES = ("machine", "replica")


@dataclass(frozen=True)
class ReplicatedAnnealResult:
    """Outcome of :func:`replicated_anneal` for M machines × y replicas.

    Attributes:
        weights: ``(M, y, K, n)`` ±1 final weights of every replica.
        errors: ``(M, y)`` int64 training errors of every replica, recomputed from the weights from scratch.
        solved: ``(M,)`` bool, some replica has ``errors == 0`` (re-checked).
        replica: ``(M,)`` int64, the lowest-index replica with ``errors == 0`` (−1 where not solved).
        steps: ``(M, y)`` int64 proposals each replica made (until its machine, or itself, stopped).
        flips: ``(M, y)`` int64 accepted flips of each replica.
        overlap: ``(M,)`` float64 final mean pairwise overlap (1/N) Σ_{a<b} W^a·W^b / (y(y−1)/2) (1 for y = 1).
        fields: ``(M, y, P, K)`` the incrementally updated hidden fields h at the end (equal to the recomputed
            fields; kept so that this can be tested).
        energy: ``(M, y)`` the incrementally updated energies E at the end (equal to ``errors``).
    """

    weights: torch.Tensor
    errors: torch.Tensor
    solved: torch.Tensor
    replica: torch.Tensor
    steps: torch.Tensor
    flips: torch.Tensor
    overlap: torch.Tensor
    fields: torch.Tensor
    energy: torch.Tensor


def gamma_schedule(gamma0: float, gamma1: float, sweeps: int, replicas: int = 1) -> tuple[float, float]:
    """Validate the coupling schedule γ(s) = γ0 (1 + γ1)^s (s = sweeps done) and return ``(γ0, γ1)``.

    Raises:
        ConfigError: γ0 or γ1 negative or not finite, or the final γ(sweeps) (times 2y, the largest |ΔH_int|)
            overflows a float.
    """
    gamma0 = finite_float(gamma0, "gamma0 (coupling)", low=0.0)
    gamma1 = finite_float(gamma1, "gamma1 (coupling growth per sweep)", low=0.0)
    sweeps = positive_int(sweeps, "sweeps")
    if gamma0 > 0:
        log_final = math.log(gamma0) + sweeps * math.log1p(gamma1) + math.log(2 * max(replicas, 1))
        if not log_final < math.log(1e300):
            raise ConfigError(f"the coupling schedule γ0 (1 + γ1)^sweeps = {gamma0:g}·(1 + {gamma1:g})^{sweeps} "
                              "is not finite (it exceeds 1e300 at the end); lower gamma0, gamma1 or sweeps")
    return gamma0, gamma1


def replicated_anneal(W0: torch.Tensor, X: torch.Tensor, y: torch.Tensor, activation: str, *, sweeps: int = 500,
                      beta0: float = 0.5, beta1: float = 20.0, gamma0: float = 0.05, gamma1: float = 0.02,
                      seed: int | str = 0, stop: str = "machine") -> ReplicatedAnnealResult:
    """Replicated simulated annealing of M binary committee machines with y replicas each, all at once.

    Energy (the pairwise form of the robust ensemble; γ ≥ 0 pulls the replicas together)::

        H(W^1..W^y) = Σ_a E(W^a) − γ Σ_{a<b} W^a·W^b,      E = number of training errors (Δ ≤ 0).

    A flip of W^a_i = w → −w changes E(W^a) by ΔE (computed in O(P) from the integer hidden fields, as in
    :func:`anneal`) and the coupling by ΔH_int = −γ(−w − w)·(S_i − w) = 2γ(w S_i − 1), S_i = Σ_b W^b_i (w² = 1);
    it is accepted with probability min(1, exp(−β(ΔE + ΔH_int))).

    Schedule: β(t) = β0 (β1/β0)^{t/(T−1)} over T = sweeps·N proposals per replica (as :func:`anneal`); the
    coupling grows geometrically per sweep, γ(t) = γ0 (1 + γ1)^{t/N} (the engine's ``replicated`` vocabulary,
    γ_t = γ0 (1 + γ1)^t, with t counted in sweeps).

    One step: every replica of every machine draws one proposal (unit l, weight i) and one uniform u; the costly
    part (ΔE of all M·y proposals) is one batched computation, since E(W^a) depends on W^a only; the acceptances
    are then taken replica by replica (a = 0, …, y−1; y small ops on ``(M,)`` tensors), each with S_i read after
    the flips already accepted in this step, so two replicas proposing the same weight in one step are handled
    exactly (the chain is a sequential-update Metropolis chain on the joint state).

    Seeding: replica a of every machine uses the generator ``torch_generator(seed, a)`` and draws from it in the
    same order as :func:`anneal`. With γ0 = 0 and ``stop="replica"`` replica a is therefore **bit for bit**
    ``anneal(W0[:, a], X, y, ..., seed=seed, stream=a)``; with the default ``stop="machine"`` the same holds up to
    the step at which the machine stops.

    Args:
        W0: ``(M, y, K, n)`` initial ±1 weights (y ≥ 1 replicas per machine).
        X: ``(M, P, K, n)`` ±1 patterns (shared by a machine's replicas, not copied). y: ``(M, P)`` ±1 labels.
        activation: ``"relu"`` or ``"sign"``.
        sweeps: sweeps per replica (N proposals each). beta0, beta1: the β schedule (1/error units).
        gamma0, gamma1: coupling schedule, γ0 ≥ 0, γ1 ≥ 0 (γ0 = 0: y independent annealing runs).
        seed: root of the per-replica streams.
        stop: ``"machine"``: a machine stops as soon as any of its replicas has E = 0 (the method; equal-compute
            restarts are γ0 = 0 with this rule); ``"replica"``: each replica stops at its own E = 0 (keeps
            coupling to the others; with γ0 = 0 these are exactly independent :func:`anneal` runs).

    Returns:
        :class:`ReplicatedAnnealResult` (solutions re-checked from scratch).
    """
    sweeps, beta0, beta1 = _schedule(sweeps, beta0, beta1)
    stop = choice(stop, "stop", STOP_RULES)
    if W0.ndim != 4 or W0.shape[1] < 1:
        raise InputError(f"W0 must be (M, y, K, n) with y ≥ 1 replicas per machine; got shape {tuple(W0.shape)}")
    R = W0.shape[1]
    gamma0, gamma1 = gamma_schedule(gamma0, gamma1, sweeps, R)
    if (X.ndim != 4 or y.ndim != 2 or X.shape[0] != W0.shape[0] or X.shape[2:] != W0.shape[2:]
            or y.shape != X.shape[:2]):
        raise InputError(f"shapes must be W0 (M, y, K, n), X (M, P, K, n), labels (M, P); got {tuple(W0.shape)}, "
                         f"{tuple(X.shape)}, {tuple(y.shape)}")
    dev = W0.device
    W, X, y, c = _as_float64(W0, X, y, activation)
    M, _, K, n = X.shape
    N = K * n
    h = torch.stack([_fields(W[:, a], X) for a in range(R)], dim=1)  # (M, R, P, K) exact integers
    F = hidden(h, activation) @ c  # (M, R, P)
    yy = y.unsqueeze(1)  # (M, 1, P)
    E = ((yy * F) <= 0).sum(-1)  # (M, R)
    steps = torch.zeros(M, R, dtype=torch.int64, device=dev)
    flips = torch.zeros(M, R, dtype=torch.int64, device=dev)
    gens = [torch_generator(seed, a, device=dev) for a in range(R)]
    total = sweeps * N
    ar = torch.arange(M, device=dev)
    mi = ar.unsqueeze(1)
    ra = torch.arange(R, device=dev).unsqueeze(0)
    log_ratio = math.log(beta1 / beta0)
    log_growth = math.log1p(gamma1)
    for t in range(total):
        if stop == "machine":
            active = (E > 0).all(dim=1, keepdim=True).expand(M, R)
        else:
            active = E > 0
        if not bool(active.any()):
            break
        beta = beta0 * math.exp(log_ratio * t / max(total - 1, 1))
        gamma = gamma0 * math.exp(log_growth * t / N)
        lidx = torch.stack([torch.randint(K, (M,), generator=g, device=dev) for g in gens], dim=1)  # (M, R)
        iidx = torch.stack([torch.randint(n, (M,), generator=g, device=dev) for g in gens], dim=1)
        w = W[mi, ra, lidx, iidx]  # (M, R)
        xi = X[mi, :, lidx, iidx]  # (M, R, P)
        h_old = h[mi, ra, :, lidx]  # (M, R, P)
        h_new = h_old - 2.0 * w.unsqueeze(-1) * xi
        cl = c[lidx].unsqueeze(-1)
        F_new = F + cl * (hidden(h_new, activation) - hidden(h_old, activation))
        E_new = ((yy * F_new) <= 0).sum(-1)
        dE = (E_new - E).to(torch.float64)
        u = torch.stack([torch.rand(M, generator=g, dtype=torch.float64, device=dev) for g in gens], dim=1)
        accept = torch.zeros(M, R, dtype=torch.bool, device=dev)
        for a in range(R):
            la, ia, wa = lidx[:, a], iidx[:, a], w[:, a]
            S = W[ar, :, la, ia].sum(-1)  # (M,), after this step's earlier acceptances
            dH = dE[:, a] + 2.0 * gamma * (wa * S - 1.0)
            acc = active[:, a] & ((dH <= 0) | (u[:, a] < torch.exp(-beta * dH)))
            if bool(acc.any()):
                m = acc.nonzero().squeeze(1)
                W[m, a, la[m], ia[m]] = -wa[m]
            accept[:, a] = acc
        if bool(accept.any()):
            m, a = accept.nonzero(as_tuple=True)
            h[m, a, :, lidx[m, a]] = h_new[m, a]
            F[m, a] = F_new[m, a]
            E[m, a] = E_new[m, a]
        steps += active.to(torch.int64)
        flips += accept.to(torch.int64)
    errors = torch.stack([((y * (hidden(_fields(W[:, a], X), activation) @ c)) <= 0).sum(-1) for a in range(R)],
                         dim=1)
    zero = errors == 0
    solved = zero.any(dim=1)
    replica = torch.where(solved, zero.to(torch.int64).argmax(dim=1), torch.full_like(solved, -1, dtype=torch.int64))
    if R > 1:
        Wf = W.flatten(2)
        G = Wf @ Wf.transpose(1, 2)  # (M, R, R) overlaps W^a·W^b
        overlap = (G.sum((1, 2)) - G.diagonal(dim1=1, dim2=2).sum(-1)) / (R * (R - 1) * N)
    else:
        overlap = torch.ones(M, dtype=torch.float64, device=dev)
    return ReplicatedAnnealResult(weights=W, errors=errors, solved=solved, replica=replica, steps=steps, flips=flips,
                                  overlap=overlap, fields=h, energy=E)


def exhaustive_capacity(spec: CommitteeSpec, X: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Number of binary weight vectors that store all patterns, by enumeration of all 2^N of them.

    Args:
        spec: a binary-weight spec with N ≤ :data:`MAX_EXHAUSTIVE_N`.
        X: ``(M, P, K, n)`` patterns. y: ``(M, P)`` labels.

    Returns:
        ``(M,)`` int64 solution counts (> 0 means the instance is solvable).
    """
    if spec.N > MAX_EXHAUSTIVE_N:
        raise ConfigError(f"exhaustive enumeration needs N ≤ {MAX_EXHAUSTIVE_N} (2^N weight vectors), "
                          f"got N={spec.N}")
    K, n = spec.K, spec.n
    # All 2^n vectors of one unit, and their fields on every pattern: (M, P, K, 2^n).
    codes = torch.arange(2 ** n)
    unit = ((codes.unsqueeze(1) >> torch.arange(n)) & 1).to(torch.float64) * 2 - 1  # (2^n, n)
    c = output_weights(K, spec.activation).view(1, K, 1)
    counts = torch.zeros(X.shape[0], dtype=torch.int64)
    for m in range(X.shape[0]):  # one machine at a time bounds memory at P·2^N
        gu = hidden(torch.einsum("pkn,an->pka", X[m].to(torch.float64), unit), spec.activation) * c
        # Field of every one of the (2^n)^K = 2^N configurations, built unit by unit: (P, 2^N).
        field = gu[:, 0, :]
        for k in range(1, K):
            field = (field.unsqueeze(-1) + gu[:, k, :].unsqueeze(-2)).flatten(-2)
        counts[m] = ((y[m].to(torch.float64).unsqueeze(-1) * field) > 0).all(dim=0).sum()
    return counts
