"""The capacity sweepable (depthlab.capacity.sweep): each trial's rows are run_point's rows for its (cell, N),
whatever job it was packed in, on the real engine (tiny cells)."""

from __future__ import annotations

import os

import numpy as np

from depthlab.capacity.config import CellConfig
from depthlab.capacity.success import run_point
from depthlab.capacity.sweep import SWEEPABLE, cell_of, pack_key
from depthlab.sweep import collect, get_sweepable, run_sweep, spec_from_mapping

os.environ.setdefault("DEPTHLAB_PROGRESS", "0")


def test_registered_under_the_study_name() -> None:
    assert get_sweepable("capacity") is SWEEPABLE


def test_seed_does_not_change_the_pack_key() -> None:
    base = {**SWEEPABLE.defaults, "n_points": 5}
    assert pack_key(base) == pack_key({**base, "seed": 7})
    assert pack_key(base) != pack_key({**base, "n_points": 6})


def test_capacity_trials_match_run_point(tmp_path) -> None:
    params = {"width": 2, "depth": 2, "trials": 2, "restarts": 2, "max_steps": 30}
    spec = spec_from_mapping({"study": "capacity", "params": params, "device": "cpu",
                              "grid": {"n_points": [2, 3], "seed": [0, 1]}})
    report = run_sweep(spec, tmp_path, "local", progress=False)
    assert report.ok and report.jobs == 2 and report.trials == 4
    table = collect(tmp_path)[1]
    assert len(table) == 4 * 2 * 2
    for seed in (0, 1):
        for n in (2, 3):
            ref = run_point(CellConfig(seed=seed, **params), n, "cpu")
            got = table[(table["seed"] == seed) & (table["n_points"] == n)].reset_index(drop=True)
            assert got["dataset"].tolist() == ref["trial"].tolist()
            np.testing.assert_array_equal(got["residual"], ref["residual"])
            assert got["success"].tolist() == ref["success"].tolist()


def test_method_gain_and_budget_reach_the_cell_and_the_pack_key() -> None:
    base = {**SWEEPABLE.defaults, "n_points": 5}
    for field, value in (("method", "points"), ("init_gain", 0.5), ("lm_steps", 50), ("lm_patience", 7)):
        other = {**base, field: value}
        assert pack_key(base) != pack_key(other)
        assert getattr(cell_of(other), field) == value
    assert pack_key({**base, "method": "points"}) == pack_key({**base, "method": "points", "seed": 3})


def test_spec_with_method_points_runs_that_method(tmp_path) -> None:
    params = {"width": 2, "depth": 2, "trials": 2, "restarts": 1, "max_steps": 30, "method": "points"}
    spec = spec_from_mapping({"study": "capacity", "params": params, "device": "cpu",
                              "grid": {"n_points": [3]}})
    report = run_sweep(spec, tmp_path, "local", progress=False)
    assert report.ok and report.trials == 1
    table = collect(tmp_path)[1]
    assert set(table["fit_method"]) == {"points"}
    ref = run_point(CellConfig(**params), 3, "cpu")
    np.testing.assert_array_equal(table["residual"].to_numpy(), ref["residual"].to_numpy())
