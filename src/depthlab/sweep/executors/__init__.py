"""Executors: where a sweep's jobs run (``local``, ``ray``, ``slurm``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from depthlab.sweep.executors.base import ClusterError, Executor
from depthlab.validate import choice

EXECUTORS = ("local", "ray", "slurm")


def make_executor(name: str, *, address: str | None = None, workers: int | None = None,
                  options: Mapping[str, Any] | None = None) -> Executor:
    """The executor called ``name``.

    Args:
        name: ``local``, ``ray`` or ``slurm``.
        address: Ray cluster address (``ray`` only).
        workers: local worker processes, or the CPUs of a local Ray cluster.
        options: the spec's ``[ray]`` or ``[slurm]`` table.
    """
    name = choice(name, "--executor", EXECUTORS)
    if address is not None and name != "ray":
        from depthlab.errors import ConfigError

        raise ConfigError(f"--address is for --executor ray, not {name}")
    if name == "local":
        from depthlab.sweep.executors.local import LocalExecutor

        return LocalExecutor(workers)
    if name == "ray":
        from depthlab.sweep.executors.ray_executor import RayExecutor

        return RayExecutor(address, workers, options)
    from depthlab.sweep.executors.slurm_executor import SlurmExecutor

    return SlurmExecutor(options)


__all__ = ["EXECUTORS", "ClusterError", "Executor", "make_executor"]
