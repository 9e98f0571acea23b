"""``depthlab capacity``: --json prints exactly one object with key n_star; bad options give clear errors."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from depthlab.capacity.cli import app

runner = CliRunner()


def test_run_json_fake(fake_fitter) -> None:
    fake_fitter()
    r = runner.invoke(
        app,
        [
            "run",
            "-a",
            "relu",
            "-L",
            "2",
            "-d",
            "8",
            "--trials",
            "8",
            "--restarts",
            "1",
            "--n-min",
            "8",
            "--n-max",
            "14",
            "--device",
            "cpu",
            "--json",
        ],
    )
    assert r.exit_code == 0, r.output
    lines = [ln for ln in r.stdout.splitlines() if ln.strip()]
    assert len(lines) == 1
    obj = json.loads(lines[0])
    assert 10.5 < obj["n_star"] < 11.5 and obj["bound"] == 15.0


def test_run_table_and_resume(fake_fitter, tmp_path) -> None:
    fake_fitter()
    args = [
        "run",
        "-L",
        "2",
        "-d",
        "8",
        "--trials",
        "4",
        "--restarts",
        "1",
        "--n-min",
        "8",
        "--n-max",
        "12",
        "--out",
        str(tmp_path),
        "--device",
        "cpu",
    ]
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    assert "N* =" in r.stdout
    fake = fake_fitter()
    r = runner.invoke(app, args)
    assert r.exit_code == 0 and fake.calls == []


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--depth", "0"], "--depth"),
        (["--width", "0"], "--width"),
        (["--activation", "sign"], "activation"),
        (["--n-min", "0"], "--points-min"),  # the old spelling, rewritten
        (["--trials", "0"], "--instances"),
    ],
)
def test_bad_options(args, needle) -> None:
    r = runner.invoke(app, ["run", "--device", "cpu", *args])
    assert r.exit_code == 2
    assert "error" in r.output.lower() and needle in r.output
    assert "Traceback" not in r.output


def test_bound_json() -> None:
    r = runner.invoke(app, ["bound", "-d", "8", "--depths", "1,2", "--json"])
    assert r.exit_code == 0
    rows = json.loads(r.stdout)["bounds"]
    assert {(x["depth"], x["activation"]): x["bound"] for x in rows}[(2, "relu")] == 15.0


def test_grid_bad_bias(tmp_path) -> None:
    r = runner.invoke(app, ["grid", "--out", str(tmp_path), "--bias", "maybe"])
    assert r.exit_code == 2 and "--bias" in r.output


def test_help_states_the_study_budget() -> None:
    """The CLI states the LM budget without importing the config (torch); the numbers must be the config's."""
    from depthlab.capacity import cli
    from depthlab.capacity.config import SMOOTH_LM_PATIENCE, SMOOTH_LM_STEPS

    assert (cli.LM_STEPS_HELP, cli.LM_PATIENCE_HELP) == (SMOOTH_LM_STEPS, SMOOTH_LM_PATIENCE)


def test_run_output_notes_a_rejected_logistic_model(capsys) -> None:
    """`capacity run` prints the model-free crossing beside N* when the deviance test rejects the logistic curve
    (gof_p < GOF_ALPHA = 0.01), and no note otherwise."""
    from depthlab.capacity.cli import _print_curve
    from depthlab.capacity.config import CellConfig

    res = {"curve": [], "n_star": 12.94, "n_star_low": 12.83, "n_star_high": 13.05, "method": "logistic",
           "censored": None, "n_star_attempt": 12.94, "bound": 15.0, "gof_p": 1.4e-6, "n_star_interp": 13.245,
           "n_star_interp_low": 13.10, "n_star_interp_high": 13.37}
    cell = CellConfig(depth=2, width=8, activation="relu", method="unitwise")
    _print_curve(cell, res)
    assert "deviance p = 1.4e-06" in capsys.readouterr().out
    _print_curve(cell, {**res, "gof_p": 0.3})
    assert "model-free" not in capsys.readouterr().out
