"""``depthlab interp``: --json output, files, and clear errors (exit status 2)."""

from __future__ import annotations

import json

import numpy as np
from typer.testing import CliRunner

from depthlab.interp.cli import app

runner = CliRunner()


def test_construct_json_random() -> None:
    r = runner.invoke(app, ["construct", "--n", "40", "--d", "3", "--seed", "1", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["hidden_neurons"] == 40 and out["residual"] <= 1e-10


def test_construct_json_from_file_and_analyse(tmp_path) -> None:
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((50, 4)), rng.standard_normal((50, 2))
    np.savez(tmp_path / "d.npz", X=X, Y=Y)
    r = runner.invoke(app, ["construct", "-i", str(tmp_path / "d.npz"), "-c", "grouped", "--json",
                            "--save", str(tmp_path / "net.npz")])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["residual"] <= 1e-10 and out["depth"] == 2 and out["hidden_neurons"] == sum(out["widths"])
    assert "NaN" not in r.stdout and out["cond"] is None  # strict JSON: not computed → null
    r = runner.invoke(app, ["analyse", "--network", str(tmp_path / "net.npz"), "-i", str(tmp_path / "d.npz"),
                            "--json"])
    assert r.exit_code == 0, r.output
    layers = json.loads(r.stdout)["layers"]
    assert len(layers) == 2 and layers[1]["zero_fraction"] >= 0.7


def test_construct_classifier_text() -> None:
    r = runner.invoke(app, ["construct", "-c", "classifier", "--n", "60", "--classes", "4"])
    assert r.exit_code == 0 and "accuracy" in r.stdout


def test_bad_inputs_exit_2(tmp_path) -> None:
    X = np.zeros((3, 2))
    np.savez(tmp_path / "dup.npz", X=X, Y=np.arange(3.0))
    r = runner.invoke(app, ["construct", "-i", str(tmp_path / "dup.npz")])
    assert r.exit_code == 2 and "duplicate points" in r.output and "points 0, 1, 2" in r.output
    np.savez(tmp_path / "bad.npz", X=np.ones((3, 2)))
    r = runner.invoke(app, ["construct", "-i", str(tmp_path / "bad.npz")])
    assert r.exit_code == 2 and "must hold arrays X and Y" in r.output
    r = runner.invoke(app, ["construct", "--n", "20", "--neurons", "5"])
    assert r.exit_code == 2 and "too few neurons" in r.output
    r = runner.invoke(app, ["construct", "-c", "nope"])
    assert r.exit_code == 2 and "unknown construction" in r.output
    r = runner.invoke(app, ["analyse"])
    assert r.exit_code == 2 and "exactly one of" in r.output
