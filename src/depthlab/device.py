"""Compute devices and dtypes.

depthlab computes in PyTorch on CPU or CUDA. Exact constructions and certification use float64/complex128
(:data:`REAL`, :data:`COMPLEX`); training may use float32 for speed and re-check in float64.
"""

from __future__ import annotations

import os
import platform

import torch

from depthlab.errors import DeviceError

REAL = torch.float64
COMPLEX = torch.complex128


def resolve_device(spec: str | torch.device | None = "auto") -> torch.device:
    """Turn ``"auto"``, ``"cpu"``, ``"cuda"``, ``"cuda:1"`` or a device into a usable :class:`torch.device`.

    ``"auto"`` (or ``None``) picks CUDA when available, else CPU.

    Raises:
        DeviceError: CUDA was asked for but is not available, or the spec is not a device.
    """
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
