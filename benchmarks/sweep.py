"""Benchmark of the sweep executors: per-job overhead and the parallel speed-up of a local Ray run.

Prints one JSON object (and writes it to ``--out`` if given):

* ``overhead``: for each executor, a grid of ``--jobs`` trivial toy jobs (width 2, 1 step: microseconds of
  work). For Ray, ``wall_cold_s`` is the first run on a fresh local cluster (worker processes start and import
  torch) and ``per_job_s`` the wall time per job of a second run on the same, warm cluster. A local worker
  pool lives for one run, so its start-up is part of every run; Slurm through submitit's local mode starts
  every array task as a fresh Python process.
* ``speedup``: a CPU-bound toy grid (``--cpu-jobs`` one-trial jobs, width 48, 1500 steps: ~0.2-0.5 s each)
  run in this process (the local executor's default) and on a local Ray cluster with ``--workers`` CPUs; the
  Ray time is measured on a warm cluster (workers started and imports done) and also with start-up included.

Machine load is recorded (``loadavg``): on a shared machine the ratio is below what idle cores give.

Usage: ``PYTHONPATH=src python benchmarks/sweep.py [--workers 2] [--jobs 16] [--out bench.json]``
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("DEPTHLAB_PROGRESS", "0")

from _bench import add_thread_arg, apply_threads, load
from depthlab.sweep import collect, run_sweep, spec_from_mapping
from depthlab.sweep.executors import make_executor


def _spec(jobs: int, width: int, steps: int, offset: int = 0):
    return spec_from_mapping({"study": "toy", "params": {"width": width, "steps": steps},
                              "grid": {"seed": list(range(offset, offset + jobs))}, "max_trials_per_job": 1})


def _timed(spec, out: Path, executor) -> tuple[float, object]:
    t0 = time.perf_counter()
    report = run_sweep(spec, out, executor, progress=False)
    wall = time.perf_counter() - t0
    assert report.ok, report.failed
    return wall, report


def overhead(tmp: Path, jobs: int, workers: int, real_slurm: bool = False) -> dict:
    """Per-job overhead of each executor on trivial jobs (seconds)."""
    out: dict[str, dict] = {}
    # local, in this process
    wall, rep = _timed(_spec(jobs, 2, 1), tmp / "ov-local", make_executor("local"))
    out["local"] = {"jobs": jobs, "wall_s": wall, "per_job_s": wall / jobs,
                    "job_compute_s": sum(rep.job_seconds) / jobs}
    # local worker pool (spawned processes)
    ex = make_executor("local", workers=workers)
    cold, _ = _timed(_spec(jobs, 2, 1, 1000), tmp / "ov-pool", ex)
    out["local_pool"] = {"jobs": jobs, "workers": workers, "wall_s": cold, "per_job_s": cold / jobs,
                         "note": "a pool lives for one run: its start-up (spawn + imports) is in every run"}
    # ray: cold (includes ray.init), then warm on the same cluster
    with make_executor("ray", workers=workers) as ex:  # stays open across both runs
        cold, _ = _timed(_spec(jobs, 2, 1, 2000), tmp / "ov-ray-cold", ex)
        warm, _ = _timed(_spec(jobs, 2, 1, 3000), tmp / "ov-ray-warm", ex)
    out["ray"] = {"jobs": jobs, "workers": workers, "wall_cold_s": cold, "wall_warm_s": warm,
                  "per_job_s": warm / jobs, "startup_s": cold - warm,
                  "note": "cold: first run on a fresh cluster (worker processes start and import torch)"}
    # slurm through submitit's local mode: each array task is a new Python process
    sjobs = max(2, jobs // 4)
    wall, _ = _timed(_spec(sjobs, 2, 1, 4000), tmp / "ov-slurm", make_executor("slurm",
                                                                             options={"cluster": "local"}))
    out["slurm_local"] = {"jobs": sjobs, "wall_s": wall, "per_job_s": wall / sjobs,
                          "note": "all array tasks start at once as separate processes on this machine"}
    if real_slurm:
        wall, _ = _timed(_spec(sjobs, 2, 1, 5000), tmp / "ov-slurm-real", make_executor(
            "slurm", options={"timeout_min": 5}))
        out["slurm"] = {"jobs": sjobs, "wall_s": wall, "per_job_s": wall / sjobs,
                        "note": "sbatch job array on the Slurm cluster of SLURM_CONF (submit, schedule, run)"}
    return out


def speedup(tmp: Path, jobs: int, workers: int) -> dict:
    """Single-process local run vs a local Ray cluster with ``workers`` CPUs on a CPU-bound grid."""
    spec = _spec(jobs, 48, 1500)
    single, _ = _timed(spec, tmp / "sp-local", make_executor("local"))
    t0 = time.perf_counter()
    with make_executor("ray", workers=workers) as ex:  # stays open across both runs
        _timed(_spec(2 * workers, 48, 300, 9000), tmp / "sp-warmup", ex)  # start workers, import torch
        cold_startup = time.perf_counter() - t0
        warm, _ = _timed(spec, tmp / "sp-ray", ex)
    same = collect(tmp / "sp-local")[1].equals(collect(tmp / "sp-ray")[1])
    return {"jobs": jobs, "workers": workers, "single_process_s": single, "ray_warm_s": warm,
            "ray_startup_s": cold_startup, "speedup_warm": single / warm,
            "speedup_including_startup": single / (warm + cold_startup), "identical_results": bool(same)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2, help="Ray CPUs / local worker processes")
    parser.add_argument("--jobs", type=int, default=16, help="trivial jobs for the overhead grid")
    parser.add_argument("--cpu-jobs", type=int, default=16, help="CPU-bound jobs for the speed-up grid")
    parser.add_argument("--slurm", action="store_true", help="also time a job array on a real Slurm cluster "
                        "(sbatch on PATH, SLURM_CONF set if needed)")
    parser.add_argument("--only-overhead", action="store_true", help="skip the speed-up grid")
    parser.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    add_thread_arg(parser)
    args = parser.parse_args()
    threads = apply_threads(args.threads)  # this process; workers inherit DEPTHLAB_THREADS
    with tempfile.TemporaryDirectory() as tmp:
        result = {"cores": os.cpu_count(), "threads_per_process": threads, "loadavg_start": load(),
                  "overhead": overhead(Path(tmp), args.jobs, args.workers, args.slurm)}
        if not args.only_overhead:
            result["speedup"] = speedup(Path(tmp), args.cpu_jobs, args.workers)
        result["loadavg_end"] = load()
    text = json.dumps(result, indent=2)
    print(text)
    if args.out is not None:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
