"""``depthlab committee ...``: theory --json, run (resumable) --json, figure, clear errors."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from depthlab.cli import app
from depthlab.committee import experiment
from depthlab.committee.cli import alpha_grid
from depthlab.errors import ConfigError

runner = CliRunner()


def _json(result) -> dict:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_theory_json_keys() -> None:
    out = _json(runner.invoke(app, ["committee", "theory", "--activation", "relu", "--K", "inf", "--json"]))
    assert {"alpha_rs", "alpha_1rsb"} <= set(out)
    assert out["alpha_rs"] == pytest.approx(2 * math.pi / (math.pi - 1), rel=1e-9)


def test_run_json_and_resume(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    args = ["committee", "run", "--weights", "binary", "--activation", "sign", "--K", "3", "--N", "21",
            "--alpha-min", "0.2", "--alpha-max", "1.4", "--alpha-step", "0.6", "--instances", "6", "--sweeps", "30",
            "--out", str(tmp_path), "--json", "--device", "cpu"]
    first = _json(runner.invoke(app, args))
    assert first["cells"] == 3
    shards = sorted((tmp_path / "shards").glob("*.parquet"))
    assert len(shards) == 3 and (tmp_path / "manifest.json").exists()
    assert (tmp_path / "success.parquet").exists() and (tmp_path / "transitions.parquet").exists()

    def boom(*a, **k):  # a resumed run must not recompute finished cells
        raise AssertionError("a finished cell was recomputed")

    monkeypatch.setattr(experiment, "run_cell", boom)
    second = _json(runner.invoke(app, args))
    assert second["transitions"] == first["transitions"]

    fig = _json(runner.invoke(app, ["committee", "figure", "--out", str(tmp_path), "--json"]))
    assert all(Path(p).exists() for p in fig["figures"])


@pytest.mark.parametrize(("extra", "message"), [
    (["--activation", "relu", "--K", "3"], "even K"),
    (["--activation", "sign", "--K", "4"], "odd K"),
    (["--alpha-min", "0"], "alpha-min"),
    (["--alpha-min", "2", "--alpha-max", "1"], "alpha-max"),
    (["--weights", "ternary"], "unknown weights"),
    (["--algorithm", "least-action", "--activation", "relu"], "least-action"),
    (["--algorithm", "sgd"], "algorithm"),
    (["--algorithm", "replicated", "--weights", "binary", "--gamma0", "-0.1"], "gamma0"),
    (["--algorithm", "replicated", "--weights", "binary", "--gamma0", "1", "--gamma1", "100", "--sweeps", "200"],
     "not finite"),
    (["--algorithm", "replicated", "--gamma0", "-1"], "gamma0"),
    (["--algorithm", "replicated", "--restarts", "2", "--batch", "17", "--K", "2", "--N", "16", "--alpha-min", "1",
      "--alpha-max", "1", "--instances", "1", "--steps", "1", "--device", "cpu"], "exceeds the 16 training points"),
])
def test_run_bad_inputs(tmp_path: Path, extra: list[str], message: str) -> None:
    res = runner.invoke(app, ["committee", "run", "--out", str(tmp_path), *extra])
    assert res.exit_code == 2
    assert message in res.output
    assert "Traceback" not in res.output


def test_figure_without_results(tmp_path: Path) -> None:
    res = runner.invoke(app, ["committee", "figure", "--out", str(tmp_path)])
    assert res.exit_code == 2 and "no finished cells" in res.output


def test_alpha_grid() -> None:
    assert alpha_grid(0.5, 1.5, 0.5) == (0.5, 1.0, 1.5)
    with pytest.raises(ConfigError):
        alpha_grid(0.5, 1.5, 0.0)


def test_locate_tiny_json(tmp_path: Path) -> None:
    out = _json(runner.invoke(app, ["committee", "locate", "--preset", "tiny", "--out", str(tmp_path),
                                    "--device", "cpu", "--json"]))
    assert {r["K"] for r in out["extrapolated"]} == {1, 3}
    assert (tmp_path / "transitions.parquet").exists()
    bad = runner.invoke(app, ["committee", "locate", "--preset", "nope", "--out", str(tmp_path)])
    assert bad.exit_code == 2 and "preset" in bad.output


def test_run_replicated_json(tmp_path: Path) -> None:
    """The replicated method runs through the same cells; its rows are labelled and one per instance."""
    out = _json(runner.invoke(app, ["committee", "run", "--algorithm", "replicated", "--restarts", "3", "--batch", "8",
                                    "--gamma0", "0.01", "--K", "2", "--N", "16", "--alpha-min", "0.5",
                                    "--alpha-max", "1", "--alpha-step", "0.5", "--instances", "3", "--steps", "200",
                                    "--out", str(tmp_path), "--json", "--device", "cpu"]))
    assert out["cells"] == 2
    assert {t["algorithm"] for t in out["transitions"]} == {"replicated"}


def test_run_binary_replicated_json(tmp_path: Path) -> None:
    """Binary weights with --algorithm replicated: replicated annealing, labelled, one row per instance."""
    out = _json(runner.invoke(app, ["committee", "run", "--weights", "binary", "--activation", "sign",
                                    "--algorithm", "replicated", "--restarts", "3", "--gamma0", "0.05",
                                    "--gamma1", "0.02", "--K", "3", "--N", "21", "--alpha-min", "0.2",
                                    "--alpha-max", "0.8", "--alpha-step", "0.6", "--instances", "4",
                                    "--sweeps", "20", "--out", str(tmp_path), "--json", "--device", "cpu"]))
    assert out["cells"] == 2
    assert {t["algorithm"] for t in out["transitions"]} == {"replicated-annealing"}


def test_run_relu_k2_lp_bracket(tmp_path: Path) -> None:
    args = ["committee", "run", "--activation", "relu", "--algorithm", "exact", "--K", "2", "--N", "16,32",
            "--alpha-min", "0.8", "--alpha-max", "2.0", "--alpha-step", "0.6", "--instances", "4",
            "--out", str(tmp_path), "--json", "--device", "cpu"]
    out = _json(runner.invoke(app, args))
    assert out["cells"] == 6 and len(out["bracket"]) == 6
    assert all(r["lower"] <= r["upper"] for r in out["bracket"])
    assert {r["algorithm"] for r in out["transitions"]} == {"lp-bracket", "lp-free-norm"}
    for bad, msg in ((["--K", "4"], "ReLU K=2"), (["--K", "2", "--weights", "binary"], "spherical weights only")):
        res = runner.invoke(app, ["committee", "run", "--activation", "relu", "--algorithm", "exact", *bad,
                                  "--N", "16", "--out", str(tmp_path / "bad"), "--device", "cpu"])
        assert res.exit_code == 2 and msg in res.output, res.output


def test_run_relu_slp(tmp_path: Path) -> None:
    """--algorithm slp: cells labelled slp, one transition per (K, N); clear error for sign units."""
    args = ["committee", "run", "--activation", "relu", "--algorithm", "slp", "--K", "2,4", "--N", "16",
            "--alpha-min", "0.5", "--alpha-max", "1.5", "--alpha-step", "1", "--instances", "3",
            "--out", str(tmp_path), "--json", "--device", "cpu"]
    out = _json(runner.invoke(app, args))
    assert out["cells"] == 4
    assert {t["algorithm"] for t in out["transitions"]} == {"slp"}
    res = runner.invoke(app, ["committee", "run", "--activation", "sign", "--algorithm", "slp", "--K", "3",
                              "--N", "15", "--out", str(tmp_path / "bad"), "--device", "cpu"])
    assert res.exit_code == 2 and "spherical weights" in res.output, res.output
