"""``depthlab sweep run / status / collect / studies`` and their errors."""

from __future__ import annotations

import json
import sys

import pytest
from typer.testing import CliRunner

from depthlab.sweep.cli import app

runner = CliRunner()


def _json(result) -> dict:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_run_status_collect_from_a_toml_spec(tmp_path):
    spec = tmp_path / "grid.toml"
    spec.write_text('study = "toy"\n[params]\nsteps = 30\n[grid]\nwidth = [2, 3]\nseed = [0, 1]\n')
    out = tmp_path / "out"
    got = _json(runner.invoke(app, ["run", str(spec), "--out", str(out), "--json"]))
    assert got["ok"] and got["jobs"] == 2 and got["trials"] == 4 and got["ran"] == 2
    again = _json(runner.invoke(app, ["run", str(spec), "--out", str(out), "--json"]))
    assert again["skipped"] == 2 and again["ran"] == 0
    st = _json(runner.invoke(app, ["status", str(out), "--json"]))
    assert st["complete"] and st["counts"]["done"] == 2
    col = _json(runner.invoke(app, ["collect", str(out), "--json"]))
    assert col["rows"] == 4 and col["trials"] == 4
    text = runner.invoke(app, ["status", str(out)])
    assert "done" in text.output and "2 jobs" in text.output


def test_run_from_options_and_override_of_a_spec_axis(tmp_path):
    out = tmp_path / "o"
    got = _json(runner.invoke(app, ["run", "--study", "toy", "--grid", "width=2,4", "--grid", "seed=0,1,2",
                                    "--set", "steps=20", "--out", str(out), "--json"]))
    assert got["trials"] == 6


@pytest.mark.parametrize(("args", "message"), [
    (["run", "--study", "nope", "--grid", "seed=1"], "unknown study 'nope'"),
    (["run", "--study", "toy"], "[grid] table is empty"),
    (["run"], "give a spec file"),
    (["run", "--study", "toy", "--grid", "seed=1", "--executor", "dask"], "unknown --executor 'dask'"),
    (["run", "--study", "toy", "--grid", "seed=1", "--address", "h:1"], "--address is for --executor ray"),
    (["status", "/nonexistent/sweep"], "is not a sweep folder"),
])
def test_errors_are_one_line_with_exit_2(args, message):
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert f"error: {message}" in result.output.replace("\n", " ") or message in result.output
    assert "Traceback" not in result.output


def test_malformed_toml_is_a_clear_error(tmp_path):
    spec = tmp_path / "bad.toml"
    spec.write_text("study = toy\n")
    result = runner.invoke(app, ["run", str(spec)])
    assert result.exit_code == 2 and "is not valid TOML" in result.output


def test_missing_extra_names_the_pip_command(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    monkeypatch.setitem(sys.modules, "submitit", None)
    for executor, extra in (("ray", "ray"), ("slurm", "slurm")):
        result = runner.invoke(app, ["run", "--study", "toy", "--grid", "seed=1", "--executor", executor,
                                     "--out", str(tmp_path / executor)])
        assert result.exit_code == 2
        assert f"pip install 'depthlab[{extra}]'" in result.output


def test_studies_lists_the_sweepables():
    result = runner.invoke(app, ["studies"])
    assert result.exit_code == 0 and "toy" in result.output and "matexp" in result.output
