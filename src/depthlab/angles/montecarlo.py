"""Full-network Monte Carlo of the angle θ_ℓ between two inputs (Jakub & Nica, arXiv 2302.09712, §1 / Fig. 1).

Many independent random networks are simulated at once: at each layer the weight matrices of a chunk of C
networks are one stacked tensor ``(C, n_{ℓ+1}, n_ℓ)`` (generated layer by layer, never stored for the whole depth),
and both inputs are propagated by one batched matmul ``(C, n_{ℓ+1}, n_ℓ) @ (C, n_ℓ, 2)``. Widths may vary by layer.

The network (paper Table 2): ``z^1 = W^1 x``, ``z^{ℓ+1} = (σ_w/√n_ℓ) W^{ℓ+1} φ(z^ℓ) + σ_b b^{ℓ+1}``, i.i.d. N(0, 1)
entries, φ = ReLU, σ_w = √2 (He), σ_b = 0 by default. θ_ℓ is measured between the post-activation vectors; only
the two input columns of W^1 that meet the inputs are drawn (the rest multiply zeros). For a positively
homogeneous activation without bias, the two vectors are rescaled to unit norm after each layer — an exact
operation for angles that avoids overflow in deep narrow networks.

Example:
    >>> run = simulate_full(0.1, widths=64, depth=5, networks=128, seed=0)
    >>> run.mean_log_sin2().shape
    (6,)
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

import numpy as np
import torch

from depthlab.activations import Activation
from depthlab.angles.simcore import (
    BLOCK,
    AngleRun,
    check_networks,
    check_theta0,
    check_widths,
    fill_normal,
    initial_pair,
    pair_stats,
    run_blocks,
    simulation_args,
)
from depthlab.device import REAL, resolve_device, synchronize

#: Seed stream of the full-network simulator (the Markov chain uses another, so the two are
# independent).
STREAM_FULL = 1


def default_chunk(widths: Sequence[int], device: torch.device, dtype: torch.dtype) -> int:
    """Networks per chunk: the largest multiple of :data:`BLOCK` whose weight tensor stays within a memory budget
    (256 MB on CPU, 2 GB on CUDA)."""
    budget = (2 << 30) if device.type == "cuda" else (256 << 20)
    biggest = (
        max(a * b for a, b in zip(widths[1:], widths[:-1], strict=False))
        if len(widths) > 1
        else widths[0] * 2
    )
    per_net = biggest * torch.empty((), dtype=dtype).element_size()
    return max(BLOCK, (budget // max(per_net, 1)) // BLOCK * BLOCK)


def simulate_full(
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
    progress: bool = False,
) -> AngleRun:
    """Simulate ``networks`` random networks and record θ_ℓ at every layer.

    Args:
        theta0: input angle in [0, π].
        widths: one int (with ``depth``) or the widths ``(n_1, …, n_L)`` of the L layers.
        networks: number of independent networks M.
        depth: number of layers L when ``widths`` is an int.
        seed: root seed; network m depends only on (seed, m) (see :mod:`depthlab.angles.simcore`).
        device: ``"cpu"``, ``"cuda"`` or ``"auto"``.
        activation: a name of :func:`depthlab.activations.get` (``"relu"``, the paper's; ``"leaky_relu[:a]"``,
            ``"tanh"``, ``"gelu"``, …) or an :class:`~depthlab.activations.Activation`.
        sigma_w: weight gain of layers ≥ 2 (default: the activation's, √2 for ReLU).
        sigma_b: bias standard deviation (0 = the paper's bias-free network).
        chunk: networks per stacked tensor (a multiple of 64; default from a memory budget). Results do not
            depend on it.
        dtype: float64 (default) or float32.
        progress: show a progress bar over chunks.

    Returns:
        :class:`~depthlab.angles.simcore.AngleRun` with ``theta`` and ``sin2`` of shape ``(M, L+1)``.
    """
    theta0, ws, m_total, sigma_b, act, gain, dev = simulation_args(
        theta0, widths, depth, networks, sigma_b, activation, sigma_w, device)
    if chunk is None:
        chunk = default_chunk(ws, dev, dtype)
    renorm = act.homogeneous and sigma_b == 0.0
    return run_blocks(
        lambda b0, nb: _simulate_chunk(theta0, ws, b0, nb, seed, dev, act, gain, sigma_b, renorm, dtype),
        m_total, chunk, dev, description=f"full-network MC ({m_total} networks)", progress=progress, widths=ws,
        theta0=theta0, method="full", seed=int(seed), activation=act.name, sigma_w=gain, sigma_b=sigma_b)


def _simulate_chunk(
    theta0: float,
    ws: tuple[int, ...],
    first_block: int,
    nblocks: int,
    seed: int,
    dev: torch.device,
    act: Activation,
    gain: float,
    sigma_b: float,
    renorm: bool,
    dtype: torch.dtype,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Angles ``(C, L+1)`` and sin² of the networks in blocks ``first_block … first_block + nblocks −
    1``."""
    c = nblocks * BLOCK
    depth = len(ws)
    theta = torch.empty(c, depth + 1, dtype=torch.float64, device=dev)
    sin2 = torch.empty_like(theta)
    theta[:, 0] = theta0
    sin2[:, 0] = math.sin(theta0) ** 2
    extra = 1 if sigma_b > 0 else 0
    # layer 1: the two input columns of W^1 (and the bias in an extra column)
    w1 = fill_normal(
        torch.empty(c, ws[0], 2 + extra, dtype=dtype, device=dev), seed, STREAM_FULL, first_block, 0
    )
    za, zb = initial_pair(theta0, ws[0], w1[..., :2], sigma_b * w1[..., 2] if extra else None)
    pa, pb = za, zb  # rebound to φ(z) at layer 1, before the first use at layer 2
    # one weight buffer for every layer: fresh (C, n, n) allocations page-fault on every layer, which costs about
    # a third of the drawing rate (docs/performance.md)
    size = max((ws[k] * (ws[k - 1] + extra) for k in range(1, depth)), default=0)
    buf = torch.empty(c * size, dtype=dtype, device=dev)
    for ell in range(1, depth + 1):
        if ell > 1:
            n_in, n_out = ws[ell - 2], ws[ell - 1]
            w = fill_normal(
                buf[: c * n_out * (n_in + extra)].view(c, n_out, n_in + extra),
                seed,
                STREAM_FULL,
                first_block,
                ell - 1,
            )
            z = torch.bmm(w[..., :n_in], torch.stack((pa, pb), dim=-1)) * (gain / math.sqrt(n_in))
            if extra:
                z = z + sigma_b * w[..., n_in:]
            za, zb = z[..., 0], z[..., 1]
        pa, pb = act.torch_fn(za), act.torch_fn(zb)
        st = pair_stats(pa.to(torch.float64), pb.to(torch.float64), need_d2=False)
        theta[:, ell] = st["theta"]
        sin2[:, ell] = st["sin2"]
        if renorm:
            pa = pa / torch.sqrt(st["k11"]).to(dtype).unsqueeze(-1)
            pb = pb / torch.sqrt(st["k22"]).to(dtype).unsqueeze(-1)
    return theta, sin2


def simulate_loop(
    theta0: float,
    widths: Sequence[int] | int,
    networks: int,
    *,
    depth: int | None = None,
    seed: int = 0,
    device: str | torch.device = "cpu",
    dtype: torch.dtype = REAL,
) -> AngleRun:
    """Baseline for benchmarks: the same ReLU networks, one network at a time (a Python loop over networks).

    Uses a per-network generator, so its draws differ from :func:`simulate_full` (same law, different samples).
    """
    theta0 = check_theta0(theta0)
    ws = check_widths(widths, depth)
    m_total = check_networks(networks)
    dev = resolve_device(device)
    from depthlab.seeding import torch_generator

    theta = np.empty((m_total, len(ws) + 1))
    sin2 = np.empty_like(theta)
    t0 = time.perf_counter()
    for m in range(m_total):
        gen = torch_generator(int(seed), 99, m, device=dev)
        w = torch.randn(ws[0], 2, generator=gen, dtype=dtype, device=dev)
        x = torch.tensor([[1.0, math.cos(theta0)], [0.0, math.sin(theta0)]], dtype=dtype, device=dev)
        z = w @ x
        theta[m, 0], sin2[m, 0] = theta0, math.sin(theta0) ** 2
        p = z
        for ell in range(1, len(ws) + 1):
            if ell > 1:
                w = torch.randn(ws[ell - 1], ws[ell - 2], generator=gen, dtype=dtype, device=dev)
                z = (w @ p) * math.sqrt(2.0 / ws[ell - 2])
            p = torch.relu(z)
            st = pair_stats(p[:, 0:1].T.double(), p[:, 1:2].T.double())
            theta[m, ell] = float(st["theta"][0])
            sin2[m, ell] = float(st["sin2"][0])
    synchronize(dev)
    return AngleRun(
        theta=theta,
        sin2=sin2,
        widths=ws,
        theta0=theta0,
        method="loop",
        seed=int(seed),
        seconds=time.perf_counter() - t0,
        device=str(dev),
    )
