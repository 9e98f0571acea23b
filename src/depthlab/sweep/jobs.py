"""Running one job: the function every executor ships to its workers.

:func:`execute_job` resolves the study by name (so only picklable data travels), runs the trials as one
stacked job, checks the rows against the trials and labels them with the trial keys. With ``root`` it also
writes the job's state marker and its shard itself (executors whose workers share the sweep folder: local
processes, Slurm); otherwise it returns the table and the driver writes it (Ray, whose workers may not see the
driver's disk).
"""

from __future__ import annotations

import os
import socket
import time
import traceback
from dataclasses import dataclass, field

import pandas as pd

from depthlab.device import resolve_device, set_threads
from depthlab.errors import DepthlabError
from depthlab.sweep.registry import get_sweepable
from depthlab.sweep.spec import Job

#: Set in a worker process pinned to one device (one worker per GPU); overrides the job's device.
_WORKER_DEVICE: str | None = None


@dataclass
class JobOutcome:
    """What comes back from a worker.

    Attributes:
        key: the job's key.
        rows: the job's table (``None`` when the worker wrote the shard itself, or on failure).
        error: ``"Type: message"`` when the job failed, else ``None``.
        seconds: wall time of the job on the worker.
        host, pid: where it ran.
        written: whether the worker wrote the shard.
    """

    key: str
    rows: pd.DataFrame | None = None
    error: str | None = None
    seconds: float = 0.0
    host: str = field(default_factory=socket.gethostname)
    pid: int = field(default_factory=os.getpid)
    written: bool = False
    trace: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def pin_worker(device: str | None, threads: int | None = None) -> None:
    """Process-pool initializer: pin this worker to ``device`` and ``threads`` intra-op threads."""
    global _WORKER_DEVICE
    _WORKER_DEVICE = device
    if threads:
        set_threads(threads)  # torch and BLAS together (depthlab.device's policy)


def label_rows(job: Job, df: pd.DataFrame) -> pd.DataFrame:
    """Attach the trial key (and parameters) to each row; check every trial has rows.

    Raises:
        DepthlabError: the study returned rows that do not map onto the job's trials.
    """
    if not isinstance(df, pd.DataFrame):
        raise DepthlabError(f"study {job.study!r}: run_job returned {type(df).__name__}, expected a "
                            "DataFrame")
    n = len(job.trials)
    if "trial_index" in df.columns:
        idx = df["trial_index"].to_numpy()
        if (len(idx) and (idx.min() < 0 or idx.max() >= n)) or set(range(n)) - set(idx.tolist()):
            raise DepthlabError(f"study {job.study!r}: trial_index must cover 0..{n - 1} (one or more rows "
                                "per "
                                f"trial), got values {sorted(set(idx.tolist()))[:10]}")
        df = df.drop(columns="trial_index")
    else:
        if len(df) != n:
            raise DepthlabError(f"study {job.study!r}: run_job returned {len(df)} rows for {n} trials; "
                                "return one "
                                "row per trial or a trial_index column")
        idx = range(n)
    keys = [job.trials[i].key for i in idx]
    return df.reset_index(drop=True).assign(trial=keys)


def run_rows(job: Job, device: str) -> pd.DataFrame:
    """Run a job in this process and return its labelled rows."""
    sweepable = get_sweepable(job.study)
    dev = resolve_device(_WORKER_DEVICE or device)
    return label_rows(job, sweepable.run_job(job.configs, dev))


def execute_job(job: Job, device: str = "auto", root: str | None = None) -> JobOutcome:
    """Run ``job``; never raises for a failing study (the error is in the outcome).

    Args:
        job: the trials to run.
        device: ``auto``, ``cpu``, ``cuda``, ``cuda:N`` (a worker pinned to a GPU uses its own).
        root: the sweep folder, when this worker writes the marker and shard itself.
    """
    from depthlab.sweep.store import SweepStore

    store = SweepStore(root) if root is not None else None
    t0 = time.perf_counter()
    if store is not None:
        if store.has(job.key):  # finished meanwhile (an earlier attempt, another driver)
            return JobOutcome(job.key, written=True)
        store.mark(job.key, "running", executor="worker")
    try:
        rows = run_rows(job, device)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        if store is not None:
            store.mark(job.key, "failed", error=error)
        return JobOutcome(job.key, error=error, seconds=time.perf_counter() - t0,
                          trace=traceback.format_exc())
    secs = time.perf_counter() - t0
    if store is not None:
        store.write(job.key, rows, job.record())
        store.mark(job.key, "done", seconds=secs)
        return JobOutcome(job.key, seconds=secs, written=True)
    return JobOutcome(job.key, rows=rows, seconds=secs)
