"""The committee sweepable: its trials give exactly the rows `depthlab committee run` writes for each cell."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from depthlab.cli import app as depthlab_app
from depthlab.errors import ConfigError
from depthlab.results import ShardStore
from depthlab.sweep import collect, run_sweep, spec_from_mapping
from depthlab.sweep.registry import sweepable_names

COLUMNS = ["K", "N", "alpha", "P", "instance", "solved", "restarts_solved", "errors_min", "algorithm"]


@pytest.mark.parametrize(("activation", "algorithm", "Ks", "N", "alphas"), [
    ("relu", "adam", [2, 4], 16, [0.5, 2.0]),
    ("sign", "least-action", [1, 3], 15, [0.5, 3.0]),
])
def test_sweep_rows_equal_committee_run_rows(tmp_path, activation, algorithm, Ks, N, alphas):
    params = {"activation": activation, "algorithm": algorithm, "instances": 4, "restarts": 2, "steps": 60}
    spec = spec_from_mapping({"study": "committee", "params": params, "device": "cpu",
                              "grid": {"K": Ks, "N": [N], "alpha": alphas}})
    report = run_sweep(spec, tmp_path / "sweep", "local", progress=False)
    assert report.ok and report.trials == len(Ks) * len(alphas)
    swept = collect(tmp_path / "sweep")[1]

    args = ["committee", "run", "--activation", activation, "--algorithm", algorithm, "--N", str(N),
            "--alpha-min", str(alphas[0]), "--alpha-max", str(alphas[1]), "--alpha-step",
            str(alphas[1] - alphas[0]), "--instances", "4", "--restarts", "2", "--steps", "60", "--device", "cpu",
            "--out", str(tmp_path / "run"), "--json"]
    for K in Ks:
        args += ["--K", str(K)]
    res = CliRunner().invoke(depthlab_app, args)
    assert res.exit_code == 0, res.output
    assert json.loads(res.output.strip().splitlines()[-1])["cells"] == len(Ks) * len(alphas)
    ran = ShardStore(tmp_path / "run").collect()
    key = ["K", "alpha", "instance"]
    a = swept[COLUMNS].sort_values(key).reset_index(drop=True)
    b = ran[COLUMNS].sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b, check_dtype=False)
    np.testing.assert_array_equal(swept.sort_values(key)["steps"].to_numpy(),
                                  ran.sort_values(key)["steps"].to_numpy())


def test_committee_is_registered_and_validates():
    assert "committee" in sweepable_names()
    from depthlab.sweep.spec import expand

    with pytest.raises(ConfigError, match="odd K"):
        expand(spec_from_mapping({"study": "committee", "params": {"activation": "sign"}, "grid": {"K": [4]}}))


def test_example_full_spec_expands():
    from pathlib import Path

    from depthlab.sweep.spec import expand, load_spec, pack

    spec = load_spec(Path(__file__).parents[2] / "examples" / "sweep-committee-full.toml")
    trials = expand(spec)
    assert len(trials) == 5 * 3 * 12 and {t.config["algorithm"] for t in trials} == {"least-action"}
    assert all(len(j.trials) <= 4 for j in pack(spec, trials))
