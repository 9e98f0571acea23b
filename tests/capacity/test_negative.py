"""Certified negatives (depthlab.capacity.negative and `depthlab capacity negative`): the Clopper–Pearson bound,
the fixed rule, the residual and Jacobian summaries, and the command end to end on a tiny cell (resume, errors)."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
from typer.testing import CliRunner

import depthlab.capacity.success as success
from depthlab.capacity import negative as neg
from depthlab.capacity.cli import app
from depthlab.capacity.config import CellConfig

os.environ.setdefault("DEPTHLAB_PROGRESS", "0")
runner = CliRunner()


@pytest.mark.parametrize("attempts", [1, 10, 2995, 3000])
def test_cp_upper_zero_successes_closed_form(attempts: int) -> None:
    assert neg.cp_upper(0, attempts) == pytest.approx(1 - 0.05 ** (1 / attempts), rel=1e-10)


def test_cp_upper_other_counts() -> None:
    assert neg.cp_upper(5, 5) == 1.0
    # The definition of the one-sided upper bound u: P(X ≤ k | n, u) = 1 − confidence.
    from scipy.stats import binom

    for k, n in ((1, 10), (5, 3000), (40, 100)):
        u = neg.cp_upper(k, n)
        assert binom.cdf(k, n, u) == pytest.approx(0.05, rel=1e-8)
    with pytest.raises(Exception, match="successes"):
        neg.cp_upper(3, 2)


def test_min_attempts_zero_is_2995() -> None:
    assert neg.min_attempts_zero() == 2995
    assert neg.cp_upper(0, 2995) < 1e-3 <= neg.cp_upper(0, 2994)


@pytest.mark.parametrize(("attempts", "successes", "ok"), [
    (2999, 0, True), (2995, 0, True), (2994, 0, False), (2000, 0, False), (3000, 5, False), (1_000_000, 1, True),
    (1999, 0, False)])
def test_the_fixed_rule(attempts: int, successes: int, ok: bool) -> None:
    assert neg.certified(successes, attempts) is ok


def test_residual_summary() -> None:
    r = np.concatenate([np.full(10, 1e-12), np.linspace(1e-3, 1e-1, 90)])
    s = neg.residual_summary(r)
    assert s["quantiles"]["0%"] == 1e-12 and s["quantiles"]["100%"] == pytest.approx(0.1)
    assert sum(s["log10_histogram"]["counts"]) == 100
    assert len(s["log10_histogram"]["counts"]) == len(s["log10_histogram"]["edges"]) - 1
    assert neg.residual_summary([0.0, np.nan])["non_finite"] == 1


def test_jacobian_rank_of_a_known_matrix() -> None:
    rng = np.random.default_rng(0)
    full = rng.standard_normal((6, 8))
    low = rng.standard_normal((6, 3)) @ rng.standard_normal((3, 8))
    a, b = neg.jacobian_rank(full), neg.jacobian_rank(low)
    assert (a["rank"], a["full_row_rank"], a["rank_deficit"], a["below_1e-10"]) == (6, True, 0, 0)
    assert (b["rank"], b["full_row_rank"], b["rank_deficit"], b["below_1e-10"]) == (3, False, 3, 3)
    assert len(a["singular_values"]) == 6


def test_best_indices_skip_nan() -> None:
    assert neg.best_indices(np.array([0.3, np.nan, 0.1, 0.2]), 3).tolist() == [2, 3, 0]


TINY = CellConfig(depth=2, width=2, activation="tanh", lm_steps=40, lm_patience=10)


def test_run_negative_writes_json_and_resumes(tmp_path, monkeypatch) -> None:
    calls = []
    real = success.fit_cell_point_params

    def counting(cell, n, x, y, device="cpu", **kw):
        if len(calls) >= 2 and not resumed:
            raise KeyboardInterrupt("simulated interruption")
        calls.append(list(kw["trials"]))
        return real(cell, n, x, y, device, **kw)

    monkeypatch.setattr(success, "fit_cell_point_params", counting)
    resumed = False
    with pytest.raises(KeyboardInterrupt):
        neg.run_negative(TINY, 3, tmp_path, attempts=6, chunk=2, best=2, device="cpu")
    assert calls == [[0, 1], [2, 3]] and not (tmp_path / "negative.json").exists()
    resumed = True
    s = neg.run_negative(TINY, 3, tmp_path, attempts=6, chunk=2, best=2, device="cpu")
    assert calls == [[0, 1], [2, 3], [4, 5]]  # finished chunks are read, not recomputed
    again = neg.run_negative(TINY, 3, tmp_path, attempts=6, chunk=2, best=2, device="cpu")
    assert len(calls) == 3
    on_disk = json.loads((tmp_path / "negative.json").read_text())
    assert on_disk["attempts"] == s["attempts"] == again["attempts"] == 6
    assert on_disk["format"] == neg.FORMAT and on_disk["successes"] == s["successes"]
    assert on_disk["certified_negative"] is False and on_disk["cp_upper_95"] == neg.cp_upper(s["successes"], 6)
    assert set(on_disk["residuals"]["quantiles"]) == {f"{q}%" for q in neg.QUANTILES}
    assert len(on_disk["best"]) == 2 and on_disk["best"][0]["rows"] == 3 * 2 and on_disk["best"][0]["cols"] == 8
    assert on_disk["best"][0]["residual"] <= on_disk["best"][1]["residual"]
    # Chunking does not change the attempts: one call on data sets 0..5 gives the same residuals.
    rows, _, _ = success.run_point_params(neg.negative_cell(TINY), 3, "cpu", trials=range(6), keep_params=False)
    got = np.concatenate([np.asarray(success.pd.read_parquet(p)["residual"])
                          for p in sorted((tmp_path / "shards").glob("*.parquet"),
                                          key=lambda p: int(p.stem.split("-t")[1].split("-")[0]))])
    np.testing.assert_allclose(got, rows["residual"].to_numpy(), rtol=0, atol=0)


def test_command_end_to_end_and_verify(tmp_path) -> None:
    args = ["negative", "-a", "tanh", "-L", "2", "-w", "2", "--points", "3", "--attempts", "4", "--chunk", "2",
            "--best", "2", "--lm-steps", "40", "--lm-patience", "10", "--device", "cpu", "-o", str(tmp_path),
            "--json"]
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    res = json.loads(r.stdout.strip().splitlines()[-1])
    assert res["attempts"] == 4 and res["n_points"] == 3 and res["method"] == "lm"
    assert json.loads((tmp_path / "negative.json").read_text())["attempts"] == 4
    if res["successes"]:
        v = runner.invoke(app, ["verify", str(tmp_path)])
        assert v.exit_code == 0, v.output


def test_default_points_is_bound_minus_one(tmp_path) -> None:
    r = runner.invoke(app, ["negative", "-w", "2", "--attempts", "2", "--chunk", "2", "--best", "1",
                            "--lm-steps", "5", "--device", "cpu", "-o", str(tmp_path), "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout.strip().splitlines()[-1])["n_points"] == 3  # tanh d = 2, L = 2: bound 4


@pytest.mark.parametrize(("extra", "needle"), [
    (["--points", "5"], "above the counting bound"),
    (["--attempts", "0"], "--attempts must be ≥ 1"),
    (["--method", "newton"], "unknown --method"),
    (["-a", "tanh", "--method", "activation-homotopy"], "needs activation 'relu'"),
])
def test_clear_errors(tmp_path, extra, needle) -> None:
    r = runner.invoke(app, ["negative", "-w", "2", "--device", "cpu", "-o", str(tmp_path), *extra])
    assert r.exit_code == 2
    assert needle in r.output
    assert not (tmp_path / "shards").exists()


def test_help_states_the_rule() -> None:
    r = runner.invoke(app, ["negative", "--help"], env={"COLUMNS": "200", "TERM": "dumb"})
    assert r.exit_code == 0
    assert "2995" in r.output and "2000" in r.output


def test_run_point_on_a_subset_of_data_sets_matches_the_whole_cell() -> None:
    cell = CellConfig(depth=2, width=2, activation="tanh", trials=4, restarts=2, lm_steps=20, lm_patience=5)
    whole = success.run_point(cell, 3, "cpu")
    parts = [success.run_point(cell, 3, "cpu", trials=ts) for ts in ([0, 1], [2, 3])]
    got = success.pd.concat(parts, ignore_index=True)
    assert got["trial"].tolist() == whole["trial"].tolist() and got["restart"].tolist() == whole["restart"].tolist()
    np.testing.assert_array_equal(got["residual"].to_numpy(), whole["residual"].to_numpy())
    with pytest.raises(Exception, match="data sets to fit"):
        success.run_point(cell, 3, "cpu", trials=[4])


class _Ctx:
    seed, device = 0, "cpu"

    def __init__(self, out_dir) -> None:
        self.out_dir = out_dir
        self.reported: list[str] = []

    def report(self, msg: str) -> None:
        self.reported.append(msg)


def test_full_scale_runs_negatives_only_where_the_target_is_missed(tmp_path, monkeypatch) -> None:
    from depthlab.capacity import experiment

    seen = []

    def fake(cell, n, out, *, attempts, device):
        seen.append((cell.activation, cell.width, cell.depth, cell.method, cell.init_gain, n, attempts))
        return {"attempts": attempts, "successes": 0, "cp_upper_95": neg.cp_upper(0, attempts),
                "certified_negative": True, "residuals": {"quantiles": {"50%": 0.1}},
                "best": [{"rank_deficit": 1}, {"rank_deficit": 0}]}

    monkeypatch.setattr(neg, "run_negative", fake)
    cells = success.pd.DataFrame([
        {"depth": 2, "width": 8, "activation": "tanh", "bias": False, "n_star": 12.1},
        {"depth": 2, "width": 8, "activation": "relu", "bias": False, "n_star": 13.5},   # reaches 13
        {"depth": 2, "width": 16, "activation": "tanh", "bias": False, "n_star": 24.7},
        {"depth": 3, "width": 16, "activation": "tanh", "bias": False, "n_star": 34.0}])
    table = experiment._negatives(_Ctx(tmp_path), cells)
    assert seen == [("tanh", 8, 2, "lm", 0.0, 15, 3000), ("tanh", 16, 2, "lm", 0.0, 31, 3000),
                    ("tanh", 16, 3, "lm", experiment.REFERENCE_GAIN_L3, 47, 3000)]
    relu = table[table["key"] == "negative-relu-d8-L2"].iloc[0]
    assert relu["attempts"] == 0 and "reaches the target" in relu["not_run"]
    assert table["max_rank_deficit"].tolist() == [1, -1, 1, 1]
    from depthlab.capacity import claims
    from depthlab.report.claims import Verdict, declarations, evaluate_one
    from depthlab.report.types import StudyResult

    decls = {d.key: d for d in declarations(claims, "full")[1]}  # consistency checks: the bound and targets are ours
    for key in table["key"]:
        assert evaluate_one("capacity", decls[key], StudyResult(tables={"negatives": table})).verdict == \
            Verdict.PASSES


def test_request_errors_exit_2_before_torch() -> None:
    """N above the bound, no attempts and an unknown method are refused before torch is imported."""
    import subprocess
    import sys
    from pathlib import Path

    src = str(Path(__file__).resolve().parents[2] / "src")
    cases = [["--points", "5"], ["--attempts", "0"], ["--method", "newton"]]
    code = ("import sys\nfrom typer.testing import CliRunner\nfrom depthlab.capacity.cli import app\n"
            f"for extra in {cases!r}:\n"
            "    r = CliRunner().invoke(app, ['negative', '-w', '2', *extra])\n"
            "    print('EXIT', r.exit_code)\n"
            "print('TORCH', 'torch' in sys.modules)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                       env={**os.environ, "PYTHONPATH": src})
    assert r.stdout.count("EXIT 2") == 3, r.stdout + r.stderr
    assert "TORCH False" in r.stdout


def test_resume_with_a_larger_best_is_refused(tmp_path) -> None:
    neg.run_negative(TINY, 3, tmp_path, attempts=4, chunk=2, best=1, device="cpu")
    with pytest.raises(Exception, match="fewer than --best 2"):
        neg.run_negative(TINY, 3, tmp_path, attempts=4, chunk=2, best=2, device="cpu")
    assert len(neg.run_negative(TINY, 3, tmp_path, attempts=4, chunk=2, best=1, device="cpu")["best"]) == 1


@pytest.mark.parametrize(("text", "want"), [(None, None), ("0/1", (0, 1)), ("2/3", (2, 3))])
def test_parse_part(text, want) -> None:
    assert neg.parse_part(text) == want


@pytest.mark.parametrize("text", ["3/3", "-1/2", "1", "a/b", "0/0", "1/"])
def test_parse_part_refuses_bad_parts(text) -> None:
    with pytest.raises(neg.ConfigError, match="--part must be I/K"):
        neg.parse_part(text)


def test_part_chunks_cover_every_chunk_once() -> None:
    for n, k in [(30, 1), (30, 4), (7, 3), (2, 5)]:
        got = sorted(c for i in range(k) for c in neg.part_chunks(n, (i, k)))
        assert got == list(range(n))
    assert neg.part_chunks(5, None) == [0, 1, 2, 3, 4]


def test_parts_share_a_folder_and_match_a_whole_run(tmp_path, monkeypatch) -> None:
    """Parts 0/2 and 1/2 on one folder fit disjoint chunks; the last part writes the same negative.json (bar the
    timestamps and timings) as one whole run in another folder."""
    calls = []
    real = success.fit_cell_point_params

    def counting(cell, n, x, y, device="cpu", **kw):
        calls.append(list(kw["trials"]))
        return real(cell, n, x, y, device, **kw)

    monkeypatch.setattr(success, "fit_cell_point_params", counting)
    first = neg.run_negative(TINY, 3, tmp_path / "p", attempts=5, chunk=2, best=2, device="cpu", part=(1, 2))
    assert calls == [[2, 3]]
    assert first == {"format": neg.FORMAT, "complete": False, "part": [1, 2], "chunks": 3, "chunks_done": 1,
                     "attempts": 5, "attempts_done": 2}
    assert not (tmp_path / "p" / "negative.json").exists()
    last = neg.run_negative(TINY, 3, tmp_path / "p", attempts=5, chunk=2, best=2, device="cpu", part=(0, 2))
    assert calls == [[2, 3], [0, 1], [4]] and last["complete"] is True
    whole = neg.run_negative(TINY, 3, tmp_path / "w", attempts=5, chunk=2, best=2, device="cpu")
    skip = {"created", "compute_seconds", "seconds_per_attempt"}
    assert {k: v for k, v in last.items() if k not in skip} == {k: v for k, v in whole.items() if k not in skip}
    assert json.loads((tmp_path / "p" / "negative.json").read_text())["attempts"] == 5


def test_command_part_reports_progress_then_the_verdict(tmp_path) -> None:
    base = ["negative", "-a", "tanh", "-L", "2", "-w", "2", "--points", "3", "--attempts", "4", "--chunk", "2",
            "--best", "1", "--lm-steps", "20", "--lm-patience", "5", "--device", "cpu", "-o", str(tmp_path)]
    r = runner.invoke(app, [*base, "--part", "0/2"])
    assert r.exit_code == 0, r.output
    assert "1 of 2 chunks (2 of 4 attempts) finished" in r.output
    r = runner.invoke(app, [*base, "--part", "1/2"])
    assert r.exit_code == 0, r.output
    assert "verdict:" in r.output and (tmp_path / "negative.json").exists()
    bad = runner.invoke(app, [*base, "--part", "2/2"])
    assert bad.exit_code == 2 and "--part must be I/K" in bad.output
