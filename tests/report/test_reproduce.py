"""``depthlab reproduce`` on the matrix-exponential study: report files, the three row tables, manifest."""

from __future__ import annotations

import importlib
import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from depthlab import registry
from depthlab.cli import app
from depthlab.report.claims import AtMost, Claim, Verdict, measured, paper
from depthlab.report.types import StudyResult


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


def test_rows_in_three_tables(report_dir) -> None:
    rows = pd.read_parquet(report_dir / "claims.parquet")
    assert {"kind", "study", "statement", "source", "expected", "measured", "verdict", "rule"} <= set(rows.columns)
    m = rows[rows["study"] == "matexp"]
    claims = m[m["kind"] == "claim"]
    assert claims["statement"].str.contains("three-layer expm network solves").any()
    assert set(claims["verdict"]) <= {"holds", "differs", "not tested", "error"}
    assert set(m[m["kind"] == "consistency"]["verdict"]) <= {"passes", "fails", "not run", "error"}
    assert (m[m["kind"] == "finding"]["verdict"] == "reported").all()
    # the one-layer gap is a real measurement, so its verdict must be "holds" on random data
    one = claims[claims["statement"].str.contains("one-layer network")].iloc[0]
    assert one["verdict"] == "holds"
    html = (report_dir / "index.html").read_text()
    md = (report_dir / "report.md").read_text()
    for text in (html, md):
        assert "three-layer expm network solves" in text and "n_max.png" in text
        assert "Consistency checks" in text and "Findings" in text


def test_manifest(report_dir) -> None:
    man = json.loads((report_dir / "matexp" / "manifest.json").read_text())
    assert man["status"] == "finished" and man["seed"] == 0
    for key in ("config", "versions", "device", "git", "started", "finished", "tables"):
        assert key in man, key
    top = json.loads((report_dir / "manifest.json").read_text())
    assert top["studies"]["matexp"]["error"] is None


def boom(ctx):
    raise RuntimeError("deliberate failure")


def fine(ctx):
    return StudyResult(tables={}, values={"x": 0.5})


CLAIMS = (Claim("c", "s", paper("P, eq. 1"), "≤ 1", "x", AtMost(1.0), lambda r: measured("0.5", r.values["x"])),)
FIGURES = ()


def test_failing_study_becomes_error_row(tmp_path, monkeypatch) -> None:
    """One study's crash is reported as an error row; the report is still written."""
    reproduce_mod = importlib.import_module("depthlab.report.reproduce")
    here = __name__
    fake = {n: registry.Study(n, "t", "p", experiment=f"{here}:{n}", claims=here, figures=f"{here}:FIGURES")
            for n in ("boom", "fine")}
    monkeypatch.setattr(registry, "studies", lambda: fake)
    monkeypatch.setattr(reproduce_mod, "get_study", lambda n: fake[n])
    result = reproduce_mod.reproduce(tmp_path, studies=None)
    assert not result.ok
    rows = pd.read_parquet(tmp_path / "claims.parquet")
    assert set(rows["verdict"]) == {str(Verdict.ERROR), str(Verdict.HOLDS)}
    assert "deliberate failure" in (tmp_path / "report.md").read_text()


def test_registry_lists_matexp() -> None:
    assert "matexp" in registry.studies()
    r = CliRunner().invoke(app, ["studies"])
    assert r.exit_code == 0 and "matexp" in r.stdout
    r = CliRunner().invoke(app, ["reproduce", "--study", "nope", "--out", "/tmp/x"])
    assert r.exit_code == 2 and "unknown study" in r.stderr
