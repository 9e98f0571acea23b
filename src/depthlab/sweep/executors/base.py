"""The executor interface: run jobs somewhere, yield outcomes as they complete."""

from __future__ import annotations

import abc
from collections.abc import Iterator, Sequence

from depthlab.errors import DepthlabError
from depthlab.sweep.jobs import JobOutcome
from depthlab.sweep.spec import Job
from depthlab.sweep.store import SweepStore


class ClusterError(DepthlabError, RuntimeError):
    """A cluster (Ray, Slurm) cannot be reached or refused the work."""


class Executor(abc.ABC):
    """Runs jobs and yields a :class:`~depthlab.sweep.jobs.JobOutcome` for each, in completion order.

    An executor never decides seeds or results: workers run :func:`depthlab.sweep.jobs.execute_job`, whose
    output depends only on the job's trial configs. Executors whose workers share the sweep folder
    (:attr:`worker_writes`) let workers write markers and shards; otherwise the executor marks jobs
    ``running`` when it hands them out and the driver writes the returned rows.
    """

    name: str = "executor"
    worker_writes: bool = False
    _depth: int = 0

    def __enter__(self) -> Executor:
        """Open on the outermost ``with`` only: an executor opened by the caller stays open across runs."""
        if self._depth == 0:
            self.open()
        self._depth += 1
        return self

    def __exit__(self, *exc: object) -> None:
        self._depth -= 1
        if self._depth == 0:
            self.close()

    def open(self) -> None:  # noqa: B027 - optional hook
        """Connect or start workers (called once before :meth:`run`)."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release workers and connections."""

    @abc.abstractmethod
    def run(self, jobs: Sequence[Job], device: str, store: SweepStore) -> Iterator[JobOutcome]:
        """Run ``jobs`` and yield each one's outcome as it completes."""

    def describe(self) -> dict[str, object]:
        """What the manifest records about the executor."""
        return {"executor": self.name}
