"""The study's run(ctx) end to end on a tiny grid (fake fitter for the grids, the real engine for the sanity
checks), its declarations, figures and the seed rules of the reference cells."""

from __future__ import annotations

import dataclasses

import pytest
import torch

import depthlab.capacity.experiment as experiment
from depthlab import registry
from depthlab.capacity import claims, figures
from depthlab.capacity.grid import GridSpec
from depthlab.errors import ConfigError
from depthlab.report.claims import Verdict, declarations, evaluate
from depthlab.report.types import StudyContext, figure_specs

TINY = GridSpec(widths=(8,), depths=(1, 2), activations=("relu", "tanh"), biases=(False,), trials=4, restarts=1,
                n_ranges={(1, 8): (7, 12, 1), (2, 8): (7, 14, 1)})


def _rows(result, scale):
    return {row.key: row for group in declarations(claims, scale) for row in evaluate("capacity", group, result)}


def _ctx(tmp_path, scale, seed=0):
    return StudyContext(out_dir=tmp_path, scale=scale, seed=seed, device=torch.device("cpu"))


def test_registered() -> None:
    study = registry.get_study("capacity")
    assert study.load("claims") is claims and study.load("sweepable").name == "capacity"
    assert study.load("experiment") is experiment.run and study.load("figures") is figures.FIGURES


def test_quick_run_structure(fake_fitter, monkeypatch, tmp_path) -> None:
    fake_fitter()
    monkeypatch.setitem(experiment.SCALES, "quick", TINY)
    monkeypatch.setitem(experiment.COVER_CASES, "quick", [(4, 2)])
    monkeypatch.setattr(experiment, "POSITIVITY_NEGATIVE_TRIALS", 30)
    result = experiment.run(_ctx(tmp_path, "quick"))
    assert {"cells", "curves", "ratios", "cover", "linear"} <= set(result.tables)
    rows = _rows(result, "quick")
    # relu is a claim of the paper, tanh (beyond the paper's ReLU/sigmoid) a finding
    assert rows["ratio-relu-d8"].kind == "claim" and rows["ratio-tanh-d8"].kind == "finding"
    # the fake fitter fits data set t iff N < 10 + t mod 4 for every architecture, so N*(2) = N*(1): ratio 1
    assert rows["ratio-relu-d8"].verdict == Verdict.DIFFERS
    assert rows["reference-L2"].verdict == rows["reference-L3"].verdict == Verdict.NOT_RUN
    assert "--instances 32 --restarts 2`" in rows["reference-L2"].measured
    l3 = rows["reference-L3"].measured
    # the gain was re-decided on tuning seed 1: the row names the cell's command with that gain and seed
    assert f"--init-gain {experiment.REFERENCE_GAIN_L3:g} --tuning-seeds 1" in l3
    # ... and fits y = Wx beyond N = d, which the dimension count forbids: the bound check catches it
    assert rows["parameter-count-bound"].verdict == Verdict.FAILS
    assert rows["parameter-count-bound"].failed == ("L=1 d=8 linear",)
    # the linear check runs through the fake too (it fits N = d + 1): the claim differs; Cover uses the real engine
    assert rows["one-layer-linear"].verdict == Verdict.DIFFERS
    assert rows["one-layer-linear"].failed == ("data sets fitted at N = d + 1",)
    assert rows["cover-theorem"].verdict == Verdict.HOLDS
    # quick scale decides the two d = 16, L = 4 cells at bound − 1; 30 data sets never certify
    pn = result.tables["positivity_negatives"]
    assert sorted(zip(pn["activation"], pn["n_points"], strict=True)) == [("relu", 60), ("sigmoid", 63)]
    assert rows["positivity-certified-negative"].verdict == Verdict.FAILS
    assert all(row.verdict != Verdict.ERROR for row in rows.values())
    # both seed sets are named in the methods and recorded in the config (the study's manifest)
    assert "evaluation seed 0" in result.methods and "tuning" in result.methods
    assert result.config["seeds"] == {"evaluation": [0], "tuning": list(experiment.TUNING_SEEDS)}
    specs = figure_specs(figures.FIGURES, result)
    assert [f.path for f in specs] == ["success_curves_d8.png", "n_star_vs_depth.png"]
    for f in specs:
        assert f.draw(result) is not None


def _full(fake_fitter, monkeypatch, tuned_on):
    fake = fake_fitter()
    monkeypatch.setitem(experiment.SCALES, "full", dataclasses.replace(TINY, activations=("tanh",)))
    refs = tuple(dataclasses.replace(rs, trials=4, n_ranges={(2, 16): (8, 14, 1), (3, 16): (8, 14, 1)},
                                     tuning_seeds=tuned_on if rs.init_gain > 0 else ())
                 for rs in experiment.REFERENCE_SPECS)
    monkeypatch.setattr(experiment, "REFERENCE_SPECS", refs)
    monkeypatch.setattr(experiment, "REFERENCE_GAIN_L3_TUNED_ON", tuned_on)
    from depthlab.capacity import claims

    monkeypatch.setattr(claims, "REFERENCE_SPECS", refs)
    monkeypatch.setitem(experiment.COVER_CASES, "full", [(4, 2)])
    monkeypatch.setitem(experiment.COVER_TRIALS, "full", 50)
    monkeypatch.setattr(experiment, "NEGATIVE_ATTEMPTS", 4)
    monkeypatch.setitem(experiment.POSITIVITY_TRIALS, "full", 50)
    monkeypatch.setattr(experiment, "POSITIVITY_NEGATIVE_TRIALS", 30)
    return fake, refs


def test_full_run_skips_a_cell_tuned_on_the_evaluation_seed(fake_fitter, monkeypatch, tmp_path) -> None:
    fake, refs = _full(fake_fitter, monkeypatch, tuned_on=(0,))
    result = experiment.run(_ctx(tmp_path, "full", seed=0))
    rows = _rows(result, "full")
    # L = 2 is measured; the fake fitter puts N* near 11, far below the reference 23: it fails
    assert rows["reference-L2"].verdict == Verdict.FAILS and "per attempt" in rows["reference-L2"].measured
    # L = 3's gain was chosen on seed 0, the evaluation seed: not run, and the row says how to re-decide it
    assert rows["reference-L3"].verdict == Verdict.NOT_RUN
    assert "tune-gain" in rows["reference-L3"].measured and "seed 0" in rows["reference-L3"].measured
    l3 = next(c for c in refs[1].cells())
    assert all(key != dataclasses.replace(l3, seed=0).key for key, _ in fake.calls)
    assert "does not judge that row" in result.methods
    # the target cells are not in this grid (N* unknown), so each gets its negative test (4 fake attempts here),
    # except L = 3, whose gain was chosen on the evaluation seed
    neg = result.tables["negatives"].set_index("key")
    assert neg["attempts"].tolist() == [4, 4, 4, 0] and "evaluation seed 0" in neg.loc["negative-tanh-d16-L3",
                                                                                          "not_run"]
    assert rows["negative-tanh-d8-L2"].verdict == Verdict.FAILS  # 4 attempts never certify (a consistency check)
    assert rows["negative-tanh-d16-L3"].verdict == Verdict.NOT_RUN
    # the LP's ceilings at bound − 1: 12 bias-free ReLU/sigmoid cells; 30 data sets never certify
    pn = result.tables["positivity_negatives"]
    assert len(pn) == 12 and (pn["trials"] == 30).all() and set(pn["width"]) == {8, 16}
    assert rows["positivity-certified-negative"].verdict == Verdict.FAILS


def test_full_run_with_gain_from_tuning_seeds(fake_fitter, monkeypatch, tmp_path) -> None:
    fake, refs = _full(fake_fitter, monkeypatch, tuned_on=(1,))
    result = experiment.run(_ctx(tmp_path, "full", seed=0))
    rows = _rows(result, "full")
    assert rows["reference-L2"].verdict == rows["reference-L3"].verdict == Verdict.FAILS
    ref_cells = [dataclasses.replace(c, seed=0) for rs in refs for c in rs.cells()]
    assert {c.key for c in ref_cells} <= {k for k, _ in fake.calls}
    assert all(c.lm_steps == experiment.SMOOTH_LM_STEPS for c in ref_cells)
    assert [r["tuning_seeds"] for r in result.config["reference"] if "tuning_seeds" in r] == [[1]]
    # evaluating on a tuning seed is refused by the grid itself
    with pytest.raises(ConfigError, match="both tuning and evaluation"):
        experiment.run_grid(dataclasses.replace(refs[1], seed=1), tmp_path / "refused")
