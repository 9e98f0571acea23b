"""kill -9 in the middle of a local sweep, re-run, and check that no row is lost or duplicated."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from depthlab.sweep import collect, expand, load_spec, run_sweep, spec_from_mapping, sweep_status

#: 12 one-trial jobs of a few tenths of a second each.
SPEC = {"study": "toy", "params": {"steps": 1500, "width": 48}, "grid": {"seed": list(range(12))},
        "max_trials_per_job": 1}
TOML = """study = "toy"
max_trials_per_job = 1
[params]
steps = 1500
width = 48
[grid]
seed = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
"""


def test_kill_9_then_rerun_loses_and_duplicates_nothing(tmp_path):
    out = tmp_path / "sweep"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[2] / "src"),
                                                        os.environ.get("PYTHONPATH", "")])}
    spec_file = tmp_path / "grid.toml"
    spec_file.write_text(TOML)
    assert load_spec(spec_file) == spec_from_mapping(SPEC)
    # the real command: python -m depthlab sweep run grid.toml --out ... (local executor, in one process)
    proc = subprocess.Popen([sys.executable, "-m", "depthlab", "sweep", "run", str(spec_file), "--out", str(out)],
                            env=env, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while len(list((out / "shards").glob("*.parquet"))) < 3:
            assert proc.poll() is None, "driver exited before it could be killed"
            assert time.monotonic() < deadline, "driver made no progress"
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    st = sweep_status(out)
    done_before = st["counts"]["done"]
    assert 3 <= done_before < 12, st
    assert st["counts"]["running"] == 0  # the killed driver's job is reported as interrupted, not running
    assert st["counts"]["interrupted"] + st["counts"]["pending"] == 12 - done_before
    # a write cut short leaves at most a hidden .tmp file, never a partial shard
    assert all(p.suffix == ".tmp" for p in (out / "shards").glob(".*"))

    report = run_sweep(spec_from_mapping(SPEC), out, "local", progress=False)
    assert report.ok and report.skipped == done_before and report.ran == 12 - done_before
    table = collect(out)[1]
    assert len(table) == 12 and table["trial"].is_unique
    assert set(table["trial"]) == {t.key for t in expand(spec_from_mapping(SPEC))}

    # the resumed table equals an uninterrupted run, value for value
    clean = tmp_path / "clean"
    run_sweep(spec_from_mapping(SPEC), clean, "local", progress=False)
    pd.testing.assert_frame_equal(table, collect(clean)[1])
