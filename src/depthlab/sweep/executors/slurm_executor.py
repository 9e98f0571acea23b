"""The Slurm executor: one Slurm job array per sweep run, through submitit.

Each array task runs one job on a compute node and writes its shard and marker into the sweep folder itself,
so the folder must be on a filesystem the nodes share (your home or scratch space on most clusters). The spec's
``[slurm]`` table is passed to :meth:`submitit.AutoExecutor.update_parameters` (``partition``, ``timeout_min``,
``gpus_per_node``, ``cpus_per_task``, ``mem_gb``, ``slurm_array_parallelism``, ``slurm_account``, ...), except
``cluster``: ``"slurm"`` (default, needs ``sbatch``), ``"local"`` (subprocesses on this machine: submitit's
test mode) or ``"debug"`` (in this process).
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from depthlab.errors import ConfigError, MissingExtraError
from depthlab.sweep.executors.base import ClusterError, Executor
from depthlab.sweep.jobs import JobOutcome, execute_job
from depthlab.sweep.spec import Job
from depthlab.sweep.store import SweepStore

_CLUSTERS = ("slurm", "local", "debug")


def import_submitit() -> Any:
    """``import submitit``, or :class:`MissingExtraError` with the pip command."""
    try:
        import submitit
    except ImportError:
        raise MissingExtraError("submitit", "slurm", "--executor slurm") from None
    return submitit


class SlurmExecutor(Executor):
    """Submit jobs as a Slurm job array with submitit and wait for them.

    Args:
        options: submitit parameters (the spec's ``[slurm]`` table and ``--slurm KEY=VALUE`` options).
        poll_s: seconds between checks of the array's state.
    """

    name = "slurm"
    worker_writes = True

    def __init__(self, options: Mapping[str, Any] | None = None, poll_s: float = 1.0) -> None:
        self.options = dict(options or {})
        self.cluster = str(self.options.pop("cluster", "slurm"))
        if self.cluster not in _CLUSTERS:
            raise ConfigError(f"[slurm] cluster = {self.cluster!r}; use one of {', '.join(_CLUSTERS)}")
        self.options.setdefault("timeout_min", 60)
        self.poll_s = poll_s

    def describe(self) -> dict[str, object]:
        return {"executor": self.name, "cluster": self.cluster, "parameters": self.options}

    def _executor(self, store: SweepStore) -> Any:
        submitit = import_submitit()
        if self.cluster == "slurm" and shutil.which("sbatch") is None:
            raise ClusterError("--executor slurm needs Slurm's sbatch on PATH (run on the cluster's login "
                               "node); for a test on this machine set cluster = \"local\" in the spec's "
                               "[slurm] table or pass --slurm cluster=local")
        ex = submitit.AutoExecutor(folder=str(store.root / "slurm" / "%j"), cluster=self.cluster)
        try:
            ex.update_parameters(**self.options)
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"[slurm] options rejected by submitit: {exc}") from None
        return ex

    def run(self, jobs: Sequence[Job], device: str, store: SweepStore) -> Iterator[JobOutcome]:
        if not jobs:
            return
        ex = self._executor(store)
        n = len(jobs)
        try:
            handles = ex.map_array(execute_job, list(jobs), [device] * n, [str(store.root)] * n)
        except Exception as exc:  # sbatch refused (bad partition, account, limits)
            raise ClusterError(f"Slurm refused the job array: {type(exc).__name__}: {exc}") from None
        pending = dict(zip(handles, jobs, strict=True))
        while pending:
            finished = [h for h in pending if h.done()]
            for h in finished:
                job = pending.pop(h)
                try:
                    yield h.result()
                except Exception as exc:  # killed, timed out, node failure
                    last = str(exc).strip().splitlines()[-1] if str(exc).strip() else ""
                    yield JobOutcome(job.key,
                                     error=f"slurm task {h.job_id} failed: {type(exc).__name__}: {last}")
            if pending and not finished:
                time.sleep(self.poll_s)
