"""The LM budget options of the capacity study: cell keys, engine configuration, grid and CLI plumbing."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from depthlab.capacity.cli import app
from depthlab.capacity.config import SMOOTH_LM_PATIENCE, SMOOTH_LM_STEPS, CellConfig
from depthlab.capacity.fitting import fit_config
from depthlab.capacity.grid import GridSpec
from depthlab.engine import FitConfig
from depthlab.errors import ConfigError


def test_default_budget_keeps_old_keys() -> None:
    cell = CellConfig(depth=2, width=8, activation="tanh")
    # cells with the engine's default budget hash exactly as before the budget fields existed
    assert "lm_steps" not in cell.as_dict() and "lm_patience" not in cell.as_dict()
    longer = CellConfig(depth=2, width=8, activation="tanh", lm_steps=1000)
    assert longer.as_dict()["lm_steps"] == 1000
    assert longer.key != cell.key and longer.point_key(10) != cell.point_key(10)


def test_fit_config_budget() -> None:
    engine = FitConfig()
    cfg = fit_config(CellConfig(depth=3, width=8, activation="tanh"))
    assert (cfg.lm_steps, cfg.lm_patience) == (engine.lm_steps, engine.lm_patience)
    cfg = fit_config(CellConfig(depth=3, width=8, activation="tanh", lm_steps=1234, lm_patience=77))
    assert (cfg.lm_steps, cfg.lm_patience) == (1234, 77)
    # max_steps caps Adam and LM; an explicit lm_steps overrides the LM part only
    cfg = fit_config(CellConfig(depth=3, width=8, activation="relu", max_steps=50, lm_steps=900))
    assert (cfg.adam_steps, cfg.lm_steps) == (50, 900)
    cfg = fit_config(CellConfig(depth=3, width=8, activation="relu", max_steps=50))
    assert cfg.lm_steps == 50


@pytest.mark.parametrize("field", ["lm_steps", "lm_patience"])
def test_bad_budget(field: str) -> None:
    with pytest.raises(ConfigError, match=field):
        CellConfig(depth=2, width=8, **{field: -1})


def test_grid_budget_for_smooth_cells_only() -> None:
    spec = GridSpec(widths=(8,), depths=(1, 2), activations=("relu", "sigmoid", "tanh"), biases=(False,),
                    lm_steps=700, lm_patience=60)
    budget = {(c.depth, c.activation): (c.lm_steps, c.lm_patience) for c in spec.cells()}
    assert budget == {(1, "linear"): (700, 60), (2, "relu"): (0, 0), (2, "sigmoid"): (700, 60),
                      (2, "tanh"): (700, 60)}
    assert spec.as_dict()["lm_steps"] == 700


def test_cli_passes_budget(fake_fitter) -> None:
    fake = fake_fitter()
    args = ["run", "-L", "2", "-d", "8", "--trials", "4", "--restarts", "1", "--n-min", "8", "--n-max", "14",
            "--lm-steps", "640", "--lm-patience", "40", "--device", "cpu", "--json"]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    obj = json.loads(r.stdout)
    assert obj["config"]["lm_steps"] == 640 and obj["config"]["lm_patience"] == 40
    want = CellConfig(depth=2, width=8, activation="tanh", trials=4, restarts=1, lm_steps=640,
                      lm_patience=40).key
    assert {k for k, _ in fake.calls} == {want}


def test_grid_cli_default_is_study_budget(fake_fitter, tmp_path) -> None:
    fake_fitter()
    r = CliRunner().invoke(app, ["grid", "-o", str(tmp_path), "-d", "8", "-L", "2", "-a", "relu,tanh",
                                 "--bias", "off", "--trials", "4", "--restarts", "1", "--json"])
    assert r.exit_code == 0, r.output
    cells = {c["activation"]: c for c in json.loads(r.stdout)["cells"]}
    assert (cells["tanh"]["lm_steps"], cells["tanh"]["lm_patience"]) == (SMOOTH_LM_STEPS, SMOOTH_LM_PATIENCE)
    assert (cells["relu"]["lm_steps"], cells["relu"]["lm_patience"]) == (0, 0)


def test_cli_relu_keeps_engine_budget(fake_fitter) -> None:
    fake = fake_fitter()
    args = ["run", "-a", "relu", "-L", "2", "-d", "8", "--trials", "4", "--restarts", "1", "--n-min", "8",
            "--n-max", "14", "--lm-steps", "640", "--device", "cpu", "--json"]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    assert "lm_steps" not in json.loads(r.stdout)["config"]
    assert {k for k, _ in fake.calls} == {CellConfig(depth=2, width=8, activation="relu", trials=4,
                                                     restarts=1).key}


def test_full_scale_uses_study_budget() -> None:
    import depthlab.capacity.experiment as experiment

    for spec in (experiment.FULL, *experiment.REFERENCE_SPECS):
        assert (spec.lm_steps, spec.lm_patience) == (SMOOTH_LM_STEPS, SMOOTH_LM_PATIENCE)
    # the L = 3 reference cell starts from the declared gain (with the seeds it was chosen on), L = 2 from the
    # engine default with no tuned knob
    gains = {s.depths[0]: (s.init_gain, s.tuning_seeds) for s in experiment.REFERENCE_SPECS}
    assert gains == {2: (0.0, ()), 3: (experiment.REFERENCE_GAIN_L3, experiment.REFERENCE_GAIN_L3_TUNED_ON)}


def test_init_gain_key_and_family() -> None:
    from depthlab.capacity.fitting import cell_family

    base = CellConfig(depth=2, width=4, activation="tanh")
    small = CellConfig(depth=2, width=4, activation="tanh", init_gain=0.5)
    # the default gain is not hashed (old shards stay valid); a set gain is part of the key
    assert "init_gain" not in base.as_dict() and small.as_dict()["init_gain"] == 0.5
    assert small.key != base.key
    with pytest.raises(ConfigError, match="init_gain"):
        CellConfig(depth=2, width=4, init_gain=-1.0)
    # the gain reaches the engine family: W ~ N(0, gain²/fan_in), so the init scales are proportional to it
    fam_base, fam_small = cell_family(base), cell_family(small)
    for name, sd in fam_small.init_scales.items():
        assert sd == pytest.approx(0.5 * fam_base.init_scales[name], rel=1e-12)


def test_grid_init_gain_for_smooth_cells_only() -> None:
    spec = GridSpec(widths=(8,), depths=(2,), activations=("relu", "tanh"), biases=(False,), init_gain=0.5)
    gains = {c.activation: c.init_gain for c in spec.cells()}
    assert gains == {"relu": 0.0, "tanh": 0.5}
    assert spec.as_dict()["init_gain"] == 0.5 and "init_gain" not in GridSpec().as_dict()
