"""Benchmark of the angle simulators (prints one JSON object).

1. Full-network Monte Carlo of ``--networks`` networks × width × depth as stacked ``(C, n, n)`` weight
  tensors,
   against a per-network Python loop in the same run (the loop runs ``--loop-networks`` networks; its time is
   reported per network and extrapolated).
2. The exact O(n) Markov chain against the full network at equal accuracy: both have the same law
  (two-sample KS
   p-value at the last layer is reported), so equal sample counts give equal Monte Carlo error; the speed-up is the
   ratio of times for the same number of samples.
3. J_{a,b} closed forms (J11, J22, J13) for 10^6 angles on CPU.

Targets: 10^4 networks × width 256 × depth 100 in ≤ 5 s on an H100 (run with ``--networks 10000 --device
cuda``); chain ≥ 10× faster than the full network; J closed forms for 10^6 angles ≤ 0.1 s on CPU.

    PYTHONPATH=src python benchmarks/angles.py                      # CPU, ~1 minute, --threads 1 (both sides)
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--networks", type=int, default=64, help="networks in the stacked full-network run")
    ap.add_argument("--loop-networks", type=int, default=8, help="networks in the per-network loop baseline")
    ap.add_argument("--width", type=int, default=256)
    ap.add_argument("--depth", type=int, default=100)
    ap.add_argument("--theta0", type=float, default=math.pi / 2)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--dtype", default="float64", choices=["float64", "float32"])
    add_thread_arg(ap)
    args = ap.parse_args()
    threads = apply_threads(args.threads)  # torch and BLAS, both sides (stacked and loop) alike
    dev = resolve_device(args.device)
    dtype = torch.float64 if args.dtype == "float64" else torch.float32
    w, L, m = args.width, args.depth, args.networks

    simulate_full(args.theta0, w, 64, depth=2, device=dev, dtype=dtype)  # warm-up (allocator, kernels)
    simulate_markov(args.theta0, w, 64, depth=2, device=dev, dtype=dtype)
    synchronize(dev)

    full = simulate_full(args.theta0, w, m, depth=L, seed=0, device=dev, dtype=dtype)
    loop = simulate_loop(args.theta0, w, args.loop_networks, depth=L, seed=0, device=dev, dtype=dtype)
    per_net_loop = loop.seconds / args.loop_networks
    chain = simulate_markov(args.theta0, w, m, depth=L, seed=1, device=dev, dtype=dtype)
    big_chain = simulate_markov(args.theta0, w, max(m, 10000), depth=L, seed=2, device=dev, dtype=dtype)
    ks = ks_2samp(full.layer(L), big_chain.layer(L))

    theta = np.linspace(0.0, math.pi, 10**6)
    J(1, 1, theta[:10])
    t0 = time.perf_counter()
    for a, b in ((1, 1), (2, 2), (1, 3)):
        J(a, b, theta)
    j_seconds = (time.perf_counter() - t0) / 3

    out = {
        "device": describe_device(dev),
        "load_average": load(),
        "threads": threads,
        "dtype": args.dtype,
        "width": w,
        "depth": L,
        "networks": m,
        "full_stacked_seconds": full.seconds,
        "full_stacked_networks_per_second": m / full.seconds,
        "loop_networks": args.loop_networks,
        "loop_seconds_per_network": per_net_loop,
        "loop_extrapolated_seconds": per_net_loop * m,
        "stacked_speedup_vs_loop": per_net_loop * m / full.seconds,
        "markov_seconds": chain.seconds,
        "markov_speedup_vs_full_equal_samples": full.seconds / chain.seconds,
        "markov_paths_for_ks": big_chain.networks,
        "ks_full_vs_markov_last_layer_p": float(ks.pvalue),
        "mean_log_sin2_last_full": float(full.mean_log_sin2()[L]),
        "sem_log_sin2_last_full": float(full.sem_log_sin2()[L]),
        "mean_log_sin2_last_markov": float(big_chain.mean_log_sin2()[L]),
        "sem_log_sin2_last_markov": float(big_chain.sem_log_sin2()[L]),
        "J_closed_form_seconds_per_1e6_angles": j_seconds,
        "targets": {
            "full_1e4_x256_x100_h100_seconds": 5.0,
            "markov_speedup_min": 10.0,
            "J_1e6_cpu_seconds": 0.1,
        },
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
