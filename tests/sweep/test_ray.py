"""The Ray executor against a real local Ray cluster started here (one per module: start-up takes seconds)."""

from __future__ import annotations

import time

import pandas as pd
import pytest

from depthlab.sweep import collect, run_sweep, sweep_status
from depthlab.sweep.executors import ClusterError, make_executor

ray = pytest.importorskip("ray", reason="ray is not installed (pip install 'depthlab[ray]')")


def test_unreachable_cluster_is_a_clear_error(small_spec, tmp_path):
    """Runs before the module's cluster starts (an open session would be reused instead of the address)."""
    assert not ray.is_initialized()
    t0 = time.monotonic()
    with pytest.raises(ClusterError, match=r"cannot reach the Ray cluster at '127\.0\.0\.1:9'"):
        run_sweep(small_spec, tmp_path, make_executor("ray", address="127.0.0.1:9"), progress=False)
    assert time.monotonic() - t0 < 30


@pytest.fixture(scope="module")
def ray_cluster():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def test_ray_results_equal_local(ray_cluster, small_spec, reference_table, tmp_path):
    report = run_sweep(small_spec, tmp_path, make_executor("ray"), progress=False)
    assert report.ok and report.ran == 4
    assert report.executor["cluster_resources"]["CPU"] == 2.0
    assert ray.is_initialized()  # a session it did not start is left open
    assert sweep_status(tmp_path)["complete"]
    pd.testing.assert_frame_equal(collect(tmp_path)[1], reference_table)


def test_ray_resume_skips_finished_jobs(ray_cluster, small_spec, reference_table, tmp_path):
    run_sweep(small_spec, tmp_path, "local", progress=False)
    shard = next((tmp_path / "shards").glob("*.parquet"))
    shard.unlink()  # as if that job had been killed
    report = run_sweep(small_spec, tmp_path, make_executor("ray"), progress=False)
    assert (report.ran, report.skipped) == (1, 3)
    pd.testing.assert_frame_equal(collect(tmp_path)[1], reference_table)
