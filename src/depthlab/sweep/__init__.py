"""Sweeps: one path from a grid spec to a results table, on this machine, a Ray cluster or Slurm.

A spec (:mod:`depthlab.sweep.spec`) names a sweepable study (:mod:`depthlab.sweep.registry`) and a parameter
grid; it expands to content-hashed trials, packed by shape into stacked jobs. An executor
(:mod:`depthlab.sweep.executors`) runs the jobs; each finished job is one atomic Parquet shard named by its
hash (:mod:`depthlab.sweep.store`), so a re-run skips finished jobs and retries failed or killed ones without
duplicating rows; :func:`collect` merges the shards into one table with its manifest.

Example:
    >>> from depthlab.sweep import spec_from_mapping, run_sweep, collect
    >>> spec = spec_from_mapping({"study": "toy", "grid": {"width": [4, 8], "seed": [0, 1]}})
    >>> report = run_sweep(spec, "/tmp/toy-sweep", "local", progress=False)  # doctest: +SKIP
    >>> path, table = collect("/tmp/toy-sweep")  # doctest: +SKIP
"""

from __future__ import annotations

from depthlab.sweep.registry import Sweepable, get_sweepable, register, sweepable_names
from depthlab.sweep.runner import SweepReport, collect, default_out, run_sweep, sweep_status
from depthlab.sweep.spec import Job, SweepSpec, Trial, expand, load_spec, pack, spec_from_mapping

__all__ = [
    "Job",
    "SweepReport",
    "SweepSpec",
    "Sweepable",
    "Trial",
    "collect",
    "default_out",
    "expand",
    "get_sweepable",
    "load_spec",
    "pack",
    "register",
    "run_sweep",
    "spec_from_mapping",
    "sweep_status",
    "sweepable_names",
]
