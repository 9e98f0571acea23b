"""Content hashes and reproducible seeds.

A configuration (any JSON-able mapping or dataclass) has a stable content hash. Seeds derive from
``(key, index...)`` through :class:`numpy.random.SeedSequence`, so a model's data and initialisation depend only
on its configuration and its index, never on how models were packed into batches or chunks.

Hashing and NumPy seeds do not import torch (so torch-free tools, e.g. ``depthlab capacity verify``, can use
them); the torch helpers import it when called.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import torch


def to_jsonable(obj: Any) -> Any:
    """Recursively convert dataclasses, enums, NumPy scalars/arrays, complex numbers and paths to JSON types.

    Complex numbers become ``[re, im]`` pairs; non-finite floats stay floats (``json`` writes them as NaN/Infinity
    only if asked; :func:`canonical_json` forbids them).
    """
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, enum.Enum):
        return to_jsonable(obj.value)
    if isinstance(obj, Mapping):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset):
        items = sorted(obj, key=repr) if isinstance(obj, set | frozenset) else obj
        return [to_jsonable(v) for v in items]
    th = sys.modules.get("torch")  # torch objects can exist only once torch is imported
    if isinstance(obj, np.ndarray) or (th is not None and isinstance(obj, th.Tensor)):
        return to_jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        return to_jsonable(obj.item())
    if isinstance(obj, complex):
        return [obj.real, obj.imag]
    if isinstance(obj, Path):
        return str(obj)
    if th is not None and isinstance(obj, th.device | th.dtype):
        return str(obj)
    return obj


def canonical_json(obj: Any) -> str:
    """Deterministic JSON (sorted keys, no spaces) of :func:`to_jsonable` ``(obj)``."""
    return json.dumps(to_jsonable(obj), sort_keys=True, separators=(",", ":"), allow_nan=False)


def config_hash(obj: Any, length: int = 16) -> str:
    """Stable hexadecimal content hash of a configuration (``length`` hex digits of SHA-256)."""
    return hashlib.sha256(canonical_json(obj).encode()).hexdigest()[:length]


def seed_sequence(key: str | int, *index: int) -> np.random.SeedSequence:
    """The seed sequence of item ``index`` under ``key`` (a config hash, a name or an int seed)."""
    if isinstance(key, str):
        entropy = int(hashlib.sha256(key.encode()).hexdigest()[:32], 16)
    else:
        entropy = int(key)
    return np.random.SeedSequence(entropy=entropy, spawn_key=tuple(int(i) for i in index))


def numpy_rng(key: str | int, *index: int) -> np.random.Generator:
    """A NumPy generator for item ``index`` under ``key``."""
    return np.random.default_rng(seed_sequence(key, *index))


def torch_seed(key: str | int, *index: int) -> int:
    """A 63-bit integer seed for :class:`torch.Generator`, derived like :func:`seed_sequence`."""
    return int(seed_sequence(key, *index).generate_state(2, dtype=np.uint32).view(np.uint64)[0] >> np.uint64(1))


def torch_generator(key: str | int, *index: int, device: torch.device | str = "cpu") -> torch.Generator:
    """A seeded :class:`torch.Generator` on ``device`` for item ``index`` under ``key``."""
    import torch

    gen = torch.Generator(device=device)
    gen.manual_seed(torch_seed(key, *index))
    return gen


def stacked_normal(key: str | int, indices: Any, shape: tuple[int, ...], *, complex_: bool = False,
                   device: torch.device | str = "cpu") -> torch.Tensor:
    """Standard normal draws, one independent stream per index: a tensor ``(len(indices), *shape)``.

    Slice ``m`` depends only on ``(key, *indices[m])``, never on which other indices are drawn with it, so results
    do not depend on how models are packed or chunked. ``complex_`` gives CN(0, 1) (real and imaginary parts
    N(0, 1/2)). Each index is a tuple of ints (or an int).
    """
    import torch

    n = int(np.prod(shape)) if shape else 1
    out = np.empty((len(indices), n * (2 if complex_ else 1)))
    for m, idx in enumerate(indices):
        idx = (idx,) if isinstance(idx, int | np.integer) else tuple(idx)
        out[m] = numpy_rng(key, *idx).standard_normal(out.shape[1])
    t = torch.from_numpy(out)
    if complex_:
        t = torch.complex(t[:, :n], t[:, n:]) / np.sqrt(2.0)
    return t.reshape(len(indices), *shape).to(device)
