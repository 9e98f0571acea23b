"""Tuning vs evaluation seeds: the split refuses overlaps, the gain probe fits only tuning seeds, the choice rule,
and the tune-gain command."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

import depthlab.capacity.success as success
from depthlab.capacity.cli import app
from depthlab.capacity.config import CellConfig, SeedSplit
from depthlab.capacity.grid import GridSpec, run_grid
from depthlab.capacity.success import open_store
from depthlab.capacity.tuning import choose_gain, gain_probe
from depthlab.errors import ConfigError


class GainFitter:
    """Stand-in for the engine: model m fits iff m < k(gain), with k = 3 at gain 0.5, 1 otherwise."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, float]] = []

    def __call__(self, cell, n, x, y, device="cpu"):
        self.calls.append((cell.seed, cell.init_gain))
        k = 3 if cell.init_gain == 0.5 else 1
        m = np.arange(x.shape[0] * cell.restarts).reshape(x.shape[0], cell.restarts)
        return np.where(m < k, 1e-12, 0.5)


@pytest.fixture
def gain_fitter(monkeypatch):
    fake = GainFitter()
    monkeypatch.setattr(success, "fit_cell_point", fake)
    return fake


@pytest.mark.parametrize(("tuning", "evaluation", "needle"), [
    ((1, 2), (2,), "both tuning and evaluation"), ((), (0,), "at least one"), ((1, 1), (0,), "twice"),
    ((True,), (0,), "integers"),
])
def test_seed_split_refuses(tuning, evaluation, needle) -> None:
    with pytest.raises(ConfigError, match=needle):
        SeedSplit(tuning, evaluation)


def test_grid_refuses_its_tuning_seed(tmp_path) -> None:
    spec = GridSpec(widths=(4,), depths=(2,), activations=("tanh",), biases=(False,), init_gain=0.5,
                    tuning_seeds=(0,))
    with pytest.raises(ConfigError, match="both tuning and evaluation"):
        run_grid(spec, tmp_path)
    assert GridSpec(tuning_seeds=(1,)).as_dict()["tuning_seeds"] == [1]
    assert "tuning_seeds" not in GridSpec().as_dict()  # grids without tuned knobs keep their manifest


def test_probe_fits_tuning_seeds_only_and_chooses(gain_fitter, tmp_path) -> None:
    cell = CellConfig(depth=3, width=4, activation="tanh", trials=4, restarts=1, seed=0)
    store = open_store(tmp_path)
    probe = gain_probe(cell, 6, [1.0, 0.5, 2.0], SeedSplit((1, 2), (0,)), store=store)
    assert {s for s, _ in gain_fitter.calls} == {1, 2}  # never the evaluation seed 0
    assert probe["attempts_fitted"].tolist() == [1, 1, 3, 3, 1, 1]
    assert choose_gain(probe) == 0.5
    again = gain_probe(cell, 6, [1.0, 0.5, 2.0], SeedSplit((1, 2), (0,)), store=store)
    assert len(gain_fitter.calls) == 6 and again.equals(probe)  # resumed from the shards
    # ties go to the earlier candidate
    tie = probe[probe["init_gain"] != 0.5]
    assert choose_gain(tie) == 1.0 and choose_gain(tie.iloc[::-1]) == 2.0
    with pytest.raises(ConfigError, match="distinct"):
        gain_probe(cell, 6, [1.0, 1.0], SeedSplit((1,), (0,)))


def test_tune_gain_cli(gain_fitter) -> None:
    args = ["tune-gain", "-L", "2", "-d", "4", "-n", "6", "--trials", "4", "--gains", "1,0.5", "--device", "cpu"]
    r = CliRunner().invoke(app, [*args, "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["chosen_gain"] == 0.5 and out["seeds"] == {"tuning": [1], "evaluation": [0]}
    r = CliRunner().invoke(app, [*args, "--tuning-seeds", "0"])
    assert r.exit_code == 2 and "both tuning and evaluation" in r.output


def test_run_cli_records_and_checks_tuning_seeds(fake_fitter) -> None:
    fake_fitter()
    args = ["run", "-L", "2", "-d", "8", "--trials", "4", "--restarts", "1", "--n-min", "8", "--n-max", "12",
            "--init-gain", "0.5", "--device", "cpu", "--json"]
    r = CliRunner().invoke(app, [*args, "--tuning-seeds", "1,2"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["seeds"] == {"tuning": [1, 2], "evaluation": [0]}
    r = CliRunner().invoke(app, [*args, "--tuning-seeds", "0"])
    assert r.exit_code == 2 and "both tuning and evaluation" in r.output
