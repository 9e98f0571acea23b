"""``depthlab matexp``: solve (random and from a file, --json, --out), depth-table, clear errors."""

from __future__ import annotations

import json

import numpy as np
from typer.testing import CliRunner

from depthlab.cli import app
from depthlab.matexp import forward, random_problem

runner = CliRunner()


def test_solve_random_json() -> None:
    r = runner.invoke(app, ["matexp", "solve", "--d", "3", "--seed", "2", "--json"])
    assert r.exit_code == 0, r.output
    obj = json.loads(r.stdout)  # exactly one JSON object on stdout
    assert len(obj["residuals"]) == 2 and max(obj["residuals"]) < 1e-10
    assert obj["d"] == 3 and obj["cond_dx"] >= 1


def test_solve_input_output_roundtrip(tmp_path) -> None:
    p = random_problem(4, seed=9, real=True)
    src = tmp_path / "data.npz"
    np.savez(src, X1=p.X1.real, X2=p.X2.real, Y1=p.Y1.real, Y2=p.Y2.real)
    out = tmp_path / "w.npz"
    r = runner.invoke(app, ["matexp", "solve", "--input", str(src), "--out", str(out), "--json", "--certify"])
    assert r.exit_code == 0, r.output
    obj = json.loads(r.stdout)
    assert obj["real_data"] is True and len(obj["certified_residuals"]) == 2
    w = np.load(out)
    for x, y in ((p.X1, p.Y1), (p.X2, p.Y2)):
        rel = np.linalg.norm(forward(x, (w["W1"], w["W2"], w["W3"])) - y) / np.linalg.norm(y)
        assert rel < 1e-10


def test_solve_table_output() -> None:
    r = runner.invoke(app, ["matexp", "solve", "--d", "2", "--lam", "0.5+1j"])
    assert r.exit_code == 0, r.output
    assert "relative residuals" in r.stdout and "fixed" in r.stdout


def test_solve_errors_are_clear(tmp_path) -> None:
    p = random_problem(3, seed=0)
    bad = tmp_path / "bad.npz"
    np.savez(bad, X1=p.X1, X2=p.X1, Y1=p.Y1, Y2=p.Y2)
    r = runner.invoke(app, ["matexp", "solve", "--input", str(bad)])
    assert r.exit_code == 2
    assert "X2 − X1" in r.stderr and "condition number" in r.stderr and "Traceback" not in r.output
    missing = tmp_path / "missing.npz"
    np.savez(missing, X1=p.X1)
    r = runner.invoke(app, ["matexp", "solve", "--input", str(missing)])
    assert r.exit_code == 2 and "lacks array(s) X2, Y1, Y2" in r.stderr
    r = runner.invoke(app, ["matexp", "solve", "--input", str(tmp_path / "nope.npz")])
    assert r.exit_code == 2 and "does not exist" in r.stderr
    r = runner.invoke(app, ["matexp", "solve", "--lam", "2j*pi"])
    assert r.exit_code == 2 and "--lam" in r.stderr
    r = runner.invoke(app, ["matexp", "solve", "--lam", "6.283185307179586j"])
    assert r.exit_code == 2 and "e^λ = 1" in r.stderr
    r = runner.invoke(app, ["matexp", "solve", "--d", "12", "--certify"])
    assert r.exit_code == 2 and "d ≤ 8" in r.stderr


def test_depth_table_cli_resumes(tmp_path) -> None:
    args = ["matexp", "depth-table", "--depths", "1", "--dims", "2", "--instances", "2", "--restarts", "2",
            "--max-iter", "50", "--n-cap", "2", "--out", str(tmp_path), "--json"]
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    obj = json.loads(r.stdout)
    assert obj["n_max"][0]["depth"] == 1 and obj["n_max"][0]["n_max"] == 1
    assert (tmp_path / "manifest.json").exists() and (tmp_path / "n_max.parquet").exists()
    shards = sorted((tmp_path / "shards").glob("*.parquet"))
    r = runner.invoke(app, args)
    assert r.exit_code == 0
    assert sorted((tmp_path / "shards").glob("*.parquet")) == shards
    r = runner.invoke(app, ["matexp", "depth-table", "--depths", "0-2", "--out", str(tmp_path)])
    assert r.exit_code == 2 and "--depths" in r.stderr
