"""Memory and time budgets: refuse a command before it allocates, with the estimate, the limit and what to change.

Every command that allocates in proportion to its arguments estimates its peak memory (and, for Monte Carlo,
its wall time) from those arguments first, then calls :func:`check_memory` / :func:`check_time`. A refusal is a
:class:`ResourceError` (exit status 2 in the CLI) whose message names the command, the estimate, the limit and
the option to change, e.g.::

    error: interp construct --points 1000000 needs about 22.4 GiB of memory (the hidden layer's outputs on
    2048-point chunks, N × d weights), more than the 20.1 GiB available now; lower --points, or raise the
    limit with --max-memory

The limit is the memory available now (``MemAvailable`` in ``/proc/meminfo``, capped by a cgroup limit; on a
CUDA device the free device memory) unless ``--max-memory`` sets one. Foundation layer: standard library only
(torch is imported only to ask a CUDA device for its free memory).
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

from depthlab.errors import ConfigError

KIB, MIB, GIB, TIB = 2**10, 2**20, 2**30, 2**40
_UNITS = {"": 1, "b": 1, "k": KIB, "kb": KIB, "kib": KIB, "m": MIB, "mb": MIB, "mib": MIB, "g": GIB, "gb": GIB,
          "gib": GIB, "t": TIB, "tb": TIB, "tib": TIB}
_SECONDS = {"": 1, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}

#: Default wall-time limit of Monte Carlo commands (``--max-time``): one hour.
DEFAULT_MAX_SECONDS = 3600.0


class ResourceError(ConfigError):
    """A command's estimated memory or time exceeds the limit; the message gives both and what to change."""


def parse_size(text: str | int | float, name: str = "--max-memory") -> int:
    """``"8G"``, ``"512M"``, ``"1.5GiB"``, ``"1000000"`` (bytes) → bytes (binary units: 1G = 2³⁰ bytes).

    Raises:
        ConfigError: not a size, or not positive.
    """
    if isinstance(text, int | float) and not isinstance(text, bool):
        value = float(text)
    else:
        m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*([a-zA-Z]*)\s*", str(text))
        unit = m.group(2).lower() if m else None
        if m is None or unit not in _UNITS:
            raise ConfigError(f"{name} must be a size such as 8G, 512M or 1.5GiB, got {text!r}")
        value = float(m.group(1)) * _UNITS[unit]
    if not math.isfinite(value) or value <= 0:
        raise ConfigError(f"{name} must be positive, got {text!r}")
    return int(value)


def parse_duration(text: str | int | float, name: str = "--max-time") -> float:
    """``"90"``, ``"90s"``, ``"30m"``, ``"2h"`` → seconds.

    Raises:
        ConfigError: not a duration, or not positive.
    """
    if isinstance(text, int | float) and not isinstance(text, bool):
        value = float(text)
    else:
        m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*([a-zA-Z]*)\s*", str(text))
        unit = m.group(2).lower() if m else None
        if m is None or unit not in _SECONDS:
            raise ConfigError(f"{name} must be a duration such as 90s, 30m or 2h, got {text!r}")
        value = float(m.group(1)) * _SECONDS[unit]
    if not math.isfinite(value) or value <= 0:
        raise ConfigError(f"{name} must be positive, got {text!r}")
    return value


def format_bytes(n: float) -> str:
    """``1536`` → ``"1.5 KiB"``; binary units up to YiB, then powers of ten (``"3.2e+30 bytes"``)."""
    n = float(n)
    if n < 1024:
        return f"{n:.0f} B"
    for unit in ("KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"):
        n /= 1024
        if n < 1024:
            return f"{n:.1f} {unit}"
    return f"{n * 1024.0**8:.2g} bytes"


def format_seconds(s: float) -> str:
    """``95`` → ``"1 min 35 s"``, ``2e5`` → ``"2.3 days"``."""
    if s < 60:
        return f"{s:.1f} s" if s < 10 else f"{s:.0f} s"
    if s < 3600:
        return f"{int(s // 60)} min {int(s % 60)} s"
    if s < 86400 * 2:
        return f"{s / 3600:.1f} h"
    if s < 86400 * 730:
        return f"{s / 86400:.1f} days"
    return f"{s / (86400 * 365):.3g} years"


def _cgroup_limit() -> int | None:
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(path).read_text().strip()
        except OSError:
            continue
        if text.isdigit() and int(text) < 2**60:
            return int(text)
    return None


def host_available_memory() -> int:
    """Bytes of host memory available now: ``MemAvailable`` (Linux), else free pages, capped by a cgroup limit."""
    avail = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                avail = int(line.split()[1]) * KIB
                break
    except OSError:
        pass
    if avail is None:
        try:
            avail = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
            avail = 8 * GIB
    limit = _cgroup_limit()
    return int(min(avail, limit) if limit is not None else avail)


def available_memory(device: object = "cpu") -> int:
    """Bytes available on ``device``: host memory for the CPU (and ``"auto"``), free device memory for CUDA."""
    name = str(device)
    if name.startswith("cuda"):
        import torch

        free, _ = torch.cuda.mem_get_info(torch.device(name))
        return int(free)
    return host_available_memory()


def memory_limit(max_memory: str | int | None, device: object = "cpu") -> tuple[int, str]:
    """``(bytes, description)`` of the limit: ``--max-memory`` when given, else what ``device`` has available."""
    if max_memory is not None:
        return parse_size(max_memory), "the --max-memory limit"
    where = "on " + str(device) if str(device).startswith("cuda") else "now"
    return available_memory(device), f"available {where}"


def check_memory(need: float, *, what: str, hint: str, max_memory: str | int | None = None,
                 device: object = "cpu", detail: str = "") -> None:
    """Refuse (``ResourceError``) when ``need`` bytes exceed the limit (see :func:`memory_limit`).

    Args:
        need: estimated peak bytes.
        what: the command as the user typed it, e.g. ``"matexp solve --input-dim 100000"``.
        hint: what to change, e.g. ``"lower --input-dim"``.
        max_memory: the user's ``--max-memory`` (a size string), or ``None`` for the available memory.
        device: where the memory is allocated.
        detail: what the estimate counts (shown in parentheses).
    """
    limit, described = memory_limit(max_memory, device)
    if need > limit:
        counted = f" ({detail})" if detail else ""
        raise ResourceError(
            f"{what} needs about {format_bytes(need)} of memory{counted}, more than the {format_bytes(limit)} "
            f"{described}; {hint}" + ("" if max_memory is not None else ", or raise the limit with --max-memory"))


def check_time(seconds: float, *, what: str, hint: str, max_time: str | float | None = None,
               detail: str = "") -> None:
    """Refuse (``ResourceError``) when the estimated wall time exceeds ``--max-time`` (default one hour)."""
    limit = DEFAULT_MAX_SECONDS if max_time is None else parse_duration(max_time)
    if seconds > limit:
        counted = f" ({detail})" if detail else ""
        raise ResourceError(
            f"{what} would take about {format_seconds(seconds)}{counted}, more than the --max-time limit of "
            f"{format_seconds(limit)}; {hint}, or raise --max-time")
