"""The Slurm executor through submitit's local mode (array tasks as subprocesses on this machine)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

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


def test_no_sbatch_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr("depthlab.sweep.executors.slurm_executor.shutil.which", lambda name: None)
    with pytest.raises(ClusterError, match=r"needs Slurm's sbatch on PATH.*cluster=local"):
        run_sweep(spec_from_mapping(SPEC), tmp_path, make_executor("slurm"), progress=False)


@pytest.fixture(scope="module")
def real_slurm(tmp_path_factory):
    """A single-node Slurm from Debian's packages, started for these tests."""
    path = Path(__file__).with_name("slurm_cluster.py")
    spec = importlib.util.spec_from_file_location("depthlab_test_slurm_cluster", path)
    slurm_cluster = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = slurm_cluster
    spec.loader.exec_module(slurm_cluster)
    why = slurm_cluster.missing()
    if why:
        pytest.skip(f"no real Slurm test: {why}")
    cluster = slurm_cluster.start(tmp_path_factory.mktemp("slurm-cluster"))
    yield cluster
    slurm_cluster.stop(cluster)


def test_real_slurm_job_array_results_equal_local(real_slurm, tmp_path, monkeypatch):
    """sbatch, a job array and submitit's result files on a real (single-node) Slurm controller."""
    monkeypatch.setenv("SLURM_CONF", real_slurm.env["SLURM_CONF"])
    spec = spec_from_mapping(SPEC)
    run_sweep(spec, tmp_path / "local", "local", progress=False)
    report = run_sweep(spec, tmp_path / "slurm", make_executor("slurm", options={"timeout_min": 5}),
                       progress=False)
    assert report.ok and report.ran == 2, report.failed
    assert report.executor["cluster"] == "slurm"
    assert list((tmp_path / "slurm" / "slurm").rglob("*_submission.sh"))  # went through sbatch
    pd.testing.assert_frame_equal(collect(tmp_path / "slurm")[1], collect(tmp_path / "local")[1])
