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
import torch

from depthlab.committee.model import output_field, preactivations
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

    Continuous weights get W_l + σ|W_l|/√n·ε; binary weights have each entry flipped with probability σ ∈ [0,
    1].
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
        random points at distance d, and the fraction of those points that still classify every pattern
        correctly.
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
