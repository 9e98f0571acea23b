"""The study's run(ctx) end to end on a tiny grid (fake fitter for the grid, the real engine for Cover)."""

from __future__ import annotations

import torch

import depthlab.capacity.study as study
from depthlab.capacity.grid import GridSpec
from depthlab.report.registry import available_studies
from depthlab.report.types import StudyContext, Verdict


def test_registered() -> None:
    assert available_studies()["capacity"] is study.STUDY


def test_quick_run_structure(fake_fitter, monkeypatch, tmp_path) -> None:
    fake_fitter()
    monkeypatch.setattr(study, "QUICK", GridSpec(widths=(8,), depths=(1, 2), activations=("relu", "tanh"),
                                                 biases=(False,), trials=4, restarts=1,
                                                 n_ranges={(1, 8): (7, 12, 1), (2, 8): (7, 14, 1)}))
    monkeypatch.setitem(study.COVER_CASES, "quick", [(4, 2)])
    out = study.run(StudyContext(out_dir=tmp_path, scale="quick", seed=0, device=torch.device("cpu")))
    names = [c.claim for c in out.claims]
    assert sum("≈ 2×" in n for n in names) == 2  # one ratio row per activation
    assert any("Cover" in c.source for c in out.claims)
    ref = [c for c in out.claims if "reference" in c.claim]
    assert len(ref) == 2 and all(c.verdict == Verdict.NOT_TESTED for c in ref)
    # the fake fitter fits data set t iff N < 10 + t mod 4 for every architecture, so N*(2) = N*(1): ratio 1
    ratio = [c for c in out.claims if "≈ 2×" in c.claim]
    assert all(c.verdict == Verdict.DIFFERS for c in ratio)
    for f in out.figures:
        assert (tmp_path / f.path).exists()
    assert {"cells", "ratios", "cover", "linear"} <= set(out.tables)
