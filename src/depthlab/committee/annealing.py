"""Binary weights: batched simulated annealing over many committee machines at once, and exhaustive enumeration.

Algorithm: Metropolis simulated annealing on the energy E(W) = number of training
errors (patterns with stability Δ ≤ 0), single-weight flips, inverse temperature β annealed geometrically
from ``beta0`` to ``beta1`` over ``sweeps`` sweeps of N proposals each. This is the energy and move set of
the authors' Monte Carlo code (RRRMC.jl, ``src/graphs/CommReLU.jl`` and ``CommStep.jl``), with plain
Metropolis instead of their rejection-free sampler. Each machine proposes one flip per step; all M machines
step together as one tensor program. The hidden fields h_l^μ = Σ_i W_li ξ_li^μ are kept as integers (stored
exactly in float64) and updated in O(P) per flip. A machine stops as soon as E = 0; a reported solution is
re-checked from scratch.

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
from depthlab.validate import finite_float, positive_int

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


def anneal(W0: torch.Tensor, X: torch.Tensor, y: torch.Tensor, activation: str, *, sweeps: int = 500,
           beta0: float = 0.5, beta1: float = 20.0, seed: int | str = 0) -> AnnealResult:
    """Simulated annealing of M binary committee machines at once.

    Args:
        W0: ``(M, K, n)`` initial ±1 weights.
        X: ``(M, P, K, n)`` ±1 patterns. y: ``(M, P)`` ±1 labels.
        activation: ``"relu"`` or ``"sign"``.
        sweeps: number of sweeps (N proposals per machine each).
        beta0, beta1: initial and final inverse temperature (geometric schedule), in units of 1/error.
        seed: seed of the proposal/acceptance stream (a torch generator; machines share one stream, so results
            depend on how machines are batched — the data and initial weights do not).

    Returns:
        :class:`AnnealResult`.
    """
    sweeps = positive_int(sweeps, "sweeps")
    beta0 = finite_float(beta0, "beta0", low=0.0, low_open=True)
    beta1 = finite_float(beta1, "beta1", low=beta0)
    if (W0.ndim != 3 or X.ndim != 4 or y.ndim != 2 or X.shape[0] != W0.shape[0]
            or X.shape[2:] != W0.shape[1:] or y.shape != X.shape[:2]):
        raise InputError(f"shapes must be W0 (M, K, n), X (M, P, K, n), y (M, P); got {tuple(W0.shape)}, "
                         f"{tuple(X.shape)}, {tuple(y.shape)}")
    dev = W0.device
    W = W0.to(torch.float64).clone()
    X = X.to(torch.float64)
    y = y.to(torch.float64)
    M, _, K, n = X.shape
    N = K * n
    c = output_weights(K, activation, device=dev)
    h = _fields(W, X)  # (M, P, K) exact integers
    F = hidden(h, activation) @ c  # (M, P)
    E = ((y * F) <= 0).sum(-1)
    steps = torch.zeros(M, dtype=torch.int64, device=dev)
    gen = torch_generator(seed, 0, device=dev)
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
