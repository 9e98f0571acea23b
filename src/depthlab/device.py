"""Compute devices, dtypes and the one thread policy.

depthlab computes in PyTorch on CPU or CUDA. Exact constructions and certification use float64/complex128
(:data:`REAL`, :data:`COMPLEX`); training may use float32 for speed and re-check in float64.

**Threads.** Torch's intra-op pool and the BLAS/OpenMP pools of NumPy and SciPy are pinned *together*
(:func:`set_threads`, through ``threadpoolctl``), so a SciPy closed form and a torch kernel never add their
pools on top of each other. The count is ``DEPTHLAB_THREADS`` (or the CLI's ``--threads``) when set, else
``"auto"``: the cores this process may use minus the load other processes already put on them (rounded,
at least 1) — on a busy machine fewer threads oversubscribe less. :func:`resolve_device` applies the policy
once per process (:func:`apply_thread_policy`), so every command, study and benchmark runs under it.
"""

from __future__ import annotations

import contextlib
import os
import platform
from collections.abc import Iterator
from typing import Any

import torch

from depthlab.errors import ConfigError, DeviceError

REAL = torch.float64
COMPLEX = torch.complex128


_applied: int | None = None


def available_cores() -> int:
    """CPU cores this process may run on (its affinity mask; all cores where that is unknown)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - non-Linux
        return max(1, os.cpu_count() or 1)


def auto_threads() -> int:
    """Cores minus the 1-minute load average (rounded), clamped to [1, cores]."""
    cores = available_cores()
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # pragma: no cover
        load = 0.0
    return max(1, min(cores, round(cores - load)))


def parse_threads(value: str | int | None) -> int:
    """``None``/``"auto"`` → :func:`auto_threads`; a positive integer → itself.

    Raises:
        ConfigError: not ``auto`` and not a positive integer.
    """
    if value is None or str(value).strip().lower() in ("", "auto"):
        return auto_threads()
    try:
        n = int(str(value).strip())
    except ValueError:
        raise ConfigError(f"threads must be a positive integer or 'auto', got {value!r}") from None
    if n < 1:
        raise ConfigError(f"threads must be ≥ 1, got {n}")
    return n


def _blas_limits(n: int) -> Any:
    """threadpoolctl's limiter at ``n`` threads (None without threadpoolctl)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        return None
    return threadpool_limits(n)


def set_threads(n: int | str) -> int:
    """Pin torch's intra-op threads and every BLAS/OpenMP pool (threadpoolctl) to ``n``; returns ``n``."""
    n = parse_threads(n)
    torch.set_num_threads(n)
    _blas_limits(n)
    return n


@contextlib.contextmanager
def threads(n: int | str) -> Iterator[int]:
    """Run a block with ``n`` threads (torch and BLAS), restoring the previous counts after."""
    n = parse_threads(n)
    before = torch.get_num_threads()
    limiter = _blas_limits(n)
    torch.set_num_threads(n)
    try:
        yield n
    finally:
        torch.set_num_threads(before)
        if limiter is not None:
            limiter.restore_original_limits()


def apply_thread_policy(value: str | int | None = None) -> int:
    """Apply the thread policy once per process (``value``, else ``DEPTHLAB_THREADS``, else ``auto``).

    Later calls without a value return the count already applied; an explicit value re-applies.
    """
    global _applied
    if value is None and _applied is not None:
        return _applied
    _applied = set_threads(parse_threads(value if value is not None else os.environ.get("DEPTHLAB_THREADS")))
    return _applied


def resolve_device(spec: str | torch.device | None = "auto") -> torch.device:
    """Turn ``"auto"``, ``"cpu"``, ``"cuda"``, ``"cuda:1"`` or a device into a usable :class:`torch.device`.

    ``"auto"`` (or ``None``) picks CUDA when available, else CPU. The first call applies the process's thread
    policy (:func:`apply_thread_policy`).

    Raises:
        DeviceError: CUDA was asked for but is not available, or the spec is not a device.
    """
    apply_thread_policy()
    if isinstance(spec, torch.device):
        device = spec
    elif spec is None or spec == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    else:
        try:
            device = torch.device(spec)
        except (RuntimeError, TypeError):
            raise DeviceError(f"unknown device {spec!r}; use auto, cpu, cuda or cuda:N") from None
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise DeviceError(f"device {spec!r} asked for, but CUDA is not available here; use --device cpu")
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise DeviceError(f"{device} asked for, but only {torch.cuda.device_count()} CUDA device(s) exist")
    elif device.type != "cpu":
        raise DeviceError(f"device type {device.type!r} is not supported; use cpu or cuda")
    return device


def describe_device(device: torch.device) -> str:
    """A human-readable name: the GPU model for CUDA, the processor and thread count for CPU."""
    if device.type == "cuda":
        return f"{device} ({torch.cuda.get_device_name(device)})"
    cpu = platform.processor() or platform.machine()
    return f"cpu ({cpu}, {torch.get_num_threads()} threads, {os.cpu_count()} cores)"


def synchronize(device: torch.device) -> None:
    """Wait for queued CUDA work (no-op on CPU); use before reading a timer."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
