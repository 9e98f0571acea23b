"""Benchmark of the angle simulators against what a user would write instead (prints one JSON object).

All in one process, one thread on each side (``--threads``), interleaved repeats, medians:

1. **Full-network Monte Carlo** of ``--networks`` ReLU networks × width × depth as stacked ``(C, n, n)`` weight
   tensors (:func:`depthlab.angles.montecarlo.simulate_full`), against
   * a plain NumPy batched loop (``rng.standard_normal((C, n, n))``, ``W @ P``, ReLU, ``arccos`` of the cosine per
     layer, chunks of 64 networks) — the program a user would write with NumPy's default generator;
   * a per-network torch loop (``simulate_loop``, ``--loop-networks`` networks, extrapolated);
   * the **drawing floor**: NumPy's default generator drawing the same number of normals into a preallocated
     buffer (no arithmetic at all). The weights are (2 + (L − 1)·n)·n normals per network, so drawing is most
     of the work; ``fraction_of_floor`` = floor time / our time.
2. **Markov chain** (``simulate_markov``, the exact O(n)-per-layer reduction with the same law) against a plain
   NumPy chain computing the same statistics (k11, k22, k12 and the angle per layer), same number of paths.
3. J_{a,b} closed forms (J11, J22, J13) for 10^6 angles on CPU.

Targets (CPU, one thread, ratios in one run): full MC ≤ 1.1× the NumPy loop's time; chain at least as fast as the
NumPy chain. GPU: 10^4 networks × width 256 × depth 100 in ≤ 5 s on an H100 (``--networks 10000 --device cuda``).

    PYTHONPATH=src python benchmarks/angles.py                       # CPU, about 1 minute idle
    PYTHONPATH=src python benchmarks/angles.py --networks 1000 --depth 50 --repeats 1   # the issue's size
    PYTHONPATH=src python benchmarks/angles.py --networks 10000 --device cuda
"""

from __future__ import annotations

import argparse
import json
import math
import time

import numpy as np
import torch
from scipy.stats import ks_2samp

from _bench import add_thread_arg, apply_threads, load
from depthlab.angles.markov import simulate_markov
from depthlab.angles.montecarlo import simulate_full, simulate_loop
from depthlab.angles.theory.jab import J
from depthlab.device import describe_device, resolve_device, synchronize


def numpy_full(theta0: float, width: int, networks: int, depth: int, seed: int, chunk: int = 64) -> np.ndarray:
    """The plain NumPy program: ``(M, L+1)`` angles of ``networks`` bias-free He ReLU networks, chunked."""
    rng = np.random.default_rng(seed)
    x = np.array([[1.0, math.cos(theta0)], [0.0, math.sin(theta0)]])
    out = np.empty((networks, depth + 1))
    out[:, 0] = theta0
    scale = math.sqrt(2.0 / width)
    for a in range(0, networks, chunk):
        c = min(chunk, networks - a)
        z = rng.standard_normal((c, width, 2)) @ x  # (c, n, 2): the two inputs' pre-activations
        p = z
        for ell in range(1, depth + 1):
            if ell > 1:
                z = (rng.standard_normal((c, width, width)) @ p) * scale
            p = np.maximum(z, 0.0)
            aa, bb, ab = (p[..., 0] ** 2).sum(-1), (p[..., 1] ** 2).sum(-1), (p[..., 0] * p[..., 1]).sum(-1)
            out[a : a + c, ell] = np.arccos(np.clip(ab / np.sqrt(aa * bb), -1.0, 1.0))
    return out


def numpy_chain(theta0: float, width: int, paths: int, depth: int, seed: int) -> np.ndarray:
    """The plain NumPy Markov chain of the same law: ``(M, L+1)`` angles, the same per-layer statistics."""
    rng = np.random.default_rng(seed)
    out = np.empty((paths, depth + 1))
    out[:, 0] = theta0
    c11 = np.ones(paths)
    c22 = np.ones(paths)
    c12 = np.full(paths, math.cos(theta0))
    for ell in range(1, depth + 1):
        g = rng.standard_normal((paths, 2, width))
        rho = np.clip(c12 / np.sqrt(c11 * c22), -1.0, 1.0)
        za = np.sqrt(c11)[:, None] * g[:, 0]
        zb = np.sqrt(c22)[:, None] * (rho[:, None] * g[:, 0] + np.sqrt(1.0 - rho**2)[:, None] * g[:, 1])
        pa, pb = np.maximum(za, 0.0), np.maximum(zb, 0.0)
        k11, k22, k12 = (pa * pa).mean(-1), (pb * pb).mean(-1), (pa * pb).mean(-1)
        out[:, ell] = np.arccos(np.clip(k12 / np.sqrt(k11 * k22), -1.0, 1.0))
        c11, c22, c12 = 2.0 * k11, 2.0 * k22, 2.0 * k12
    return out


def draw_floor(count: int, seed: int, chunk: int) -> float:
    """Seconds for NumPy's default generator to draw ``count`` normals into a preallocated ``chunk`` buffer."""
    rng = np.random.default_rng(seed)
    buf = np.empty(min(count, chunk))
    t0 = time.perf_counter()
    left = count
    while left > 0:
        k = min(left, buf.size)
        rng.standard_normal(out=buf[:k])
        left -= k
    return time.perf_counter() - t0


def timed(fn, *args, **kwargs) -> tuple[float, object]:
    t0 = time.perf_counter()
    r = fn(*args, **kwargs)
    return time.perf_counter() - t0, r


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--networks", type=int, default=64, help="networks in the full-network runs (both sides)")
    ap.add_argument("--peer-networks", type=int, default=None,
                    help="networks in the NumPy program and the drawing floor (default: --networks); fewer are "
                         "timed per network and scaled, e.g. on a GPU where the NumPy side would take minutes")
    ap.add_argument("--loop-networks", type=int, default=8, help="networks in the per-network torch loop")
    ap.add_argument("--paths", type=int, default=4096, help="paths in the Markov-chain runs (both sides)")
    ap.add_argument("--width", type=int, default=256)
    ap.add_argument("--depth", type=int, default=100)
    ap.add_argument("--theta0", type=float, default=math.pi / 2)
    ap.add_argument("--repeats", type=int, default=3, help="interleaved repeats (medians reported)")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--dtype", default="float64", choices=["float64", "float32"])
    add_thread_arg(ap)
    args = ap.parse_args()
    threads = apply_threads(args.threads)  # torch and BLAS, both sides alike
    dev = resolve_device(args.device)
    dtype = torch.float64 if args.dtype == "float64" else torch.float32
    w, L, m, paths = args.width, args.depth, args.networks, args.paths
    mp = m if args.peer_networks is None else args.peer_networks
    scale = m / mp  # the peers' times are per network, scaled to m networks
    load_start = load()

    simulate_full(args.theta0, w, 64, depth=2, device=dev, dtype=dtype)  # warm-up (allocator, kernels)
    simulate_markov(args.theta0, w, 64, depth=2, device=dev, dtype=dtype)
    synchronize(dev)

    t_full, t_np_full, t_floor, t_chain, t_np_chain = [], [], [], [], []
    normals_full = mp * (2 + (L - 1) * w) * w
    for r in range(args.repeats):  # interleaved: each repeat times every side once
        t, full = timed(simulate_full, args.theta0, w, m, depth=L, seed=r, device=dev, dtype=dtype)
        synchronize(dev)
        t_full.append(t)
        t, np_full = timed(numpy_full, args.theta0, w, mp, L, seed=r)
        t_np_full.append(t * scale)
        t_floor.append(draw_floor(normals_full, seed=r, chunk=64 * w * w) * scale)
        t, chain = timed(simulate_markov, args.theta0, w, paths, depth=L, seed=r, device=dev, dtype=dtype)
        synchronize(dev)
        t_chain.append(t)
        t, np_chain = timed(numpy_chain, args.theta0, w, paths, L, seed=r)
        t_np_chain.append(t)
    loop = simulate_loop(args.theta0, w, args.loop_networks, depth=L, seed=0, device=dev, dtype=dtype)
    per_net_loop = loop.seconds / args.loop_networks
    med = {k: float(np.median(v)) for k, v in
           dict(full=t_full, np_full=t_np_full, floor=t_floor, chain=t_chain, np_chain=t_np_chain).items()}
    # the same law on both sides: two-sample KS of the last layer's angle (our full MC vs the NumPy program,
    # our chain vs the NumPy chain)
    ks_full = ks_2samp(full.theta[:, L], np_full[:, L])
    ks_chain = ks_2samp(chain.theta[:, L], np_chain[:, L])

    theta = np.linspace(0.0, math.pi, 10**6)
    J(1, 1, theta[:10])
    t0 = time.perf_counter()
    for a, b in ((1, 1), (2, 2), (1, 3)):
        J(a, b, theta)
    j_seconds = (time.perf_counter() - t0) / 3

    out = {
        "benchmark": "angles",
        "device": describe_device(dev),
        "load_average_start": load_start,
        "load_average_end": load(),
        "threads": threads,
        "dtype": args.dtype,
        "width": w,
        "depth": L,
        "networks": m,
        "peer_networks": mp,
        "paths": paths,
        "repeats": args.repeats,
        "full_seconds": med["full"],
        "numpy_loop_full_seconds": med["np_full"],  # scaled to `networks` when peer_networks < networks
        "full_time_ratio_vs_numpy_loop": med["full"] / med["np_full"],
        "normals_drawn_floor": normals_full,
        "draw_floor_seconds": med["floor"],
        "full_fraction_of_draw_floor": med["floor"] / med["full"],
        "numpy_loop_fraction_of_draw_floor": med["floor"] / med["np_full"],
        "torch_loop_seconds_per_network": per_net_loop,
        "stacked_speedup_vs_torch_loop": per_net_loop * m / med["full"],
        "markov_seconds": med["chain"],
        "numpy_chain_seconds": med["np_chain"],
        "markov_time_ratio_vs_numpy_chain": med["chain"] / med["np_chain"],
        "markov_speedup_vs_full_per_sample": (med["full"] / m) / (med["chain"] / paths),
        "ks_full_vs_numpy_last_layer_p": float(ks_full.pvalue),
        "ks_markov_vs_numpy_chain_last_layer_p": float(ks_chain.pvalue),
        "J_closed_form_seconds_per_1e6_angles": j_seconds,
        "targets": {
            "full_time_ratio_vs_numpy_loop_max": 1.1,
            "markov_time_ratio_vs_numpy_chain_max": 1.0,
            "full_1e4_x256_x100_h100_seconds": 5.0,
            "J_1e6_cpu_seconds": 0.1,
        },
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
