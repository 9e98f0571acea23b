"""Public API (alpha_rs, alpha_1rsb, theory_table, theory_values) and the `committee theory` CLI command."""

from __future__ import annotations

import json
import math

import pytest
import typer
from typer.testing import CliRunner

from depthlab.committee import alpha_1rsb, alpha_rs, theory_table, theory_values
from depthlab.errors import InputError

INF = float("inf")


def test_headline_values() -> None:
    """K → ∞: ReLU RS 2π/(π−1), 1RSB ≈ 2.66428 < RS; sign diverges; perceptrons 2 and 0.8331."""
    assert alpha_rs("relu", "spherical", INF) == pytest.approx(2 * math.pi / (math.pi - 1), rel=1e-15)
    assert alpha_1rsb("relu") == pytest.approx(2.66428, abs=1e-5)
    assert math.isinf(alpha_rs("sign", "spherical", INF))
    assert math.isinf(alpha_1rsb("sign", "spherical", INF))
    assert alpha_rs("linear", "spherical", 1) == 2.0
    assert alpha_1rsb("linear", "spherical", INF) == 2.0
    assert alpha_rs("linear", "binary", 1) == pytest.approx(0.8331, abs=1e-4)
    assert alpha_rs("sign", "binary", 1) == alpha_rs("linear", "binary", 1)
    assert alpha_1rsb("relu", "binary", INF) == alpha_rs("relu", "binary", INF)


def test_finite_k_dispatch() -> None:
    """ReLU K=2 exact (4/3 with ties as errors, 8π/(3π−2√2) with ties correct); sign finite K exact; ReLU K=4
    by QMC (≈ 2.4747 / 3.0798, SE ≈ 5e-4); linear at any K is the perceptron; binary finite K."""
    assert alpha_rs("relu", "spherical", 2) == pytest.approx(4 / 3, rel=1e-15)
    assert alpha_rs("relu", "spherical", 2, ties="correct") == pytest.approx(
        8 * math.pi / (3 * math.pi - 2 * math.sqrt(2)), rel=1e-15)
    assert alpha_rs("sign", "spherical", 3) == pytest.approx(4.02519187, abs=1e-7)
    assert alpha_rs("relu", "spherical", 4) == pytest.approx(2.4747, abs=3e-3)
    assert alpha_rs("relu", "spherical", 4, ties="correct") == pytest.approx(3.0798, abs=3e-3)
    assert alpha_rs("linear", "spherical", 7) == 2.0
    assert alpha_rs("sign", "binary", 3) == pytest.approx(0.920619, abs=1e-5)


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (lambda: alpha_rs("relu", "spherical", 3), "even K"),
        (lambda: alpha_rs("sign", "spherical", 2), "odd K"),
        (lambda: alpha_rs("relu", "spherical", 0), "≥ 1"),
        (lambda: alpha_rs("tanh", "spherical", INF), "unknown activation"),
        (lambda: alpha_rs("relu", "ternary", INF), "unknown weights"),
        (lambda: alpha_rs("relu", "binary", 4), "K=inf"),
        (lambda: alpha_rs("relu", "spherical", 4, ties="maybe"), "unknown ties"),
        (lambda: alpha_1rsb("relu", "spherical", 8), "not for relu with K=8"),
    ],
)
def test_bad_inputs(call: object, fragment: str) -> None:
    with pytest.raises(InputError, match=fragment):
        call()  # type: ignore[operator]


def test_theory_table_small() -> None:
    df = theory_table(relu_ks=(2, 4), sign_ks=(3, 5), points=2**10, replicas=4)
    assert {"quantity", "activation", "weights", "K", "ties", "method", "alpha", "stderr", "source"} <= set(df.columns)
    assert (df["source"].str.len() > 0).all()
    row = df[(df.quantity == "alpha_1rsb") & (df.activation == "relu")].iloc[0]
    assert row.alpha == pytest.approx(alpha_1rsb("relu"), rel=1e-12)
    growth = df[df.quantity == "alpha_growth"]
    assert list(growth.K) == [3.0, 5.0]
    km = df[(df.weights == "binary") & (df.activation == "linear")].iloc[0]
    assert km.alpha == pytest.approx(0.833, abs=5e-4)  # Krauth & Mézard (1989)
    # both tie conventions at finite K for ReLU, one row each
    assert set(df[(df.activation == "relu") & (df.K == 4.0)]["ties"]) == {"error", "correct"}


def test_theory_values_marks_missing() -> None:
    v = theory_values("relu", "spherical", 4)
    assert v["alpha_1rsb"] is None
    assert any("alpha_1rsb" in n for n in v["notes"])
    assert v["K"] == 4


def _cli_app() -> typer.Typer:
    from depthlab.committee.cli import app

    return app


def test_cli_json() -> None:
    res = CliRunner().invoke(_cli_app(), ["theory", "--activation", "relu", "--K", "inf", "--json"])
    assert res.exit_code == 0, res.output
    obj = json.loads(res.stdout)
    assert obj["alpha_rs"] == pytest.approx(2 * math.pi / (math.pi - 1), rel=1e-12)
    assert obj["alpha_1rsb"] == pytest.approx(2.66428, abs=1e-5)


def test_cli_sign_infinite_and_text() -> None:
    res = CliRunner().invoke(_cli_app(), ["theory", "--activation", "sign", "--json"])
    obj = json.loads(res.stdout)
    assert math.isinf(obj["alpha_rs"])
    res = CliRunner().invoke(_cli_app(), ["theory", "--activation", "sign", "--K", "3"])
    assert res.exit_code == 0
    assert "alpha_RS   = 4.025192" in res.stdout
    assert "not available" in res.stdout


def test_cli_bad_input_exit_2() -> None:
    res = CliRunner().invoke(_cli_app(), ["theory", "--activation", "relu", "--K", "3"])
    assert res.exit_code == 2
    assert "even K" in res.output


def test_cli_ties_option() -> None:
    app = _cli_app()
    err = json.loads(CliRunner().invoke(app, ["theory", "--K", "2", "--json"]).stdout)
    cor = json.loads(CliRunner().invoke(app, ["theory", "--K", "2", "--ties", "correct", "--json"]).stdout)
    assert err["alpha_rs"] == pytest.approx(4 / 3, rel=1e-15)
    assert cor["alpha_rs"] == pytest.approx(3.8100977, abs=1e-7)
    assert err["ties"] == "error"
    bad = CliRunner().invoke(app, ["theory", "--K", "2", "--ties", "maybe"])
    assert bad.exit_code == 2
