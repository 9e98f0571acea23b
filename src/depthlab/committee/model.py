"""The tree committee machine of Baldassi, Malatesta & Zecchina, stacked over many machines.

Model (Baldassi, Malatesta & Zecchina, PRL 123, 170602 (2019), arXiv 1907.07578, "Model" paragraph; the output
weights and the error convention follow the authors' simulation code ``GraphCommReLU`` in RRRMC.jl,
``src/graphs/CommReLU.jl``):

* N inputs split into K disjoint groups ("receptive fields") of n = N/K inputs; hidden unit l sees only group
  l
  through its own weight vector W_l ∈ R^n (tree architecture, no sharing).
* Pre-activation λ_l = W_l·ξ_l / |W_l|. For spherical weights (|W_l|² = n) this is (K/N)^{1/2} Σ_i W_li ξ_li,
  the
  paper's normalisation; for binary weights W_li = ±1 it is the same, since |W_l| = √n.
* Output σ = sign(Σ_l c_l g(λ_l)) with fixed, non-learned c_l: for ReLU c_l = +1 for the first K/2 units and
  −1 for
  the others (K even); for sign units c_l = +1 for every l (K odd).
* A pattern is an error when its stability Δ = y·Σ_l c_l g(λ_l) is ≤ 0 (ties count as errors, as in
  CommReLU.jl).
* Data: P = round(αN) patterns with i.i.d. uniform ±1 entries and i.i.d. uniform ±1 labels (the storage
  problem).

Stacked layout: M machines at once; weights ``W`` are ``(M, K, n)``, patterns ``X`` are ``(M, P, K, n)``
(pattern μ of machine m split into its K groups), labels ``y`` are ``(M, P)``. Every machine's data derive
from ``(key, index)`` only (:func:`depthlab.seeding.numpy_rng`), never from how machines are batched.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from depthlab.activations import RELU, SIGN
from depthlab.committee.theory.machine import output_weights as _output_weights
from depthlab.errors import ConfigError, InputError
from depthlab.seeding import numpy_rng
from depthlab.validate import choice, finite_float, positive_int

#: The hidden units the trained machines use (their functions come from :mod:`depthlab.activations`).
HIDDEN = {a.name: a for a in (RELU, SIGN)}
ACTIVATIONS: tuple[str, ...] = tuple(HIDDEN)
WEIGHTS: tuple[str, ...] = ("spherical", "binary")


@dataclass(frozen=True)
class CommitteeSpec:
    """Architecture of a tree committee machine.

    Attributes:
        N: number of inputs (= number of first-layer weights).
        K: number of hidden units; must divide N. Even for ReLU (± output split), odd for sign (no ties).
        activation: ``"relu"`` or ``"sign"``.
        weights: ``"spherical"`` (continuous, |W_l|² = N/K) or ``"binary"`` (W_li = ±1).
    """

    N: int
    K: int
    activation: str = "relu"
    weights: str = "spherical"

    def __post_init__(self) -> None:
        positive_int(self.N, "N")
        positive_int(self.K, "K")
        choice(self.activation, "activation", ACTIVATIONS)
        choice(self.weights, "weights", WEIGHTS)
        if self.N % self.K:
            lo, hi = self.K * (self.N // self.K), self.K * (self.N // self.K + 1)
            raise ConfigError(f"K={self.K} does not divide N={self.N}: each hidden unit needs N/K inputs; "
                              f"use N={lo or hi} or N={hi}, or another K")
        if self.activation == "relu" and self.K % 2:
            raise ConfigError(f"ReLU committee machines need an even K (half the output weights +1, "
                              f"half −1), got K={self.K}")
        if self.activation == "sign" and self.K % 2 == 0:
            raise ConfigError(f"sign committee machines need an odd K (a majority vote without ties), "
                              f"got K={self.K}")

    @property
    def n(self) -> int:
        """Inputs per hidden unit, N/K."""
        return self.N // self.K

    def output_weights(self, dtype: torch.dtype = torch.float64,
                       device: torch.device | str = "cpu") -> torch.Tensor:
        """The fixed second-layer weights c, shape ``(K,)``."""
        return output_weights(self.K, self.activation, dtype=dtype, device=device)


def output_weights(K: int, activation: str, *, dtype: torch.dtype = torch.float64,
                   device: torch.device | str = "cpu") -> torch.Tensor:
    """``(K,)`` fixed output weights: ReLU +1 for l < K/2 and −1 otherwise (CommReLU.jl); sign all +1.

    The convention is defined once, in :func:`depthlab.committee.theory.machine.output_weights`.
    """
    return torch.as_tensor(_output_weights(K, activation), dtype=dtype, device=device)


def check_alpha(alpha: float, name: str = "alpha") -> float:
    """α = P/N must be a finite number > 0."""
    a = finite_float(alpha, name)
    if a <= 0:
        raise ConfigError(f"{name} = P/N must be > 0, got {a}")
    return a


def n_patterns(alpha: float, N: int) -> int:
    """P = round(αN), at least 1."""
    return max(1, round(check_alpha(alpha) * N))


def adjusted_N(N: int, K: int) -> int:
    """The multiple of K nearest to N (at least K): how sweeps choose N for a given K."""
    positive_int(N, "N")
    positive_int(K, "K")
    return max(K, K * round(N / K))


def make_instances(spec: CommitteeSpec, P: int, key: str | int,
                   indices: Sequence[int] | Sequence[tuple[int, ...]], *, dtype: torch.dtype = torch.float32,
                   device: torch.device | str = "cpu") -> tuple[torch.Tensor, torch.Tensor]:
    """Random storage problems, one per index: patterns ``(M, P, K, n)`` and labels ``(M, P)``, entries ±1.

    The patterns are a view of (M, K, n, P)-contiguous storage (see :func:`group_dot`).

    Instance m depends only on ``(key, *indices[m])``.
    """
    P = positive_int(P, "P")
    M = len(indices)
    if M == 0:
        raise InputError("indices is empty: ask for at least one machine")
    X = np.empty((M, P, spec.N), dtype=np.int8)
    y = np.empty((M, P), dtype=np.int8)
    for m, idx in enumerate(indices):
        idx = (idx,) if isinstance(idx, int | np.integer) else tuple(idx)
        rng = numpy_rng(key, *idx)
        X[m] = rng.integers(0, 2, size=(P, spec.N), dtype=np.int8) * 2 - 1
        y[m] = rng.integers(0, 2, size=P, dtype=np.int8) * 2 - 1
    # Stored group-major and transposed, (M, K, n, P) contiguous, and returned as a (M, P, K, n) view: each
    # unit's patterns are then one contiguous (n, P) matrix, and both λ = W_lᵀ X_l and the weight gradient
    # g X_lᵀ are row-vector × matrix products, the fast BLAS shape (see group_dot).
    Xk = torch.from_numpy(X.reshape(M, P, spec.K, spec.n).transpose(0, 2, 3, 1).copy())
    Xt = Xk.to(device=device, dtype=dtype).permute(0, 3, 1, 2)
    yt = torch.from_numpy(y).to(device=device, dtype=dtype)
    return Xt, yt


def preactivations(W: torch.Tensor, X: torch.Tensor) -> torch.Tensor:
    """λ = W_l·ξ_l / |W_l|: ``W (M, K, n)``, ``X (M, P, K, n)`` → ``(M, P, K)``.

    Dividing by |W_l| makes λ the paper's (K/N)^{1/2} Σ_i W_li ξ_li on the sphere |W_l|² = n, for any W ≠ 0
    (ReLU and sign are positively homogeneous, so the norm never changes the classification).
    """
    norm = W.norm(dim=-1, keepdim=True).clamp_min(torch.finfo(W.dtype).tiny)
    return group_dot(X, W / norm)


def group_dot(X: torch.Tensor, W: torch.Tensor) -> torch.Tensor:
    """Σ_i W_li ξ_li for every pattern and unit: ``X (M, P, K, n)``, ``W (M, K, n)`` → ``(M, P, K)``.

    Computed as a batched row-vector × matrix product W_lᵀ X_l over (m, l). Fastest when ``X`` is the
    (M, K, n, P)-contiguous view that :func:`make_instances` returns: at N = 1024, K = 16, P = 2048 on one CPU
    thread forward + backward take 1.6 ms per machine, against 3.1 ms for a (M, K, P, n)-contiguous view and
    45 ms for a plain contiguous (M, P, K, n) tensor (``/tmp`` profile, 2026-11-23, idle machine). Use
    :func:`select_machines` to subset machines without losing the layout.
    """
    return torch.matmul(W.unsqueeze(2), X.permute(0, 2, 3, 1)).squeeze(2).transpose(1, 2)


def select_machines(X: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """``X[index]`` along the machine dimension, keeping the memory layout of ``X``.

    Plain advanced indexing returns a tensor contiguous in logical order, which for the stacked patterns
    ``(M, P, K, n)`` is the slow layout for :func:`group_dot`. This gathers in storage order instead (dims sorted by
    stride) and permutes back, so the result has the same layout as ``X``.
    """
    order = sorted(range(X.dim()), key=lambda d: (d != 0, -X.stride(d)))
    inverse = [order.index(d) for d in range(X.dim())]
    return X.permute(order)[index].permute(inverse)


def repeat_machines(X: torch.Tensor, repeats: int) -> torch.Tensor:
    """``X.repeat_interleave(repeats, dim=0)`` keeping the memory layout of ``X`` (see :func:`select_machines`)."""
    index = torch.arange(X.shape[0], device=X.device).repeat_interleave(repeats)
    return select_machines(X, index)


def hidden(lam: torch.Tensor, activation: str) -> torch.Tensor:
    """g(λ): ReLU max(0, λ) or sign(λ) (sign(0) = 0), from :mod:`depthlab.activations`."""
    return HIDDEN[activation].torch_fn(lam)


def output_field(lam: torch.Tensor, activation: str) -> torch.Tensor:
    """Σ_l c_l g(λ_l): ``(..., K)`` → ``(...)``."""
    c = output_weights(lam.shape[-1], activation, dtype=lam.dtype, device=lam.device)
    return hidden(lam, activation) @ c


def stabilities(W: torch.Tensor, X: torch.Tensor, y: torch.Tensor, activation: str) -> torch.Tensor:
    """Δ^μ = y^μ Σ_l c_l g(λ_l^μ) of the true machine, ``(M, P)``.

    Binary weights (every entry ±1, so every unit has the same norm √n): the fields are the integers
    Σ_i W_li ξ_li without the division by |W_l| (the common positive scale never changes a sign, and ReLU and
    sign are positively homogeneous), so Δ is an exact integer in float64 and a tie (Δ = 0, an error) stays a
    tie. Dividing by the inexact √n first would let rounding turn some ties into tiny non-zero outputs.
    """
    if bool((W.abs() == 1).all()):  # integer fields, exact in float32 up to n = 2^24
        return y * output_field(group_dot(X.to(W.dtype), W), activation)
    return y * output_field(preactivations(W, X), activation)


def n_errors(W: torch.Tensor, X: torch.Tensor, y: torch.Tensor, activation: str) -> torch.Tensor:
    """Training errors per machine, ``(M,)`` int64: patterns with Δ ≤ 0 (ties are errors)."""
    return (stabilities(W, X, y, activation) <= 0).sum(dim=-1)


def check_solutions(W: torch.Tensor, X: torch.Tensor, y: torch.Tensor, activation: str) -> torch.Tensor:
    """``(M,)`` bool: machine m classifies all its P patterns correctly, checked in float64."""
    return n_errors(W.double(), X.double(), y.double(), activation) == 0


def project_sphere(W: torch.Tensor) -> torch.Tensor:
    """Rescale every hidden unit's weights onto |W_l|² = n: ``(M, K, n)`` → same."""
    n = W.shape[-1]
    return W * (math.sqrt(n) / W.norm(dim=-1, keepdim=True).clamp_min(torch.finfo(W.dtype).tiny))


def random_weights(spec: CommitteeSpec, key: str | int, indices: Sequence[int] | Sequence[tuple[int, ...]], *,
                   dtype: torch.dtype = torch.float32, device: torch.device | str = "cpu") -> torch.Tensor:
    """Initial weights ``(M, K, n)``: uniform on each unit's sphere (spherical) or uniform ±1 (binary)."""
    out = np.empty((len(indices), spec.K, spec.n))
    for m, idx in enumerate(indices):
        idx = (idx,) if isinstance(idx, int | np.integer) else tuple(idx)
        rng = numpy_rng(key, *idx)
        if spec.weights == "binary":
            out[m] = rng.integers(0, 2, size=(spec.K, spec.n)) * 2.0 - 1.0
        else:
            out[m] = rng.standard_normal((spec.K, spec.n))
    W = torch.from_numpy(out).to(device=device, dtype=dtype)
    return W if spec.weights == "binary" else project_sphere(W)
