"""The angles sweepable: a trial's rows are the per-layer statistics of the direct simulator call."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from depthlab.angles.markov import simulate_markov
from depthlab.angles.montecarlo import simulate_full
from depthlab.angles.sweep import DEFAULTS, cell_rows
from depthlab.sweep import collect, run_sweep, spec_from_mapping
from depthlab.sweep.registry import sweepable_names


def test_sweep_rows_equal_the_direct_call(tmp_path):
    params = {"depth": 4, "width": 32, "networks": 128, "theta0": 0.3}
    spec = spec_from_mapping({"study": "angles", "params": params, "device": "cpu", "max_trials_per_job": 3,
                              "grid": {"method": ["markov", "full"], "seed": [0, 1], "activation": ["relu", "tanh"]}})
    report = run_sweep(spec, tmp_path / "sweep", "local", progress=False)
    assert report.ok and report.trials == 8
    swept = collect(tmp_path / "sweep")[1]
    for (method, seed, act), got in swept.groupby(["method", "seed", "activation"]):
        sim = simulate_markov if method == "markov" else simulate_full
        run = sim(0.3, [32] * 4, 128, seed=int(seed), activation=act)
        want = cell_rows({**DEFAULTS, **params, "method": method, "seed": seed, "activation": act}, run)
        got = got.sort_values("layer").reset_index(drop=True)[list(want.columns)]
        pd.testing.assert_frame_equal(got, want, check_dtype=False)
        np.testing.assert_allclose(got["mean_log_sin2"], run.mean_log_sin2(), rtol=0, atol=0)
        assert got["alg1_mean"].isna().all() == (act != "relu")


def test_angles_is_registered_and_validates():
    assert "angles" in sweepable_names()
    from depthlab.errors import DepthlabError
    from depthlab.sweep.spec import expand

    with pytest.raises(DepthlabError, match="width"):
        expand(spec_from_mapping({"study": "angles", "params": {"width": 1}}))
    with pytest.raises(DepthlabError, match="method"):
        expand(spec_from_mapping({"study": "angles", "params": {"method": "exact"}}))
