"""Robustness of found solutions: weight noise, input noise, and a local-energy / local-entropy proxy.

The paper's geometric claim (Baldassi, Malatesta & Zecchina, PRL 123, 170602 (2019), abstract): ReLU machines
have rare dense regions of solutions, much denser than those of sign machines, and solutions there are robust
to weight perturbations and tolerate large input perturbations. These functions measure, for stacked
solutions ``W (M, K, n)`` on their own training sets, the fraction of training patterns misclassified after

* relative weight noise: W_l ← W_l + σ |W_l|/√n ε, ε ~ N(0, I) per unit (continuous), or flipping each binary
  weight
  with probability σ (binary) — :func:`weight_noise_errors`;
* input noise: ξ ← ξ + σ ε, ε ~ N(0, I) (the patterns are ±1, so σ is relative to the input scale) —
  :func:`input_noise_errors`;
* a move to normalised distance d = (1 − q)/2 along a random direction (q = overlap of each unit with the
  solution,
  so d is the Hamming fraction for binary weights) — :func:`distance_profile`. The mean error fraction at
  distance d is the "local energy" of Baldassi, Pittorino & Zecchina (PNAS 117, 161 (2020)); the fraction of
  random points at distance d that are still solutions is a Monte Carlo proxy of exp(N [S(d) − H₂(d)]) for
  the local entropy S(d).

Everything is vectorised over machines; draws are a short loop (each draw is one stacked tensor program).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import torch

from depthlab.committee.model import (
    CommitteeSpec,
    check_alpha,
    check_solutions,
    make_instances,
    n_patterns,
    output_field,
    preactivations,
    random_weights,
)
from depthlab.errors import ConfigError
from depthlab.seeding import torch_generator
from depthlab.validate import positive_int


def _error_fraction(W: torch.Tensor, X: torch.Tensor, y: torch.Tensor, activation: str) -> torch.Tensor:
    """``(M,)`` fraction of patterns with Δ ≤ 0."""
    stab = y * output_field(preactivations(W, X), activation)
    return (stab <= 0).to(torch.float64).mean(-1)


def _levels(values: Sequence[float], name: str, high: float | None = None) -> list[float]:
    out = [float(v) for v in values]
    if not out:
        raise ConfigError(f"{name} is empty")
    for v in out:
        if not math.isfinite(v) or v < 0 or (high is not None and v > high):
            rng = f"[0, {high}]" if high is not None else "≥ 0"
            raise ConfigError(f"every {name} must be a finite number in {rng}, got {v}")
    return out


def weight_noise_errors(W: torch.Tensor, X: torch.Tensor, y: torch.Tensor, activation: str,
                        sigmas: Sequence[float], *, weights: str = "spherical", draws: int = 16,
                        seed: int | str = 0) -> np.ndarray:
    """Mean training-error fraction after relative weight noise, ``(len(sigmas), M)``.

    Continuous weights get W_l + σ|W_l|/√n·ε; binary weights have each entry flipped with probability σ ∈ [0, 1].
    """
    sig = _levels(sigmas, "sigma", 1.0 if weights == "binary" else None)
    draws = positive_int(draws, "draws")
    gen = torch_generator(seed, 1, device=W.device)
    n = W.shape[-1]
    scale = W.norm(dim=-1, keepdim=True) / math.sqrt(n)
    out = np.zeros((len(sig), W.shape[0]))
    for i, s in enumerate(sig):
        acc = torch.zeros(W.shape[0], dtype=torch.float64, device=W.device)
        for _ in range(draws):
            if weights == "binary":
                flip = torch.rand(W.shape, generator=gen, device=W.device, dtype=W.dtype) < s
                Wp = torch.where(flip, -W, W)
            else:
                eps = torch.randn(W.shape, generator=gen, device=W.device, dtype=W.dtype)
                Wp = W + s * scale * eps
            acc += _error_fraction(Wp, X, y, activation)
        out[i] = (acc / draws).cpu().numpy()
    return out


def input_noise_errors(W: torch.Tensor, X: torch.Tensor, y: torch.Tensor, activation: str,
                       sigmas: Sequence[float], *, draws: int = 16, seed: int | str = 0) -> np.ndarray:
    """Mean training-error fraction after additive Gaussian input noise ξ + σε, ``(len(sigmas), M)``."""
    sig = _levels(sigmas, "sigma")
    draws = positive_int(draws, "draws")
    gen = torch_generator(seed, 2, device=W.device)
    out = np.zeros((len(sig), W.shape[0]))
    for i, s in enumerate(sig):
        acc = torch.zeros(W.shape[0], dtype=torch.float64, device=W.device)
        for _ in range(draws):
            eps = torch.randn(X.shape, generator=gen, device=X.device, dtype=X.dtype)
            acc += _error_fraction(W, X + s * eps, y, activation)
        out[i] = (acc / draws).cpu().numpy()
    return out


def move_to_distance(W: torch.Tensor, d: float, gen: torch.Generator, *,
                     weights: str = "spherical") -> torch.Tensor:
    """A random point at normalised distance d = (1 − q)/2 from W in every unit, ``(M, K, n)``.

    Spherical: W_l(d) = |W_l| (q Ŵ_l + √(1 − q²) û_l) with û_l a random unit vector ⊥ Ŵ_l. Binary: flip
    exactly round(d·n) randomly chosen entries of each unit.
    """
    if weights == "binary":
        n = W.shape[-1]
        k = round(d * n)
        order = torch.rand(W.shape, generator=gen, device=W.device).argsort(dim=-1)
        flip = order < k
        return torch.where(flip, -W, W)
    q = 1.0 - 2.0 * d
    norm = W.norm(dim=-1, keepdim=True)
    what = W / norm
    u = torch.randn(W.shape, generator=gen, device=W.device, dtype=W.dtype)
    u = u - (u * what).sum(-1, keepdim=True) * what
    u = u / u.norm(dim=-1, keepdim=True)
    return norm * (q * what + math.sqrt(max(0.0, 1.0 - q * q)) * u)


def distance_profile(W: torch.Tensor, X: torch.Tensor, y: torch.Tensor, activation: str,
                     distances: Sequence[float], *, weights: str = "spherical", draws: int = 16,
                     seed: int | str = 0) -> tuple[np.ndarray, np.ndarray]:
    """Local energy and solution fraction at distance d along random directions.

    Returns:
        ``(energy, frac_solutions)``, each ``(len(distances), M)``: the mean training-error fraction of
        random points at distance d, and the fraction of those points that still classify every pattern correctly.
    """
    ds = _levels(distances, "distance", 1.0)
    draws = positive_int(draws, "draws")
    gen = torch_generator(seed, 3, device=W.device)
    energy = np.zeros((len(ds), W.shape[0]))
    frac = np.zeros((len(ds), W.shape[0]))
    for i, d in enumerate(ds):
        e = torch.zeros(W.shape[0], dtype=torch.float64, device=W.device)
        s = torch.zeros(W.shape[0], dtype=torch.float64, device=W.device)
        for _ in range(draws):
            err = _error_fraction(move_to_distance(W, d, gen, weights=weights), X, y, activation)
            e += err
            s += (err == 0).to(torch.float64)
        energy[i] = (e / draws).cpu().numpy()
        frac[i] = (s / draws).cpu().numpy()
    return energy, frac


def find_solutions(spec: CommitteeSpec, alpha: float, key: str, machines: int, *,
                   device: torch.device | str = "cpu", steps: int = 2000,
                   sweeps: int = 300) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Solutions to compare: ``(W, X, y)`` of the machines (out of ``machines``) that stored all their patterns.

    Continuous weights are trained with the engine (:func:`depthlab.committee.training.train_weights`), binary
    weights annealed (:func:`depthlab.committee.annealing.anneal`). Everything is float64 on CPU.
    """
    from depthlab.committee.annealing import anneal
    from depthlab.committee.training import TrainSettings, train_weights

    P = n_patterns(alpha, spec.N)
    idx = list(range(machines))
    if spec.weights == "binary":
        X, y = make_instances(spec, P, key, idx, dtype=torch.float64)
        W0 = random_weights(spec, f"{key}/init", idx, dtype=torch.float64)
        W = anneal(W0, X, y, spec.activation, sweeps=sweeps, seed=f"{key}/sa").weights
    else:
        X, y = make_instances(spec, P, key, idx, dtype=torch.float32)
        W, _ = train_weights(spec, X, y, key, [(i, 0) for i in idx], TrainSettings(steps=steps), device)
        X = X.double()
        y = y.double()
    ok = check_solutions(W, X, y, spec.activation)
    return W[ok], X[ok], y[ok]


def compare(specs: Sequence[CommitteeSpec], alpha: float, *, machines: int = 32, draws: int = 16,
            seed: int = 0, weight_sigmas: Sequence[float] = (0.0, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0),
            input_sigmas: Sequence[float] = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0),
            distances: Sequence[float] = (0.0, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2),
            device: torch.device | str = "cpu", steps: int = 2000, sweeps: int = 300) -> pd.DataFrame:
    """Robustness curves of solutions of several machines at the same α (e.g. ReLU K = 4 vs sign K = 3).

    Returns:
        One row per (machine kind, perturbation, level): ``activation, weights, K, N, alpha, solutions,
        perturbation`` (``weight`` / ``input`` / ``distance``), ``level``, ``error`` (mean training-error
        fraction over solutions and draws), ``error_se`` (standard error over solutions), ``frac_solutions``
        (distance only: fraction of random points still storing every pattern).
    """
    alpha = check_alpha(alpha)
    rows = []
    for spec in specs:
        key = f"committee-robust/{seed}/{spec.activation}/{spec.weights}/K{spec.K}/N{spec.N}/a{alpha}"
        W, X, y = find_solutions(spec, alpha, key, machines, device=device, steps=steps, sweeps=sweeps)
        base = {"activation": spec.activation, "weights": spec.weights, "K": spec.K, "N": spec.N,
                "alpha": alpha, "solutions": int(W.shape[0])}
        if W.shape[0] == 0:
            continue
        levels = [s for s in weight_sigmas if spec.weights == "spherical" or s <= 1.0]
        curves = {
            "weight": (levels, weight_noise_errors(W, X, y, spec.activation, levels, weights=spec.weights,
                                                   draws=draws, seed=key), None),
            "input": (list(input_sigmas),
                      input_noise_errors(W, X, y, spec.activation, input_sigmas, draws=draws, seed=key),
                      None),
        }
        energy, frac = distance_profile(W, X, y, spec.activation, distances, weights=spec.weights,
                                        draws=draws, seed=key)
        curves["distance"] = (list(distances), energy, frac)
        for kind, (levels_k, err, fr) in curves.items():
            for i, lev in enumerate(levels_k):
                n = err.shape[1]
                rows.append({**base, "perturbation": kind, "level": float(lev), "error": float(err[i].mean()),
                             "error_se": float(err[i].std(ddof=1) / np.sqrt(n)) if n > 1 else float("nan"),
                             "frac_solutions": float(fr[i].mean()) if fr is not None else float("nan")})
    return pd.DataFrame(rows)
