"""The exact O(n)-per-layer Markov-chain simulator of the layer-to-layer angle.

Given layer ℓ, the rows of ``W^{ℓ+1}`` are independent of ``φ^ℓ_α, φ^ℓ_β``, so the n_{ℓ+1} pre-activation pairs
``(z_i(x_α), z_i(x_β))`` are i.i.d. bivariate normal with covariance

    C = (σ_w²/n_ℓ) · Gram(φ^ℓ_α, φ^ℓ_β) + σ_b² · 1 1ᵀ

(Jakub & Nica, arXiv 2302.09712, eq. 57, with biases added). Hence the chain state ``s_ℓ = Gram/n_ℓ`` (three
numbers) is a Markov chain and one step needs only 2·n_{ℓ+1} fresh normals: ``z_α = √C11 G``,
``z_β = √C22 (cos ψ G + sin ψ W)`` with ψ the angle of C. For the bias-free ReLU network this is the note's
reduction "draw G, W, set Ĝ = G cos θ + W sin θ, measure the angle of φ(G), φ(Ĝ)", and the width that enters the
step θ_ℓ → θ_{ℓ+1} is **n_{ℓ+1}**, the width of the new layer (the number of i.i.d. neuron pairs).

It has the same law as :func:`depthlab.angles.montecarlo.simulate_full` for every activation, bias and width
profile (tested by two-sample KS tests in ``tests/angles/test_markov.py``) at O(n) instead of O(n²) cost per layer.
sin²ψ is computed from the determinant of C written as ``σ_w⁴ k11 k22 sin²θ + σ_w² σ_b² |φ_α − φ_β|²/n`` so that
tiny angles keep full relative precision.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

from depthlab.activations import Activation
from depthlab.angles.simcore import (
    BLOCK,
    AngleRun,
    fill_normal,
    pair_stats,
    run_blocks,
    simulation_args,
)
from depthlab.device import REAL

#: Seed stream of the chain (independent of the full network's stream).
STREAM_MARKOV = 2


def simulate_markov(
    theta0: float,
    widths: Sequence[int] | int,
    networks: int,
    *,
    depth: int | None = None,
    seed: int = 0,
    device: str | torch.device = "cpu",
    activation: str | Activation = "relu",
    sigma_w: float | None = None,
    sigma_b: float = 0.0,
    chunk: int | None = None,
    dtype: torch.dtype = REAL,
) -> AngleRun:
    """Simulate ``networks`` independent chain paths θ_0 → θ_1 → … → θ_L.

    Args and return value as :func:`depthlab.angles.montecarlo.simulate_full` (``chunk`` = paths per stacked
    tensor, a multiple of 64, default 4096 on CPU and 65536 on CUDA; results do not depend on it).
    """
    theta0, ws, m_total, sigma_b, act, gain, dev = simulation_args(
        theta0, widths, depth, networks, sigma_b, activation, sigma_w, device)
    if chunk is None:
        chunk = 65536 if dev.type == "cuda" else 4096
    return run_blocks(
        lambda b0, nb: _chain_chunk(theta0, ws, b0, nb, seed, dev, act, gain, sigma_b, dtype),
        m_total, chunk, dev, widths=ws, theta0=theta0, method="markov", seed=int(seed), activation=act.name,
        sigma_w=gain, sigma_b=sigma_b)


def _chain_chunk(
    theta0: float,
    ws: tuple[int, ...],
    first_block: int,
    nblocks: int,
    seed: int,
    dev: torch.device,
    act: Activation,
    gain: float,
    sigma_b: float,
    dtype: torch.dtype,
) -> tuple[torch.Tensor, torch.Tensor]:
    c = nblocks * BLOCK
    depth = len(ws)
    theta = torch.empty(c, depth + 1, dtype=torch.float64, device=dev)
    sin2 = torch.empty_like(theta)
    theta[:, 0] = theta0
    sin2[:, 0] = math.sin(theta0) ** 2
    f64 = torch.float64
    # covariance of the first layer's pre-activation pairs (unit inputs, unscaled W^1)
    s2_pre = torch.full((c,), math.sin(theta0) ** 2, dtype=f64, device=dev)
    c11 = torch.full((c,), 1.0 + sigma_b**2, dtype=f64, device=dev)
    c22 = c11.clone()
    c12 = torch.full((c,), math.cos(theta0) + sigma_b**2, dtype=f64, device=dev)
    if sigma_b > 0:  # det C = sin²θ_0 + σ_b²·|x_α − x_β|², |x_α − x_β|² = 2 − 2 cos θ_0
        s2_pre = (math.sin(theta0) ** 2 + sigma_b**2 * (2.0 - 2.0 * math.cos(theta0))) / (c11 * c22)
    # one draw buffer for every layer (fresh multi-MB allocations page-fault on every layer)
    buf = torch.empty(c * 2 * max(ws), dtype=dtype, device=dev)
    for ell in range(1, depth + 1):
        n = ws[ell - 1]
        g = fill_normal(buf[: c * 2 * n].view(c, 2, n), seed, STREAM_MARKOV, first_block, ell)
        sin_psi = torch.sqrt(s2_pre.clamp(0.0, 1.0))
        cos_psi = torch.sign(c12) * torch.sqrt((1.0 - s2_pre).clamp(0.0, 1.0))
        za, zb = g[:, 0], g[:, 1]
        # in place: zb = √C22 (cos ψ g0 + sin ψ g1) first (it reads g0), then za = √C11 g0
        zb.mul_(sin_psi.to(dtype).unsqueeze(-1)).addcmul_(za, cos_psi.to(dtype).unsqueeze(-1))
        zb.mul_(torch.sqrt(c22).to(dtype).unsqueeze(-1))
        za.mul_(torch.sqrt(c11).to(dtype).unsqueeze(-1))
        st = pair_stats(act.torch_fn(za).to(f64), act.torch_fn(zb).to(f64), need_d2=sigma_b > 0)
        theta[:, ell] = st["theta"]
        sin2[:, ell] = st["sin2"]
        w2 = gain * gain
        c11 = w2 * st["k11"] + sigma_b**2
        c22 = w2 * st["k22"] + sigma_b**2
        c12 = w2 * st["k12"] + sigma_b**2
        det = w2 * w2 * st["k11"] * st["k22"] * st["sin2"]
        if sigma_b > 0:
            det = det + w2 * sigma_b**2 * st["d2"]
        s2_pre = det / (c11 * c22)
    return theta, sin2
