"""``depthlab angles`` CLI: --json keys, errors with exit status 2."""

from __future__ import annotations

import json
import math

from typer.testing import CliRunner

from depthlab.angles.cli import app

runner = CliRunner()


def _json(args):
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_predict_json_keys_and_values():
    out = _json(["predict", "--width", "256", "--depth", "10", "--theta0", str(math.pi / 2), "--json"])
    assert len(out["mean_log_sin2"]) == 11
    assert len(out["infinite_width_theta"]) == 11
    # independent check values: Algorithm 1 (n = 256, ℓ = 10) −1.485; infinite width (ℓ = 10) θ = 0.512471
    assert abs(out["mean_log_sin2"][10] - (-1.485)) < 1e-3
    assert abs(out["infinite_width_theta"][10] - 0.512471) < 1e-6


def test_simulate_json_keys():
    out = _json(["simulate", "--width", "32", "--depth", "4", "--networks", "128", "--json"])
    assert len(out["mean_log_sin2"]) == 5 and len(out["sd_log_sin2"]) == 5
    full = _json(
        ["simulate", "--width", "32", "--depth", "4", "--networks", "64", "--method", "full", "--json"]
    )
    assert full["method"] == "full"


def test_simulate_table_and_widths_option():
    res = runner.invoke(app, ["simulate", "--widths", "16,32,8", "--networks", "64"])
    assert res.exit_code == 0, res.output


def test_bad_inputs_exit_2_with_message():
    for args, word in [
        (["predict", "--width", "1", "--depth", "3"], "width"),
        (["predict", "--theta0", "4", "--depth", "3"], "theta0"),
        (["simulate", "--depth", "0"], "depth"),
        (["simulate", "--method", "exact"], "method"),
        (["simulate", "--widths", "8,x"], "widths"),
    ]:
        res = runner.invoke(app, args)
        assert res.exit_code == 2, (args, res.output)
        assert "error" in res.output.lower() and word in res.output, res.output
