"""The Slurm executor through submitit's local mode (array tasks as subprocesses on this machine)."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from depthlab.sweep import collect, run_sweep, spec_from_mapping, sweep_status
from depthlab.sweep.executors import ClusterError, make_executor

pytest.importorskip("submitit", reason="submitit is not installed (pip install 'depthlab[slurm]')")

#: 2 jobs: each array task is a fresh Python process (importing torch takes seconds on 2 cores).
SPEC = {"study": "toy", "params": {"steps": 50}, "grid": {"width": [3, 5], "seed": [0, 1, 2]},
        "max_trials_per_job": 3}


def test_slurm_local_results_equal_local(tmp_path):
    spec = spec_from_mapping(SPEC)
    run_sweep(spec, tmp_path / "local", "local", progress=False)
    report = run_sweep(spec, tmp_path / "slurm", make_executor("slurm", options={"cluster": "local"}),
                       progress=False)
    assert report.ok and report.ran == 2
    st = sweep_status(tmp_path / "slurm")
    assert st["complete"] and st["counts"]["done"] == 2
    assert list((tmp_path / "slurm" / "slurm").iterdir())  # submitit's job folders (logs, pickles)
    pd.testing.assert_frame_equal(collect(tmp_path / "slurm")[1], collect(tmp_path / "local")[1])


@pytest.mark.skipif(shutil.which("sbatch") is not None, reason="this machine has Slurm")
def test_no_sbatch_is_a_clear_error(tmp_path):
    with pytest.raises(ClusterError, match=r"needs Slurm's sbatch on PATH.*cluster=local"):
        run_sweep(spec_from_mapping(SPEC), tmp_path, make_executor("slurm"), progress=False)
