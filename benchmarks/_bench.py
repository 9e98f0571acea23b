"""Shared helpers of the benchmarks: thread policy, load, the machine's matmul rate, interleaved timing, JSON.

Every benchmark takes ``--threads`` (default 1: comparisons run one thread on each side) and applies it through
:func:`depthlab.device.apply_thread_policy` (torch and every BLAS/OpenMP pool pinned together), records the load
(``os.getloadavg()``) beside its figures, and prints one JSON object. On a shared machine absolute times barely
count; ratios measured in the same run, with interleaved repeats and medians, do.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import torch

from depthlab.device import apply_thread_policy, describe_device, synchronize


def add_thread_arg(parser: argparse.ArgumentParser, default: str = "1") -> None:
    """``--threads N|auto`` (default 1: one thread on each side of a comparison)."""
    parser.add_argument("--threads", default=default,
                        help=f"torch + BLAS threads through depthlab.device (default {default}; 'auto': cores "
                             "minus load)")


def apply_threads(value: str | int) -> int:
    """Apply the thread policy for this process and its children (``DEPTHLAB_THREADS``); returns the count."""
    n = apply_thread_policy(value)
    os.environ["DEPTHLAB_THREADS"] = str(n)
    return n


def load() -> list[float] | None:
    """The 1-, 5- and 15-minute load averages (None where unknown)."""
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except (OSError, AttributeError):  # pragma: no cover
        return None


def environment(device: torch.device) -> dict[str, Any]:
    """Date, machine, torch version, threads and load, for the head of a benchmark's JSON."""
    return {"date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "device": describe_device(device), "host_cores": os.cpu_count(), "python": platform.python_version(),
            "torch": torch.__version__, "threads": torch.get_num_threads(), "load_at_start": load()}


def matmul_gflops(device: torch.device, n: int = 1024, dtype: torch.dtype = torch.float64,
                  repeats: int = 3) -> float:
    """GFLOP/s of one large ``n × n`` matmul in ``dtype`` (best of ``repeats``): the machine's reachable rate."""
    if device.type == "cuda" and n < 4096:
        n = 8192
    a = torch.randn(n, n, dtype=dtype, device=device)
    b = torch.randn(n, n, dtype=dtype, device=device)
    a @ b
    best = float("inf")
    for _ in range(repeats):
        synchronize(device)
        t0 = time.perf_counter()
        a @ b
        synchronize(device)
        best = min(best, time.perf_counter() - t0)
    return 2 * n**3 / best / 1e9


def timed(fn: Callable[[], Any], device: torch.device) -> tuple[float, float, Any]:
    """``(wall seconds, process CPU seconds, result)`` of one call (CUDA synchronised)."""
    synchronize(device)
    c0, t0 = time.process_time(), time.perf_counter()
    out = fn()
    synchronize(device)
    return time.perf_counter() - t0, time.process_time() - c0, out


def interleaved(runs: dict[str, Callable[[], Any]], repeats: int, device: torch.device
                ) -> tuple[dict[str, list[float]], dict[str, float], dict[str, Any]]:
    """Run every entry once per repeat, in turn (so load changes hit all alike).

    Returns:
        ``(walls, cpu_per_wall, last)``: wall seconds of each repeat, the median ratio of process CPU time to
        wall time (≈ threads used; 1 for a single-threaded run), and each entry's last result.
    """
    walls: dict[str, list[float]] = {k: [] for k in runs}
    ratios: dict[str, list[float]] = {k: [] for k in runs}
    last: dict[str, Any] = {}
    for _ in range(max(repeats, 1)):
        for name, fn in runs.items():
            wall, cpu, last[name] = timed(fn, device)
            walls[name].append(wall)
            ratios[name].append(cpu / wall if wall > 0 else float("nan"))
    return walls, {k: round(statistics.median(v), 2) for k, v in ratios.items()}, last


def median(values: list[float]) -> float:
    return float(statistics.median(values))


def emit(result: dict[str, Any], out: str | None = None) -> None:
    """Print the benchmark's JSON object (and write it to ``out`` if given)."""
    result = {**result, "load_at_end": load()}
    text = json.dumps(result, indent=1, default=float)
    if out:
        with open(out, "w") as fh:
            fh.write(text + "\n")
    sys.stdout.write(text + "\n")
    sys.stdout.flush()
