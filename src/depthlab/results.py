"""Results on disk: atomic Parquet tables, JSON manifests, and resumable shard stores.

Every run writes its tables as Parquet and a ``manifest.json`` holding the configuration, seeds, package versions,
device, git SHA and start/end times. Every write is atomic (a temporary file in the same folder, then
:func:`os.replace`), so an interrupted run never leaves a half-written file behind. :class:`ShardStore` is the
resumable form: each unit of work writes one shard named by its content hash, a re-run skips finished shards, and
:meth:`ShardStore.collect` merges them without duplicates.
"""

from __future__ import annotations

import datetime as _dt
import functools
import importlib.metadata
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from depthlab.seeding import config_hash, to_jsonable

MANIFEST = "manifest.json"
_PACKAGES = ("depthlab", "torch", "numpy", "scipy", "mpmath", "pandas", "pyarrow", "matplotlib")


def now_iso() -> str:
    """Current UTC time in ISO 8601 with seconds."""
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (temporary file in the same folder, fsync, rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | Path, obj: Any) -> Path:
    """Write ``obj`` as indented JSON atomically (dataclasses, NumPy and complex values converted)."""
    return atomic_write_text(path, json.dumps(to_jsonable(obj), indent=2, sort_keys=True, default=str) + "\n")


def write_parquet(df: pd.DataFrame, path: str | Path) -> Path:
    """Write ``df`` to Parquet atomically. Complex columns are split into ``<col>_re`` and ``<col>_im``."""
    import io

    df = _split_complex(df)
    buf = io.BytesIO()
    df.to_parquet(buf, index=False)
    return atomic_write_bytes(path, buf.getvalue())


def _split_complex(df: pd.DataFrame) -> pd.DataFrame:
    cols = [c for c in df.columns if pd.api.types.is_complex_dtype(df[c])]
    if not cols:
        return df
    df = df.copy()
    for c in cols:
        pos = df.columns.get_loc(c)
        re, im = df[c].to_numpy().real, df[c].to_numpy().imag
        df = df.drop(columns=c)
        df.insert(pos, f"{c}_im", im)
        df.insert(pos, f"{c}_re", re)
    return df


@functools.cache
def package_versions() -> dict[str, str]:
    """Versions of Python and of depthlab's main dependencies (``"not installed"`` when missing)."""
    out = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


@functools.cache
def git_revision() -> dict[str, Any]:
    """The git SHA of the checkout depthlab runs from (and whether it has uncommitted changes), if any."""
    here = Path(__file__).resolve().parent
    try:
        sha = subprocess.run(["git", "-C", str(here), "rev-parse", "HEAD"], capture_output=True, text=True,
                             timeout=5, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(here), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=5, check=True).stdout.strip() != ""
    except (OSError, subprocess.SubprocessError):
        return {"sha": None, "dirty": None}
    return {"sha": sha, "dirty": dirty}


def environment(device: Any = None) -> dict[str, Any]:
    """What a manifest records about where a run happened."""
    from depthlab.device import describe_device, resolve_device

    dev = resolve_device(device) if device is not None else None
    return {
        "versions": package_versions(),
        "git": git_revision(),
        "device": describe_device(dev) if dev is not None else None,
        "host": socket.gethostname(),
        "platform": platform.platform(),
        "argv": list(sys.argv),
    }


@dataclass
class Run:
    """A run in progress: its folder, configuration and the tables written so far.

    Create it with :func:`recorded_run`; call :meth:`write_table` for each result table.
    """

    out_dir: Path
    config: Mapping[str, Any]
    seed: int | None
    device: Any = None
    started: str = field(default_factory=now_iso)
    tables: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def write_table(self, name: str, df: pd.DataFrame) -> Path:
        """Write ``df`` as ``<out_dir>/<name>.parquet`` (atomically) and list it in the manifest."""
        path = write_parquet(df, self.out_dir / f"{name}.parquet")
        self.tables[name] = path.name
        return path

    def manifest(self, status: str, error: str | None = None) -> dict[str, Any]:
        return {
            "status": status,
            "error": error,
            "config": to_jsonable(self.config),
            "config_hash": config_hash(self.config),
            "seed": self.seed,
            "started": self.started,
            "finished": now_iso(),
            "tables": self.tables,
            **environment(self.device),
            **self.extra,
        }


@contextmanager
def recorded_run(out_dir: str | Path, *, config: Mapping[str, Any], seed: int | None = None,
                 device: Any = None) -> Iterator[Run]:
    """Context manager for a run whose tables go to ``out_dir`` and whose manifest is written on exit.

    The manifest's ``status`` is ``"finished"``, or ``"failed"`` with the error message when the body raises
    (the exception still propagates).
    """
    run = Run(Path(out_dir), config=config, seed=seed, device=device)
    run.out_dir.mkdir(parents=True, exist_ok=True)
    try:
        yield run
    except BaseException as exc:
        atomic_write_json(run.out_dir / MANIFEST, run.manifest("failed", f"{type(exc).__name__}: {exc}"))
        raise
    atomic_write_json(run.out_dir / MANIFEST, run.manifest("finished"))


class ShardStore:
    """A folder of Parquet shards, one per unit of work, named by the unit's content key.

    Writing a shard is atomic, so a shard is either complete or absent; :meth:`has` tells a re-run what to skip.
    :meth:`collect` concatenates shards in key order, so the merged table never holds a unit twice.

    Layout: ``<root>/shards/<key>.parquet`` and ``<root>/shards/<key>.json`` (the unit's config).
    """

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.shard_dir = self.root / "shards"

    def path(self, key: str) -> Path:
        return self.shard_dir / f"{key}.parquet"

    def has(self, key: str) -> bool:
        return self.path(key).exists()

    def keys(self) -> list[str]:
        if not self.shard_dir.exists():
            return []
        return sorted(p.stem for p in self.shard_dir.glob("*.parquet"))

    def write(self, key: str, df: pd.DataFrame, config: Mapping[str, Any] | None = None) -> Path:
        """Write one finished unit. The config sidecar is written first, the shard last (it marks completion)."""
        if config is not None:
            atomic_write_json(self.shard_dir / f"{key}.json", config)
        return write_parquet(df.assign(shard=key), self.path(key))

    def read(self, key: str) -> pd.DataFrame:
        return pd.read_parquet(self.path(key))

    def collect(self) -> pd.DataFrame:
        """All shards as one table (empty if none), in key order."""
        frames = [self.read(k) for k in self.keys()]
        frames = [f for f in frames if len(f)]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
