"""The Ray executor: each job is a Ray task on a running cluster (``--address``) or on a local one it starts.

Workers return the job's rows to the driver, which writes the shard, so the cluster's nodes need not share the
sweep folder; they do need depthlab importable (install it on the nodes, or pass a ``runtime_env`` in the spec's
``[ray]`` table). Tasks ask for ``num_cpus`` CPUs (default 1) and, on a CUDA device, ``num_gpus`` GPUs
(default 1); Ray re-runs a task whose worker process died (``max_retries``), and the sweep driver retries jobs
that failed.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import torch

from depthlab.errors import ConfigError, MissingExtraError
from depthlab.sweep.executors.base import ClusterError, Executor
from depthlab.sweep.jobs import JobOutcome, execute_job
from depthlab.sweep.spec import Job
from depthlab.sweep.store import SweepStore

_OPTIONS = {"address", "runtime_env", "num_cpus", "num_gpus", "max_retries", "local_cpus",
            "connect_timeout_s"}


def _check_reachable(address: str, timeout: float) -> None:
    """Fail fast (``ray.init`` retries an unreachable address for minutes): open a TCP connection to it."""
    hostport = address.split("://", 1)[-1].rstrip("/")
    host, sep, port = hostport.rpartition(":")
    if not sep or not port.isdigit():
        raise ConfigError(f"--address {address!r}: expected HOST:PORT, ray://HOST:PORT or auto")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as exc:
        raise ClusterError(f"cannot reach the Ray cluster at {address!r} ({exc}); is the head node up (ray "
                           "status there prints the address) and is the port open from here?") from None


def import_ray() -> Any:
    """``import ray``, or :class:`MissingExtraError` with the pip command."""
    try:
        import ray
    except ImportError:
        raise MissingExtraError("ray", "ray", "--executor ray") from None
    return ray


class RayExecutor(Executor):
    """Run jobs as Ray tasks.

    Args:
        address: a running cluster (``ray://host:10001``, ``host:6379`` or ``auto``); ``None`` reuses this
            process's Ray session if one is open, else starts a local cluster with ``workers`` CPUs.
        workers: CPUs of a local cluster started here (default: all cores).
        options: the spec's ``[ray]`` table (runtime_env, num_cpus, num_gpus, max_retries, connect_timeout_s).
    """

    name = "ray"
    worker_writes = False

    def __init__(self, address: str | None = None, workers: int | None = None,
                 options: Mapping[str, Any] | None = None) -> None:
        options = dict(options or {})
        unknown = set(options) - _OPTIONS
        if unknown:
            raise ConfigError(f"[ray] options {sorted(unknown)} are not known; allowed: {sorted(_OPTIONS)}")
        self.address = address or options.get("address")
        self.workers = workers or options.get("local_cpus")
        self.options = options
        self._started = False
        self._ray: Any = None

    def open(self) -> None:
        ray = self._ray = import_ray()
        if ray.is_initialized():
            return
        kwargs: dict[str, Any] = {"log_to_driver": False, "include_dashboard": False}
        if self.options.get("runtime_env"):
            kwargs["runtime_env"] = dict(self.options["runtime_env"])
        if self.address and self.address not in ("auto", "local"):
            _check_reachable(self.address, float(self.options.get("connect_timeout_s", 10.0)))
        try:
            if self.address:
                ray.init(address=self.address, **kwargs)
            else:
                ray.init(num_cpus=self.workers, **kwargs)
        except (ConnectionError, RuntimeError, TimeoutError, ValueError) as exc:
            where = f"the Ray cluster at {self.address!r}" if self.address else "a local Ray cluster"
            raise ClusterError(f"cannot connect to {where}: {exc}. Check the address (ray status on the head "
                               "node prints it), or leave out --address to start a local cluster") from None
        self._started = True

    def close(self) -> None:
        if self._started and self._ray is not None and self._ray.is_initialized():
            self._ray.shutdown()
        self._started = False

    def describe(self) -> dict[str, object]:
        out: dict[str, object] = {"executor": self.name, "address": self.address}
        if self._ray is not None and self._ray.is_initialized():
            out["cluster_resources"] = {k: v for k, v in self._ray.cluster_resources().items()
                                        if k in ("CPU", "GPU")}
        return out

    def run(self, jobs: Sequence[Job], device: str, store: SweepStore) -> Iterator[JobOutcome]:
        ray = self._ray or import_ray()
        if not ray.is_initialized():
            self.open()
        if device == "auto":  # the cluster's resources decide, not the driver's machine
            gpu = ray.cluster_resources().get("GPU", 0) > 0
        else:
            gpu = torch.device(device).type == "cuda"
        opts = {"num_cpus": self.options.get("num_cpus", 1),
                "num_gpus": self.options.get("num_gpus", 1 if gpu else 0),
                "max_retries": self.options.get("max_retries", 2)}
        remote = ray.remote(execute_job).options(**opts)
        refs = {}
        for job in jobs:
            store.mark(job.key, "running", executor=self.name)
            refs[remote.remote(job, device)] = job
        pending = list(refs)
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            for ref in done:
                job = refs[ref]
                try:
                    yield ray.get(ref)
                except Exception as exc:  # worker crashed past its retries, task cancelled, ...
                    yield JobOutcome(job.key, error=f"ray task failed: {type(exc).__name__}: {exc}")
