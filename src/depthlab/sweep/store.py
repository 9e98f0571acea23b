"""A sweep's folder: shards of finished jobs, small state markers, the plan, and the collected table.

Layout of ``<out>``::

    sweep.json                 the spec and the job plan (job key -> trial keys), written at the start of a
    run shards/<job>.parquet       a finished job's rows (atomic; its presence means "done")
    shards/<job>.json          the job's trial configs
    state/<job>.json           marker: running / failed (attempts, host, pid, executor, error, times)
    results.parquet            after ``depthlab sweep collect``, with manifest.json

Every file is written atomically (:mod:`depthlab.results`), so a killed run leaves each job either done (a
complete shard) or not done; a job whose marker says ``running`` but whose process is gone is reported as
``interrupted`` and re-run by the next ``sweep run``. Rows are only ever written as a whole job's shard under
the job's content key, so a retried job replaces nothing and duplicates nothing.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from depthlab.errors import ConfigError
from depthlab.results import ShardStore, atomic_write_json, now_iso

PLAN = "sweep.json"
STATES = ("done", "running", "interrupted", "failed", "pending")


@dataclass(frozen=True)
class JobState:
    """What ``sweep status`` knows about one job."""

    key: str
    state: str
    attempts: int = 0
    error: str | None = None
    host: str | None = None
    updated: str | None = None


class SweepStore(ShardStore):
    """A :class:`~depthlab.results.ShardStore` with per-job state markers and the sweep's plan."""

    def __init__(self, root: str | Path) -> None:
        super().__init__(root)
        self.state_dir = self.root / "state"

    # ---- plan
    # -------------------------------------------------------------------------------------------------
    def write_plan(self, plan: Mapping[str, Any]) -> None:
        existing = self.read_plan(missing_ok=True)
        if existing is not None and existing.get("spec_key") != plan.get("spec_key"):
            raise ConfigError(f"{self.root} already holds a different sweep (spec "
                              f"{existing.get('spec_key')}, "
                              f"study {existing.get('spec', {}).get('study')!r}); use another --out folder")
        atomic_write_json(self.root / PLAN, plan)

    def read_plan(self, *, missing_ok: bool = False) -> dict[str, Any] | None:
        path = self.root / PLAN
        if not path.exists():
            if missing_ok:
                return None
            raise ConfigError(f"{self.root} is not a sweep folder (no {PLAN}); run 'depthlab sweep run' "
                              "first")
        return json.loads(path.read_text())

    # ---- markers
    # ----------------------------------------------------------------------------------------------
    def marker_path(self, key: str) -> Path:
        return self.state_dir / f"{key}.json"

    def read_marker(self, key: str) -> dict[str, Any] | None:
        try:
            return json.loads(self.marker_path(key).read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return None

    def mark(self, key: str, state: str, **info: Any) -> None:
        """Write a job's marker (``running`` or ``failed``); attempts count the times it was started."""
        old = self.read_marker(key) or {}
        attempts = int(old.get("attempts", 0)) + (1 if state == "running" else 0)
        atomic_write_json(self.marker_path(key), {
            "state": state, "attempts": attempts, "host": socket.gethostname(), "pid": os.getpid(),
            "updated": now_iso(), **info})

    def clear_marker(self, key: str) -> None:
        self.marker_path(key).unlink(missing_ok=True)

    def job_state(self, key: str) -> JobState:
        marker = self.read_marker(key) or {}
        if self.has(key):
            return JobState(key, "done", int(marker.get("attempts", 0)), None, marker.get("host"),
                            marker.get("updated"))
        if not marker:
            return JobState(key, "pending")
        state = marker.get("state", "pending")
        if state == "running" and not _alive(marker):
            state = "interrupted"
        return JobState(key, state, int(marker.get("attempts", 0)), marker.get("error"), marker.get("host"),
                        marker.get("updated"))

    def status(self) -> dict[str, Any]:
        """Counts of done / running / interrupted / failed / pending jobs and the failed jobs' errors."""
        plan = self.read_plan()
        states = [self.job_state(k) for k in plan["jobs"]]
        counts = {s: sum(j.state == s for j in states) for s in STATES}
        trials = {s: sum(len(plan["jobs"][j.key]) for j in states if j.state == s) for s in STATES}
        return {"out": str(self.root), "study": plan["spec"]["study"], "jobs": len(states),
                "trials": sum(len(v) for v in plan["jobs"].values()), "counts": counts,
                "trial_counts": trials,
                "failed": [{"job": j.key, "attempts": j.attempts, "error": j.error} for j in states
                           if j.state == "failed"],
                "complete": counts["done"] == len(states)}


def _alive(marker: Mapping[str, Any]) -> bool:
    """Whether the process that wrote a ``running`` marker may still be running.

    Only a marker from this host can be checked (its pid); markers from other hosts (Slurm nodes, Ray workers)
    are trusted.
    """
    if marker.get("host") != socket.gethostname() or "pid" not in marker:
        return True
    try:
        os.kill(int(marker["pid"]), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
