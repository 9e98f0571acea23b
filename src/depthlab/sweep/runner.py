"""The sweep driver: plan, skip finished jobs, hand the rest to an executor, write shards, retry failures, collect.

This is the one sweep path every study uses (:func:`run_sweep`, :func:`collect`, :func:`sweep_status`); the
CLI (:mod:`depthlab.sweep.cli`) is a thin layer over it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from depthlab.errors import ConfigError
from depthlab.progress import make_progress
from depthlab.results import atomic_write_text, now_iso, recorded_run
from depthlab.sweep.executors import Executor, make_executor
from depthlab.sweep.jobs import JobOutcome
from depthlab.sweep.spec import Job, SweepSpec, check_device_spec, pack
from depthlab.sweep.store import SweepStore

RESULTS = "results"


@dataclass
class SweepReport:
    """What one ``sweep run`` did.

    Attributes:
        out: the sweep folder.
        jobs, trials: size of the plan.
        skipped: jobs already finished before this run.
        ran: jobs finished by this run.
        failed: keys and errors of jobs still failed after the retries.
        seconds: wall time of this run (executor start-up included).
    """

    out: Path
    study: str
    executor: dict[str, Any]
    jobs: int
    trials: int
    skipped: int
    ran: int = 0
    failed: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    job_seconds: list[float] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed

    def to_dict(self) -> dict[str, Any]:
        return {"out": str(self.out), "study": self.study, "executor": self.executor, "jobs": self.jobs,
                "trials": self.trials, "skipped": self.skipped, "ran": self.ran, "failed": self.failed,
                "seconds": self.seconds, "ok": self.ok}


def default_out(spec: SweepSpec) -> Path:
    """``results/sweep-<name or study>-<spec hash>``: a different grid never lands in the same folder."""
    return Path("results") / f"sweep-{spec.name or spec.study}-{spec.key[:8]}"


def plan_record(spec: SweepSpec, jobs: list[Job]) -> dict[str, Any]:
    return {"spec": spec.to_dict(), "spec_key": spec.key,
            "jobs": {j.key: [t.key for t in j.trials] for j in jobs}}


def run_sweep(spec: SweepSpec, out: str | Path | None = None, executor: Executor | str = "local", *,
              device: str | None = None, retries: int = 1, progress: bool = True) -> SweepReport:
    """Run every unfinished job of ``spec`` and write its shard; finished jobs are skipped.

    Args:
        spec: the sweep.
        out: the sweep folder (default :func:`default_out`).
        executor: an :class:`Executor` or a name (``local``, ``ray``, ``slurm``).
        device: overrides the spec's device.
        retries: times a failed job is re-submitted within this run (a later run retries it again).
        progress: show a progress bar over jobs on stderr.

    Returns:
        :class:`SweepReport`; failed jobs are listed there and in ``depthlab sweep status`` (never raised).
    """
    t0 = time.perf_counter()
    if retries < 0:
        raise ConfigError(f"--retries must be >= 0, got {retries}")
    if isinstance(executor, str):
        executor = make_executor(executor, options=spec.slurm if executor == "slurm" else spec.ray)
    store = SweepStore(out if out is not None else default_out(spec))
    jobs = pack(spec)
    store.write_plan(plan_record(spec, jobs))
    by_key = {j.key: j for j in jobs}
    todo = [j for j in jobs if not store.has(j.key)]
    report = SweepReport(store.root, spec.study, {"executor": executor.name}, len(jobs),
                         sum(len(j.trials) for j in jobs), skipped=len(jobs) - len(todo))
    dev = check_device_spec(device, "--device") if device is not None else spec.device
    prog = make_progress() if progress else None
    try:
        if prog is not None:
            prog.start()
            task = prog.add_task(f"sweep {spec.study} [{executor.name}]", total=len(jobs),
                                 completed=report.skipped)
        if todo:
            with executor:
                for attempt in range(retries + 1):
                    failed: list[Job] = []
                    for outcome in executor.run(todo, dev, store):
                        job = by_key[outcome.key]
                        if _settle(store, job, outcome, executor):
                            report.ran += 1
                            report.job_seconds.append(outcome.seconds)
                            report.failed.pop(job.key, None)
                            if prog is not None:
                                prog.advance(task)
                        else:
                            failed.append(job)
                            report.failed[job.key] = outcome.error or "unknown error"
                    todo = failed
                    if not todo or attempt == retries:
                        break
                report.executor = executor.describe()
    finally:
        if prog is not None:
            prog.stop()
    report.seconds = time.perf_counter() - t0
    return report


def _settle(store: SweepStore, job: Job, outcome: JobOutcome, executor: Executor) -> bool:
    """Record one outcome: write the shard (if the worker did not) or the failure. True when the job is
    done."""
    if outcome.ok:
        if not outcome.written:
            store.write(job.key, outcome.rows, job.record())
            store.mark(job.key, "done", seconds=outcome.seconds, executor=executor.name)
        return store.has(job.key)
    store.mark(job.key, "failed", error=outcome.error, executor=executor.name)
    if outcome.trace:
        atomic_write_text(store.state_dir / f"{job.key}.trace.txt", outcome.trace)
    return False


def sweep_status(out: str | Path) -> dict[str, Any]:
    """Counts of done / running / interrupted / failed / pending jobs of the sweep in ``out``."""
    return SweepStore(out).status()


def collect(out: str | Path, *, partial: bool = False) -> tuple[Path, pd.DataFrame]:
    """Merge the finished shards into ``<out>/results.parquet`` and write ``<out>/manifest.json``.

    Every trial appears once (shards are whole jobs under content keys; a trial found in two shards — only
    possible if the packing changed between runs — keeps its first copy in shard-key order).

    Args:
        partial: collect even if some jobs are not done (the manifest says which trials are missing).

    Raises:
        ConfigError: ``out`` is not a sweep folder, or jobs are unfinished and ``partial`` is false.
    """
    store = SweepStore(out)
    plan = store.read_plan()
    status = store.status()
    if not status["complete"] and not partial:
        c = status["counts"]
        raise ConfigError(f"sweep in {store.root} is not complete ({c['done']}/{status['jobs']} jobs done, "
                          f"{c['failed']} failed, {c['running'] + c['interrupted']} running or interrupted, "
                          f"{c['pending']} pending); re-run 'depthlab sweep run' or pass --partial")
    keys = [k for k in store.keys() if k in plan["jobs"]]
    frames = [f for f in (store.read(k) for k in keys) if len(f)]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    duplicates = 0
    if len(table):
        first_job = table.groupby("trial", sort=False)["shard"].transform("first")
        dup = table["shard"] != first_job
        duplicates = int(dup.sum())
        table = table[~dup].reset_index(drop=True)
    wanted = {t for trials in plan["jobs"].values() for t in trials}
    missing = sorted(wanted - set(table["trial"])) if len(table) else sorted(wanted)
    with recorded_run(store.root, config=plan["spec"]) as run:
        run.extra.update({"sweep": {"spec_key": plan["spec_key"], "jobs": status["jobs"],
                                    "trials": status["trials"], "rows": len(table), "missing_trials": missing,
                                    "duplicate_rows_dropped": duplicates, "collected": now_iso(),
                                    "complete": not missing}})
        path = run.write_table(RESULTS, table)
    return path, table
