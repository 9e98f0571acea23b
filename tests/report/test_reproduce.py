"""``depthlab reproduce`` on the matrix-exponential study: report files, claims rows, manifest."""

from __future__ import annotations

import importlib
import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from depthlab.cli import app
from depthlab.report import available_studies
from depthlab.report.types import Claim, Study, StudyOutput, Verdict


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    r = CliRunner().invoke(app, ["reproduce", "--quick", "--study", "matexp", "--out", str(out)])
    assert r.exit_code == 0, r.output
    return out


def test_report_files(report_dir) -> None:
    for name in ("index.html", "report.md", "claims.parquet", "manifest.json", "matexp/manifest.json",
                 "matexp/closed_form.parquet", "matexp/n_max.parquet", "matexp/residuals.png", "matexp/n_max.png"):
        assert (report_dir / name).exists(), name


def test_claims_rows(report_dir) -> None:
    claims = pd.read_parquet(report_dir / "claims.parquet")
    assert {"study", "claim", "source", "paper_value", "measured", "verdict"} <= set(claims.columns)
    m = claims[claims["study"] == "matexp"]
    assert m["claim"].str.contains("three-layer expm network solves").any()
    assert m["claim"].str.contains("one-layer network").any()
    assert m["claim"].str.contains("n_max").any()
    assert set(m["verdict"]) <= {v.value for v in Verdict}
    html = (report_dir / "index.html").read_text()
    md = (report_dir / "report.md").read_text()
    for text in (html, md):
        assert "three-layer expm network solves" in text and "n_max.png" in text
    # the one-layer gap is a real measurement, so its verdict must be "holds" on random data
    one = m[m["claim"].str.contains("one-layer network")].iloc[0]
    assert one["verdict"] == "holds"


def test_manifest(report_dir) -> None:
    man = json.loads((report_dir / "matexp" / "manifest.json").read_text())
    assert man["status"] == "finished" and man["seed"] == 0
    for key in ("config", "versions", "device", "git", "started", "finished", "tables"):
        assert key in man, key
    top = json.loads((report_dir / "manifest.json").read_text())
    assert top["studies"]["matexp"]["error"] is None


def test_failing_study_becomes_error_row(tmp_path, monkeypatch) -> None:
    """One study's crash is reported as an error row; the report is still written."""
    reproduce_mod = importlib.import_module("depthlab.report.reproduce")

    def boom(ctx):
        raise RuntimeError("deliberate failure")

    def fine(ctx):
        return StudyOutput(claims=[Claim("c", "s", "1", "1", Verdict.HOLDS)])

    fake = {"boom": Study("boom", "t", "p", boom), "fine": Study("fine", "t", "p", fine)}
    monkeypatch.setattr(reproduce_mod, "available_studies", lambda: fake)
    monkeypatch.setattr(reproduce_mod, "get_study", lambda n: fake[n])
    result = reproduce_mod.reproduce(tmp_path, studies=None)
    assert not result.ok
    claims = pd.read_parquet(tmp_path / "claims.parquet")
    assert set(claims["verdict"]) == {"error", "holds"}
    assert "deliberate failure" in (tmp_path / "report.md").read_text()


def test_registry_lists_matexp() -> None:
    assert "matexp" in available_studies()
    r = CliRunner().invoke(app, ["studies"])
    assert r.exit_code == 0 and "matexp" in r.stdout
    r = CliRunner().invoke(app, ["reproduce", "--study", "nope", "--out", "/tmp/x"])
    assert r.exit_code == 2 and "unknown study" in r.stderr
