"""One script for a lent GPU: the CUDA tests and every benchmark at GPU scale, one JSON file, ≤ 8 minutes.

Steps (each a subprocess with its own time limit inside one overall budget; each benchmark prints its JSON,
which is kept whole under its step):

1. ``pytest -m gpu`` on every test file that carries the ``gpu`` mark (CPU/CUDA agreement included);
2. ``fit.py --suite gpu``: Adam on 2-layer ReLU nets, d = 16 inputs, width 32, 64 points, float32, 2²⁰ models,
   against a hand-written bmm, JAX (where importable) and a per-model loop;
3. ``fit_lm.py`` on 256 models (LM per iteration, vs the pre-issue path and SciPy);
4. ``angles.py --networks 10000`` (width 256, depth 100);
5. ``matexp.py --dims 1024 --batch 10000`` (closed form d = 1024; 10⁴ problems with d = 8 batched);
6. ``committee.py --machines 1024``;
7. ``interp.py`` (construction N = 10⁴, d = 100; analysis of a depth-8 width-256 net on 10⁴ points);
8. ``depthlab capacity grid`` with d ∈ {8, 16}, L ≤ 3, relu/sigmoid/tanh, no biases, 64 restarts;
9. the CPU-side benchmarks ``angles_theory.py``, ``interp_residuals.py`` and ``sweep.py`` (overhead only; skipped
   without Ray).

Targets (H100/H200): ≥ 3×10⁷ model-steps/s and ≥ 10⁴× the per-model loop (step 2); angles ≤ 5 s
(step 4); matexp d = 1024 ≤ 2 s and the batch ≤ 1 s (step 5); the capacity grid ≤ 60 s (step 8). Each is
reported as ``{target, measured, met}``; a missed target is a result, not an error. The script exits non-zero
when CUDA is missing (at once, before anything runs, unless ``--device cpu``), or when a step fails or times out
(after writing the JSON).

``--device cpu --tiny`` runs the same steps at toy sizes in under a minute (``tests/test_gpu_script.py`` does,
so the script cannot rot). Threads: ``--threads`` (default ``auto`` on CUDA, so CPU baselines get the cores;
1 on CPU) through :mod:`depthlab.device`, passed to every step as ``DEPTHLAB_THREADS``.

Usage::

    PYTHONPATH=src python benchmarks/gpu.py --out gpu.json
    PYTHONPATH=src python benchmarks/gpu.py --device cpu --tiny --out /tmp/gpu-tiny.json
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
#: the whole run's budget (issue 15: every benchmark at GPU scale in ≤ 8 minutes)
BUDGET_S = 480.0


@dataclasses.dataclass
class Step:
    """One subprocess: ``argv`` (after the Python executable), its time limit and how to read its output."""

    name: str
    argv: list[str]
    timeout_s: float
    parse: str = "json"  # "json": one JSON object on stdout; "jsonl": one per line; "pytest"; "none"
    targets: Callable[[Any, float], list[dict[str, Any]]] | None = None
    skip: str | None = None


def _target(name: str, measured: float | None, bound: float, *, at_most: bool = False) -> dict[str, Any]:
    met = None if measured is None else bool(measured <= bound if at_most else measured >= bound)
    return {"target": name, "bound": bound, "kind": "≤" if at_most else "≥", "measured": measured, "met": met}


def _fit_targets(out: Any, _wall: float) -> list[dict[str, Any]]:
    rows = []
    for w in out.get("workloads", []):
        eng = w["sides"]["engine"]["model_steps_per_s"]
        rows.append(_target(f"{w['workload']}: engine model-steps/s", eng, 3e7))
        if "engine/loop" in w["ratios"]:
            rows.append(_target(f"{w['workload']}: engine / per-model loop", w["ratios"]["engine/loop"], 1e4))
    return rows


def _angles_targets(out: Any, _wall: float) -> list[dict[str, Any]]:
    name = f"angles {out.get('networks')} nets × {out.get('width')} × depth {out.get('depth')}: seconds"
    return [_target(name, out.get("full_seconds"), 5.0, at_most=True)]


def _matexp_targets(out: Any, _wall: float) -> list[dict[str, Any]]:
    rows = []
    for row in out.get("single", []):
        if "torch_cuda_s" in row:
            rows.append(_target(f"matexp closed form d = {row['d']}: seconds (CUDA)", row["torch_cuda_s"], 2.0,
                                at_most=True))
    b = out.get("batched", {})
    if "torch_cuda_s" in b:
        rows.append(_target(f"matexp {b['batch']} × d = {b['d']} batched: seconds (CUDA)", b["torch_cuda_s"], 1.0,
                            at_most=True))
    return rows


def _grid_targets(_out: Any, wall: float) -> list[dict[str, Any]]:
    return [_target("capacity grid d ∈ {8,16}, L ≤ 3, 3 activations, 64 restarts: seconds", wall, 60.0,
                    at_most=True)]


def _gpu_test_files() -> list[str]:
    """Test files that carry the ``gpu`` mark (found by their text, so renamed study folders are followed)."""
    files = []
    for path in sorted((ROOT / "tests").rglob("test_*.py")):
        text = path.read_text(errors="replace")
        if "pytest.mark.gpu" in text:
            files.append(str(path.relative_to(ROOT)))
    return files


def steps(device: str, tiny: bool, work: Path) -> list[Step]:
    """The run's steps at GPU scale (``device="cuda"``) or at toy sizes (``tiny``)."""
    py = [sys.executable]
    b = [*py, "-u"]
    grid_out = str(work / "capacity-grid")
    has_ray = _importable("ray")
    if tiny:
        return [
            Step("pytest-gpu", [*py, "-m", "pytest", "-q", "-m", "gpu", "-p", "no:cacheprovider",
                                "tests/engine/test_gpu.py"], 60, "pytest"),
            Step("fit", [*b, str(BENCH / "fit.py"), "--suite", "tiny", "--device", device, "--repeats", "1",
                         "--loop-models", "2"], 60, targets=_fit_targets),
            Step("fit_lm", [*b, str(BENCH / "fit_lm.py"), "--device", device, "--models", "2", "--width", "4",
                            "--depth", "3", "--points", "5", "--iterations", "3", "--scipy-models", "1",
                            "--repeats", "1"], 60),
            Step("angles", [*b, str(BENCH / "angles.py"), "--networks", "8", "--loop-networks", "2", "--width",
                            "16", "--depth", "5", "--paths", "128", "--repeats", "1", "--device", device], 60,
                 targets=_angles_targets),
            Step("matexp", [*b, str(BENCH / "matexp.py"), "--dims", "8", "--batch", "20", "--batch-d", "4",
                            "--loop", "3", "--device", device], 60, targets=_matexp_targets),
            Step("committee", [*b, str(BENCH / "committee.py"), "--N", "64", "--K", "4", "--machines", "4",
                               "--loop-machines", "1", "--steps", "3", "--device", device], 60),
            Step("interp", [*b, str(BENCH / "interp.py"), "--n", "300", "--d", "5", "--dense-n", "100", "--depth",
                            "2", "--width", "16", *(["--cpu-only"] if device == "cpu" else [])], 60),
            Step("capacity-grid", [*py, "-m", "depthlab", "capacity", "grid", "--out", grid_out, "-d", "2", "-L",
                                   "1,2", "-a", "tanh", "--bias", "off", "--trials", "2", "--restarts", "2",
                                   "--device", device, "--json"], 60, targets=_grid_targets),
            Step("angles_theory", [*b, str(BENCH / "angles_theory.py"), "--n", "2000", "--repeats", "1",
                                   "--quad-subset", "5"], 60),
            Step("interp_residuals", [*b, str(BENCH / "interp_residuals.py"), "--sizes", "50", "--dims", "5",
                                      "--constructions", "triangular"], 60, "jsonl"),
            Step("sweep", [], 0, skip="tiny: Ray's start-up alone takes ~20 s (the executors have their own tests)"),
        ]
    return [
        Step("pytest-gpu", [*py, "-m", "pytest", "-q", "-m", "gpu", "-p", "no:cacheprovider",
                            *_gpu_test_files()], 90, "pytest"),
        Step("fit", [*b, str(BENCH / "fit.py"), "--suite", "gpu", "--device", device, "--repeats", "2",
                     "--loop-models", "2"], 100, targets=_fit_targets),
        Step("fit_lm", [*b, str(BENCH / "fit_lm.py"), "--device", device, "--models", "256", "--iterations", "5",
                        "--scipy-models", "1", "--repeats", "2", "--no-explicit"], 45),
        Step("angles", [*b, str(BENCH / "angles.py"), "--networks", "10000", "--peer-networks", "16",
                        "--paths", "4096", "--repeats", "2", "--loop-networks", "4", "--device", device], 60,
             targets=_angles_targets),
        Step("matexp", [*b, str(BENCH / "matexp.py"), "--dims", "256", "1024", "--batch", "10000", "--batch-d", "8",
                        "--loop", "20", "--device", "all"], 60, targets=_matexp_targets),
        Step("committee", [*b, str(BENCH / "committee.py"), "--machines", "1024", "--loop-machines", "4",
                           "--device", device], 30),
        Step("interp", [*b, str(BENCH / "interp.py")], 30),
        Step("capacity-grid", [*py, "-m", "depthlab", "capacity", "grid", "--out", grid_out, "-d", "8,16", "-L",
                               "1,2,3", "-a", "relu,sigmoid,tanh", "--bias", "off", "--restarts", "64", "--device",
                               device, "--json"], 120, targets=_grid_targets),
        Step("angles_theory", [*b, str(BENCH / "angles_theory.py"), "--repeats", "2"], 15),
        Step("interp_residuals", [*b, str(BENCH / "interp_residuals.py"), "--sizes", "1000,10000", "--dims", "100",
                                  "--constructions", "triangular"], 15, "jsonl"),
        Step("sweep", [*b, str(BENCH / "sweep.py"), "--jobs", "4", "--only-overhead"], 30,
             skip=None if has_ray else "Ray is not installed"),
    ]


def _importable(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def _parse(kind: str, stdout: str, junit: Path | None) -> Any:
    if kind == "pytest":
        if junit is None or not junit.exists():
            return None
        root = ET.parse(junit).getroot()
        suite = root if root.tag == "testsuite" else root.find("testsuite")
        attrs = {k: int(suite.get(k, 0)) for k in ("tests", "failures", "errors", "skipped")}
        attrs["passed"] = attrs["tests"] - attrs["failures"] - attrs["errors"] - attrs["skipped"]
        return attrs
    if kind == "jsonl":
        return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
    if kind == "json":
        start = stdout.find("{")
        return json.loads(stdout[start:]) if start >= 0 else None
    return None


def run_step(step: Step, env: dict[str, str], deadline: float, work: Path, tiny: bool = False) -> dict[str, Any]:
    """Run one step within its limit and the overall deadline; the record that goes into the JSON."""
    if step.skip:
        return {"status": "skipped", "reason": step.skip}
    left = deadline - time.monotonic()
    if left < 5:
        return {"status": "not run", "reason": "the overall time budget is spent"}
    limit = min(step.timeout_s, left)
    argv = list(step.argv)
    junit = None
    if step.parse == "pytest":
        junit = work / f"{step.name}.xml"
        argv += [f"--junitxml={junit}"]
    t0 = time.monotonic()
    try:
        proc = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=limit)
    except subprocess.TimeoutExpired as exc:
        tail = (exc.stderr or b"")[-2000:]
        return {"status": "timeout", "limit_s": round(limit, 1), "wall_s": round(time.monotonic() - t0, 2),
                "stderr_tail": tail.decode(errors="replace") if isinstance(tail, bytes) else tail}
    wall = time.monotonic() - t0
    rec: dict[str, Any] = {"status": "ok" if proc.returncode == 0 else "failed", "rc": proc.returncode,
                           "wall_s": round(wall, 2), "limit_s": round(limit, 1), "command": _show(argv)}
    try:
        rec["result"] = _parse(step.parse, proc.stdout, junit)
    except (ValueError, ET.ParseError) as exc:
        rec["result"] = None
        rec["parse_error"] = str(exc)
        rec["status"] = "failed"
    if step.parse == "pytest":
        rec["summary"] = _last_line(proc.stdout)
    if proc.returncode != 0:
        rec["stderr_tail"] = proc.stderr[-3000:]
        rec["stdout_tail"] = proc.stdout[-2000:]
    if step.targets is not None and rec["result"] is not None and proc.returncode == 0:
        rec["targets"] = step.targets(rec["result"], wall)
        if tiny:  # the code path runs, but toy sizes say nothing about the targets
            rec["targets"] = [{**t, "met": None, "note": "toy size: judged only at GPU scale"}
                              for t in rec["targets"]]
    return rec


def _show(argv: list[str]) -> str:
    return " ".join(a.replace(str(ROOT) + os.sep, "") for a in argv[1:])


def _last_line(text: str) -> str:
    lines = [ln for ln in text.strip().splitlines() if re.search(r"passed|failed|skipped|error|no tests", ln)]
    return lines[-1] if lines else ""


def _cuda_info() -> dict[str, Any]:
    import torch

    info: dict[str, Any] = {"torch": torch.__version__, "cuda_available": torch.cuda.is_available(),
                            "torch_cuda": torch.version.cuda}
    if torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(0)
        info["gpu_memory_gib"] = round(torch.cuda.get_device_properties(0).total_memory / 2**30, 1)
    return info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="cuda", choices=("cuda", "cpu"))
    parser.add_argument("--tiny", action="store_true", help="toy sizes (CPU CI: the script cannot rot)")
    parser.add_argument("--out", default="gpu-benchmarks.json", help="the one JSON file written")
    parser.add_argument("--threads", default=None, help="threads for every step (default: auto on CUDA, 1 on CPU)")
    parser.add_argument("--only", default=None, help="comma-separated step names to run (default: all)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT / "src"))
    from depthlab.device import apply_thread_policy

    started = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    info = _cuda_info()
    head: dict[str, Any] = {"script": "benchmarks/gpu.py", "date": started, "device": args.device,
                            "tiny": args.tiny, "budget_s": BUDGET_S, **info}
    if args.device == "cuda" and not info["cuda_available"]:
        msg = ("benchmarks/gpu.py: CUDA is not available here (torch " + info["torch"] + ", built for CUDA "
               + str(info["torch_cuda"]) + "). Run it on a machine with a GPU and a CUDA build of torch, or pass "
               "--device cpu --tiny for the toy-size check.")
        print(f"ERROR: {msg}", file=sys.stderr)
        Path(args.out).write_text(json.dumps({**head, "error": msg}, indent=1) + "\n")
        return 2
    threads = apply_thread_policy(args.threads if args.threads is not None else
                                  ("auto" if args.device == "cuda" else "1"))
    head["threads"] = threads
    env = {**os.environ, "DEPTHLAB_THREADS": str(threads), "DEPTHLAB_PROGRESS": "0", "PYTHONUNBUFFERED": "1",
           "XLA_PYTHON_CLIENT_PREALLOCATE": "false",  # JAX beside torch on one GPU: allocate as needed
           "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), *filter(None, [os.environ.get("PYTHONPATH")])])}
    deadline = time.monotonic() + BUDGET_S
    t0 = time.monotonic()
    records: dict[str, Any] = {}
    only = set(args.only.split(",")) if args.only else None
    with tempfile.TemporaryDirectory(prefix="depthlab-gpu-") as tmp:
        for step in steps(args.device, args.tiny, Path(tmp)):
            if only is not None and step.name not in only:
                continue
            rec = run_step(step, env, deadline, Path(tmp), args.tiny)
            records[step.name] = rec
            print(f"[gpu.py] {step.name}: {rec['status']} ({rec.get('wall_s', 0)} s)", file=sys.stderr, flush=True)
    targets = [t for rec in records.values() for t in rec.get("targets", [])]
    failed = [k for k, v in records.items() if v["status"] in ("failed", "timeout", "not run")]
    result = {**head, "wall_s": round(time.monotonic() - t0, 1), "ok": not failed, "failed_steps": failed,
              "targets": targets, "steps": records}
    Path(args.out).write_text(json.dumps(result, indent=1, default=float) + "\n")
    judged = [t for t in targets if t["met"] is not None]
    print(f"[gpu.py] wrote {args.out}: {len(records)} steps, failed: {failed or 'none'}; targets met: "
          f"{sum(1 for t in judged if t['met'])}/{len(judged)}", file=sys.stderr)
    if failed:
        print(f"ERROR: steps failed or timed out: {', '.join(failed)} (details in {args.out})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
