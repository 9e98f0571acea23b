"""The local executor: run, resume, status, retries, collect; the toy and matexp-depth sweepables (the capacity
sweepable is tested with its study, tests/capacity/test_sweep.py)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from depthlab.errors import ConfigError
from depthlab.matexp.depth import DepthTableConfig, run_cell
from depthlab.seeding import config_hash
from depthlab.sweep import Sweepable, collect, expand, register, run_sweep, spec_from_mapping, sweep_status
from depthlab.sweep.executors import make_executor
from depthlab.sweep.registry import sweepable_names


def _flaky_run(configs, device):
    """Fails the first time each job runs (a flag file per job), succeeds after."""
    flag = Path(configs[0]["flag_dir"]) / config_hash([c["x"] for c in configs])
    if not flag.exists():
        flag.touch()
        raise RuntimeError("transient failure")
    return pd.DataFrame({"x": [c["x"] for c in configs], "y": [c["x"] ** 2 for c in configs]})


def _bad_rows(configs, device):
    return pd.DataFrame({"x": [1]})


register(Sweepable("flaky-test", _flaky_run, lambda c: 0, {"x": 0, "flag_dir": ""}, max_trials_per_job=2))
register(Sweepable("badrows-test", _bad_rows, lambda c: 0, {"x": 0}))


def test_run_resume_status_collect(small_spec, tmp_path):
    first = run_sweep(small_spec, tmp_path, "local", progress=False)
    assert first.ok and (first.ran, first.skipped, first.jobs, first.trials) == (4, 0, 4, 6)
    again = run_sweep(small_spec, tmp_path, "local", progress=False)
    assert (again.ran, again.skipped) == (0, 4)
    st = sweep_status(tmp_path)
    assert st["complete"] and st["counts"]["done"] == 4 and st["trial_counts"]["done"] == 6
    path, table = collect(tmp_path)
    assert path == tmp_path / "results.parquet" and len(table) == 6 and table["trial"].is_unique
    assert set(table["trial"]) == {t.key for t in expand(small_spec)}
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["status"] == "finished" and manifest["sweep"]["complete"]
    assert manifest["sweep"]["duplicate_rows_dropped"] == 0 and manifest["config"]["study"] == "toy"
    pd.testing.assert_frame_equal(pd.read_parquet(path), table)


def test_toy_estimates_match_the_exact_lyapunov_exponent(reference_table):
    """Each estimate is a mean of `steps` i.i.d. terms with the exact mean λ₁ (Newman 1986): |z| < 5."""
    z = (reference_table["lyapunov"] - reference_table["lyapunov_theory"]) / reference_table["stderr"]
    assert np.all(np.abs(z) < 5), z.tolist()


def test_results_do_not_depend_on_packing(small_spec, reference_table, tmp_path):
    one_per_job = spec_from_mapping({**small_spec.to_dict(), "max_trials_per_job": 1, "name": None,
                                     "slurm": {}, "ray": {}})
    run_sweep(one_per_job, tmp_path, "local", progress=False)
    table = collect(tmp_path)[1]
    cols = ["trial", "width", "seed", "lyapunov"]
    a = reference_table[cols].sort_values("trial").reset_index(drop=True)
    b = table[cols].sort_values("trial").reset_index(drop=True)
    # same trial, other companions in the stacked job: float64 batched matvecs agree to rounding
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12)


def test_failed_job_is_retried_without_duplicates(tmp_path):
    spec = spec_from_mapping({"study": "flaky-test", "params": {"flag_dir": str(tmp_path)},
                              "grid": {"x": [1, 2, 3]}})
    report = run_sweep(spec, tmp_path / "out", "local", retries=1, progress=False)
    assert report.ok and report.ran == 2
    markers = [json.loads(p.read_text()) for p in (tmp_path / "out" / "state").glob("*.json")]
    assert sorted(m["attempts"] for m in markers) == [2, 2]
    table = collect(tmp_path / "out")[1]
    assert sorted(table["x"]) == [1, 2, 3] and table["trial"].is_unique


def test_failed_job_shows_in_status_and_next_run_retries_it(tmp_path):
    spec = spec_from_mapping({"study": "flaky-test", "params": {"flag_dir": str(tmp_path)},
                              "grid": {"x": [5]}})
    report = run_sweep(spec, tmp_path / "out", "local", retries=0, progress=False)
    assert not report.ok and "transient failure" in next(iter(report.failed.values()))
    st = sweep_status(tmp_path / "out")
    assert st["counts"]["failed"] == 1 and "transient failure" in st["failed"][0]["error"]
    with pytest.raises(ConfigError, match="not complete"):
        collect(tmp_path / "out")
    assert len(collect(tmp_path / "out", partial=True)[1]) == 0
    assert run_sweep(spec, tmp_path / "out", "local", retries=0, progress=False).ok
    assert sweep_status(tmp_path / "out")["complete"]
    assert collect(tmp_path / "out")[1]["y"].tolist() == [25]


def test_bad_rows_from_a_study_fail_the_job_clearly(tmp_path):
    spec = spec_from_mapping({"study": "badrows-test", "grid": {"x": [1, 2]}})
    report = run_sweep(spec, tmp_path, "local", retries=0, progress=False)
    assert "returned 1 rows for 2 trials" in next(iter(report.failed.values()))


def test_a_folder_holds_one_sweep(small_spec, tmp_path):
    run_sweep(small_spec, tmp_path, "local", progress=False)
    other = spec_from_mapping({"study": "toy", "grid": {"seed": [9]}})
    with pytest.raises(ConfigError, match="already holds a different sweep"):
        run_sweep(other, tmp_path, "local", progress=False)


def test_registry_lists_builtins_and_rejects_overrides():
    assert {"toy", "matexp", "capacity"} <= set(sweepable_names())
    assert "matexp-depth" in sweepable_names(aliases=True)  # the older spelling still loads
    with pytest.raises(ConfigError, match="built in"):
        register(Sweepable("toy", _bad_rows, lambda c: 0, {}))
    with pytest.raises(ConfigError, match="unknown --executor"):
        make_executor("dask")


def test_matexp_depth_packed_cells_match_run_cell(tmp_path):
    """Two seeds of one (L, d, n) shape run as one stacked LM job and give run_cell's rows for each seed.

    Every solver step acts per model, so only batched LAPACK rounding can differ: residuals agree to 1e-8
    relative (they are ~1e-14 when solved), the discrete columns exactly.
    """
    params = {"instances": 2, "restarts": 3, "max_iter": 25}
    spec = spec_from_mapping({"study": "matexp-depth", "params": params, "device": "cpu",
                              "grid": {"depth": [2], "d": [2], "n": [2], "seed": [0, 1]}})
    report = run_sweep(spec, tmp_path, "local", progress=False)
    assert report.ok and report.jobs == 1
    table = collect(tmp_path)[1]
    for seed in (0, 1):
        ref = run_cell(DepthTableConfig(seed=seed, **params), 2, 2, 2, torch.device("cpu"))
        got = table[table["seed"] == seed].reset_index(drop=True)
        for col in ("instance", "solved", "restarts_solved", "unknowns", "equations"):
            assert got[col].tolist() == ref[col].tolist(), col
        np.testing.assert_allclose(got["best_residual"], ref["best_residual"], rtol=1e-8, atol=1e-13)


def test_worker_pool_gives_the_same_table(small_spec, reference_table, tmp_path):
    report = run_sweep(small_spec, tmp_path, make_executor("local", workers=2), progress=False)
    assert report.ok and report.executor["workers"] == 2
    pd.testing.assert_frame_equal(collect(tmp_path)[1], reference_table)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_jobs_agree_with_cpu(small_spec, reference_table, tmp_path):
    """The same trials on CUDA (float64): agreement to rounding of the log-norm sums (1e-10 relative)."""
    report = run_sweep(small_spec, tmp_path, "local", device="cuda", progress=False)
    assert report.ok
    got = collect(tmp_path)[1]
    np.testing.assert_allclose(got["lyapunov"], reference_table["lyapunov"], rtol=1e-10)
