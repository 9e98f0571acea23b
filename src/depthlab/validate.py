"""Validation at the boundary: turn raw user input into checked arrays, or raise a clear :mod:`depthlab.errors`.

All functions here are cheap and pure. They are the only place where user-supplied arrays are coerced, so the
numerical code behind them can assume finite, correctly shaped input.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from depthlab.errors import ConfigError, InputError, SingularMatrixError

#: Above this 2-norm condition number a matrix is treated as numerically singular in float64 (1/√eps ≈ 6.7e7
#: would lose half the digits; 1e12 leaves about 4 significant digits of eps-level accuracy).
SINGULAR_COND = 1e12


def as_array(value: Any, name: str, *, dtype: type | np.dtype = np.complex128) -> np.ndarray:
    """Convert ``value`` to a NumPy array of ``dtype``, naming ``name`` in any error.

    Raises:
        InputError: the value is not numeric, or holds NaN or Inf.
    """
    try:
        arr = np.asarray(value)
    except Exception as exc:  # ragged lists etc.
        raise InputError(f"{name} is not an array: {exc}") from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise InputError(f"{name} must be numeric, got dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.complexfloating) and not np.issubdtype(np.dtype(dtype), np.complexfloating):
        if np.any(arr.imag != 0):
            raise InputError(f"{name} must be real, but it has non-zero imaginary parts")
        arr = arr.real
    arr = arr.astype(dtype, copy=False)
    check_finite(arr, name)
    return arr


def check_finite(arr: np.ndarray, name: str) -> None:
    """Raise :class:`InputError` naming ``name`` and the first bad entry if ``arr`` holds NaN or Inf."""
    bad = ~np.isfinite(arr)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        kind = "NaN" if np.isnan(arr[idx]) else "Inf"
        raise InputError(f"{name} contains {int(bad.sum())} non-finite value(s); first is {kind} at index {idx}")


def as_square_matrix(value: Any, name: str, *, dtype: type | np.dtype = np.complex128) -> np.ndarray:
    """A finite square matrix of ``dtype``; a clear error for anything else."""
    arr = as_array(value, name, dtype=dtype)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise InputError(f"{name} must be a square d×d matrix, got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise InputError(f"{name} is empty (0×0)")
    return arr


def same_shape(arrays: Mapping[str, np.ndarray]) -> tuple[int, ...]:
    """Check that all arrays share one shape and return it; the error lists every shape."""
    shapes = {k: tuple(v.shape) for k, v in arrays.items()}
    if len(set(shapes.values())) > 1:
        listed = ", ".join(f"{k} {s}" for k, s in shapes.items())
        raise InputError(f"shapes do not match: {listed}")
    return next(iter(shapes.values()))


def condition_number(a: np.ndarray) -> float:
    """2-norm condition number of the last two axes (``inf`` for exactly singular matrices); max over a batch."""
    s = np.linalg.svd(a, compute_uv=False)
    smax, smin = s[..., 0], s[..., -1]
    with np.errstate(divide="ignore", invalid="ignore"):
        cond = np.where(smin > 0, smax / np.where(smin > 0, smin, 1), np.inf)
    return float(np.max(cond))


def require_invertible(a: np.ndarray, name: str, *, max_cond: float = SINGULAR_COND, hint: str = "") -> float:
    """Return cond(a), or raise :class:`SingularMatrixError` if it exceeds ``max_cond``."""
    cond = condition_number(a)
    if not np.isfinite(cond) or cond > max_cond:
        raise SingularMatrixError(name, cond, hint)
    return cond


def positive_int(value: Any, name: str, *, minimum: int = 1, maximum: int | None = None) -> int:
    """An integer in ``[minimum, maximum]``; a clear :class:`ConfigError` otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ConfigError(f"{name} must be an integer, got {value!r}")
    value = int(value)
    if value < minimum:
        raise ConfigError(f"{name} must be ≥ {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ConfigError(f"{name} must be ≤ {maximum}, got {value}")
    return value


def int_range(values: Iterable[Any], name: str, *, minimum: int = 1) -> tuple[int, ...]:
    """A non-empty tuple of integers, each ≥ ``minimum``."""
    out = tuple(positive_int(v, name, minimum=minimum) for v in values)
    if not out:
        raise ConfigError(f"{name} is empty")
    return out


def choice(value: str, name: str, options: Iterable[str]) -> str:
    """``value`` if it is one of ``options``; the error lists the options."""
    options = tuple(options)
    if value not in options:
        raise ConfigError(f"unknown {name} {value!r}; choose one of: {', '.join(options)}")
    return value


def finite_float(value: Any, name: str, *, low: float | None = None, high: float | None = None,
                 low_open: bool = False) -> float:
    """A finite float, optionally within bounds; a clear :class:`ConfigError` otherwise."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number, got {value!r}") from None
    if not np.isfinite(x):
        raise ConfigError(f"{name} must be finite, got {x}")
    if low is not None and (x < low or (low_open and x == low)):
        raise ConfigError(f"{name} must be {'>' if low_open else '≥'} {low}, got {x}")
    if high is not None and x > high:
        raise ConfigError(f"{name} must be ≤ {high}, got {x}")
    return x


def _file_kind(path: Path) -> str:
    """A few words on what a file that is not an NPZ archive looks like (for the error message)."""
    try:
        head = path.read_bytes()[:512] if path.stat().st_size < 2**20 else path.open("rb").read(512)
    except OSError:
        return ""
    if head.startswith(b"\x93NUMPY"):
        return " (it is a single .npy array; write named arrays with numpy.savez)"
    if not head:
        return " (it is empty)"
    try:
        head.decode("utf-8")
        return " (it looks like a text file)"
    except UnicodeDecodeError:
        return ""


def read_npz(path: str | Path, what: str) -> dict[str, np.ndarray]:
    """Every array of an ``.npz`` file, with a clear error for anything that is not one.

    Args:
        path: the file.
        what: what the file must hold, for the messages (e.g. ``"it must hold arrays X (N × d) and Y"``).

    Raises:
        InputError: the file is missing, is not an NPZ archive (text, a single ``.npy``, empty), or holds pickled
            objects (never loaded).
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"input file {path} does not exist")
    if path.is_dir():
        raise InputError(f"{path} is a folder, not an .npz file; {what}")
    if not zipfile.is_zipfile(path):
        raise InputError(f"{path} is not an NPZ file (a zip archive of .npy arrays, as numpy.savez writes)"
                         f"{_file_kind(path)}; {what}")
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: np.asarray(data[k]) for k in data.files}
    except ValueError as exc:
        if "pickle" in str(exc):
            raise InputError(f"{path} holds object arrays (pickled Python objects), which depthlab does not "
                             f"load; save plain numeric arrays; {what}") from None
        raise InputError(f"cannot read {path} as an NPZ file: {exc}") from None
    except (OSError, zipfile.BadZipFile, EOFError) as exc:
        raise InputError(f"cannot read {path} as an NPZ file ({type(exc).__name__}: {exc}); {what}") from None


def load_npz(path: str | Path, required: Sequence[str], what: str) -> dict[str, np.ndarray]:
    """The arrays ``required`` from an ``.npz`` file (:func:`read_npz`); an error names any that are missing."""
    data = read_npz(path, what)
    missing = [k for k in required if k not in data]
    if missing:
        raise InputError(f"{path} lacks array(s) {', '.join(missing)}; {what} (found: {', '.join(data) or 'none'})")
    return {k: data[k] for k in required}
