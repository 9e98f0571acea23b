"""benchmarks/gpu.py — the script a lent GPU runs — works end to end at toy size on the CPU, and refuses loudly
to run at GPU scale without CUDA (so it cannot rot between GPU sessions)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "gpu.py"


def _run(*args: str, out: Path, timeout: float) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, str(SCRIPT), *args, "--out", str(out)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_gpu_script_runs_every_step_at_tiny_scale_on_cpu(tmp_path: Path) -> None:
    out = tmp_path / "gpu.json"
    proc = _run("--device", "cpu", "--tiny", out=out, timeout=300)
    assert proc.returncode == 0, proc.stderr[-4000:]
    res = json.loads(out.read_text())
    assert res["ok"] and res["failed_steps"] == []
    expected = {"pytest-gpu", "fit", "fit_lm", "angles", "matexp", "committee", "interp", "capacity-grid",
                "angles_theory", "interp_residuals", "sweep"}
    assert set(res["steps"]) == expected
    for name, rec in res["steps"].items():
        assert rec["status"] in ("ok", "skipped"), (name, rec)
    assert res["steps"]["fit"]["result"]["benchmark"] == "fit.adam"
    assert res["steps"]["fit_lm"]["result"]["benchmark"] == "fit.lm"
    assert {t["target"].split(":")[0] for t in res["targets"]}  # the target code paths ran
    assert all(t["met"] is None for t in res["targets"])  # … but toy sizes judge nothing
    assert res["threads"] == 1


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message a machine without CUDA gives")
def test_gpu_script_fails_loudly_without_cuda(tmp_path: Path) -> None:
    out = tmp_path / "gpu.json"
    proc = _run(out=out, timeout=120)
    assert proc.returncode == 2
    assert "CUDA is not available" in proc.stderr
    assert "CUDA is not available" in json.loads(out.read_text())["error"]
