"""Residual against N of the interp constructions (tolerance: residual ≤ 1e-10), with float64 rounding bounds.

Prints one JSON object per (d, N, construction): residual ``max|f(X) − Y| / max(1, max|Y|)`` from the network's
own float64 forward pass, the rigorous first-order rounding bound of that forward pass
(:func:`depthlab.interp.theory.numerics.relative_rounding_bound`, skipped above ``--bound-limit`` neuron–point
pairs), hidden neurons, depth and build seconds. Data: ``random_points(N, d, numpy_rng(seed, N, d))``, the same
draws as the tables in docs/interp.md. Runs single-threaded by default (``--threads``: torch and BLAS through
``depthlab.device``); each row records the threads and the load::

    PYTHONPATH=src python benchmarks/interp_residuals.py --sizes 100,300,1000,3000,10000
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from _bench import add_thread_arg, apply_threads, load
from depthlab.interp.datasets import random_points
from depthlab.interp.theory.build import NAMES, build
from depthlab.interp.theory.numerics import relative_rounding_bound
from depthlab.seeding import numpy_rng


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="100,300,1000,3000,10000")
    p.add_argument("--dims", default="10,100")
    p.add_argument("--constructions", default="triangular,triangular-bias,normalized,two-sided,grouped,windowed")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--bound-limit", type=float, default=2e8)
    add_thread_arg(p)
    args = p.parse_args(argv)
    threads = apply_threads(args.threads)
    names = [n for n in args.constructions.split(",") if n in NAMES and not n.startswith("classifier")]
    for d in (int(x) for x in args.dims.split(",")):
        for N in (int(x) for x in args.sizes.split(",")):
            X, Y = random_points(N, d, numpy_rng(args.seed, N, d))
            for name in names:
                t0 = time.perf_counter()
                con = build(name, X, Y, rng=numpy_rng(args.seed, N, d, 2))
                row = {"N": N, "d": d, "construction": name, "residual": con.residual,
                       "neurons": con.hidden_neurons, "depth": con.net.depth,
                       "seconds": time.perf_counter() - t0, "threads": threads, "load_average": load()}
                if N * con.hidden_neurons <= args.bound_limit:
                    row["bound"] = relative_rounding_bound(con.net, X, Y)
                json.dump(row, sys.stdout)
                sys.stdout.write("\n")
                sys.stdout.flush()


if __name__ == "__main__":
    main()
