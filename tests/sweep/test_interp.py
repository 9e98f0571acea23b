"""The interp sweepable: its trials give exactly the rows of the study's constructions table, however packed."""

from __future__ import annotations

import pandas as pd
import pytest
import torch

from depthlab.errors import ConfigError
from depthlab.interp.experiment import construction_sweep
from depthlab.interp.sweep import SWEEPABLE
from depthlab.sweep import collect, run_sweep, spec_from_mapping
from depthlab.sweep.registry import get_sweepable, sweepable_names
from depthlab.sweep.spec import expand

NAMES = ["triangular", "grouped", "classifier"]


def test_sweep_rows_equal_the_constructions_table(tmp_path) -> None:
    spec = spec_from_mapping({"study": "interp", "params": {"d": 2}, "device": "cpu", "max_trials_per_job": 2,
                              "grid": {"construction": NAMES, "N": [30], "seed": [0, 3]}})
    report = run_sweep(spec, tmp_path / "sweep", "local", progress=False)
    assert report.ok and report.trials == 6
    swept = collect(tmp_path / "sweep")[1]
    direct = pd.concat([construction_sweep([(30, 2)], seed, names=NAMES).assign(seed=seed) for seed in (0, 3)])
    cols = [c for c in direct.columns if c != "seconds"]
    key = ["seed", "construction"]
    pd.testing.assert_frame_equal(swept[cols].sort_values(key).reset_index(drop=True),
                                  direct[cols].sort_values(key).reset_index(drop=True), check_dtype=False)


def test_packing_does_not_change_a_trial() -> None:
    a = {"construction": "windowed", "N": 50, "d": 3, "outputs": 2, "seed": 1}
    b = {**a, "construction": "two-sided", "seed": 4}
    alone = SWEEPABLE.run_job([a], torch.device("cpu")).drop(columns=["seconds", "trial_index"])
    packed = SWEEPABLE.run_job([b, a], torch.device("cpu")).drop(columns=["seconds", "trial_index"])
    pd.testing.assert_frame_equal(packed.iloc[[1]].reset_index(drop=True), alone)
    assert SWEEPABLE.pack_key(a) != SWEEPABLE.pack_key({**a, "N": 51})


def test_registered_and_validated() -> None:
    assert "interp" in sweepable_names() and get_sweepable("interp") is SWEEPABLE
    with pytest.raises(ConfigError, match="unknown construction"):
        expand(spec_from_mapping({"study": "interp", "grid": {"construction": ["magic"]}}))
    with pytest.raises(ConfigError, match="N must be"):
        expand(spec_from_mapping({"study": "interp", "grid": {"N": [0]}}))
