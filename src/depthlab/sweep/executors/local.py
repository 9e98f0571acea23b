"""The local executor: in this process, or a pool of worker processes (one per GPU, or ``--workers N``)."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

import torch

from depthlab.device import resolve_device
from depthlab.sweep.executors.base import Executor
from depthlab.sweep.jobs import JobOutcome, execute_job, pin_worker
from depthlab.sweep.spec import Job
from depthlab.sweep.store import SweepStore
from depthlab.validate import positive_int


class LocalExecutor(Executor):
    """Run jobs on this machine.

    Args:
        workers: ``1`` runs jobs one after another in this process; ``N > 1`` starts N worker processes
            (spawned, each with ``cores // N`` intra-op threads). ``None`` picks one worker per GPU when the
            device is CUDA and several GPUs exist, else 1.
    """

    name = "local"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = positive_int(workers, "--workers") if workers is not None else None
        self.worker_writes = False
        self._devices: list[str | None] = []

    def _plan(self, device: str) -> None:
        dev = resolve_device(device)
        if self.workers is None:
            n_gpu = torch.cuda.device_count() if dev.type == "cuda" and dev.index is None else 0
            self.workers = n_gpu if n_gpu > 1 else 1
            self._devices = [f"cuda:{i}" for i in range(n_gpu)] if n_gpu > 1 else []
        self.worker_writes = self.workers > 1

    def describe(self) -> dict[str, object]:
        return {"executor": self.name, "workers": self.workers, "devices": self._devices or None}

    def run(self, jobs: Sequence[Job], device: str, store: SweepStore) -> Iterator[JobOutcome]:
        self._plan(device)
        if self.workers == 1:
            for job in jobs:
                store.mark(job.key, "running", executor=self.name)
                yield execute_job(job, device)
            return
        yield from self._pool(jobs, device, store)

    def _pool(self, jobs: Sequence[Job], device: str, store: SweepStore) -> Iterator[JobOutcome]:
        n = int(self.workers or 1)
        threads = max(1, (os.cpu_count() or 1) // n)
        ctx = multiprocessing.get_context("spawn")
        # one worker per GPU: each process pins its own device through the initializer; a pool cannot give
        # each worker different initargs, so GPU pools are built as n single-process pools fed round-robin.
        if self._devices:
            pools = [ProcessPoolExecutor(1, mp_context=ctx, initializer=pin_worker, initargs=(d, threads))
                     for d in self._devices]
        else:
            pools = [ProcessPoolExecutor(n, mp_context=ctx, initializer=pin_worker, initargs=(None, threads))]
        futures: dict[Future, Job] = {}
        try:
            for i, job in enumerate(jobs):
                futures[pools[i % len(pools)].submit(execute_job, job, device, str(store.root))] = job
            pending = set(futures)
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    job = futures[fut]
                    try:
                        yield fut.result()
                    except BrokenProcessPool as exc:
                        yield JobOutcome(job.key, error=f"worker process died: {exc}")
        finally:
            for pool in pools:
                pool.shutdown(wait=True, cancel_futures=True)
