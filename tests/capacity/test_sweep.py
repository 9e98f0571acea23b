"""The capacity sweepable (depthlab.capacity.sweep): each trial's rows are run_point's rows for its (cell, N),
whatever job it was packed in, on the real engine (tiny cells)."""

from __future__ import annotations

import os

import numpy as np

from depthlab.capacity.config import CellConfig
from depthlab.capacity.success import run_point
from depthlab.capacity.sweep import SWEEPABLE, pack_key
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
