"""The capacity study's d = 8 grid with the depth ratios N*(L)/N*(1), per method, on the sweep runner.

Plan (fixed before the run): ``examples/capacity-grid-d8-ratio.json``. Every (L, activation, bias, method)
cell is one sweep (``depthlab.sweep.run_sweep``, local executor) into its own folder under ``--out``, over the
cell's N window; finished jobs are shards, so an interrupted run resumes. ``summarise`` reads every folder and
prints (and with ``--json`` writes) the N* table per attempt and per data set with 95 % CIs, the best method per
cell and the ratios N*(L)/N*(1) for every planned L > 1 with the counting bound beside. ``ratios --summary
FILE`` recomputes the ratios (same rule) from a saved summary's ``best`` rows, without the raw results.

    PYTHONPATH=src python benchmarks/capacity_grid_d8.py run --out results/grid-d8
    PYTHONPATH=src python benchmarks/capacity_grid_d8.py summarise --out results/grid-d8 --json out.json
    PYTHONPATH=src python benchmarks/capacity_grid_d8.py ratios --summary docs/perf/capacity-grid-d8-2026-12-02.json
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path
from typing import Any

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "examples" / "capacity-grid-d8-ratio.json"


def cells(plan: dict[str, Any]) -> list[tuple[int, str, bool, str, list[int], str]]:
    """(L, activation, bias, method, N window, folder tag) in run order: depth first, so L = 1, 2 finish before
    L = 3. ``plan["extend"]`` ("L/σ/bias/method": N list) adds N above a window for one method (tag "-ext"),
    run in its own folder and pooled with the cell's rows by :func:`summarise`."""
    out = []
    for key, window in plan["windows"].items():
        depth, act, bias = key.split("/")
        for method in plan["methods"][act]:
            out.append((int(depth), act, bias == "on", method, list(window), ""))
    for key, window in plan.get("extend", {}).items():
        depth, act, bias, method = key.split("/")
        out.append((int(depth), act, bias == "on", method, list(window), "-ext"))
    return sorted(out, key=lambda c: c[0])


def folder(out: Path, depth: int, act: str, bias: bool, method: str, tag: str = "") -> Path:
    """One sweep folder per cell and method (and one more per extension)."""
    return out / f"L{depth}-{act}-{'bias' if bias else 'nobias'}-{method}{tag}"


def run(plan: dict[str, Any], out: Path) -> None:
    """Run (or resume) every cell's sweep, one after another, in this process."""
    from depthlab.sweep.runner import run_sweep
    from depthlab.sweep.spec import spec_from_mapping

    for depth, act, bias, method, window, tag in cells(plan):
        spec = spec_from_mapping({
            "study": "capacity", "name": f"grid-d{plan['width']}-L{depth}-{act}-{bias}-{method}{tag}", "device": "cpu",
            "params": {"width": plan["width"], "depth": depth, "activation": act, "bias": bias, "method": method,
                       "trials": plan["trials"], "restarts": plan["restarts"], "seed": plan["seed"],
                       "lm_steps": plan["lm_steps"], "lm_patience": plan["lm_patience"]},
            "grid": {"n_points": window}})
        t0 = time.time()
        rep = run_sweep(spec, folder(out, depth, act, bias, method, tag), progress=False)
        print(f"{time.strftime('%H:%M:%S')} L={depth} {act} bias={bias} {method}{tag}: {rep} "
              f"({time.time() - t0:.0f} s)", flush=True)


def _rows(path: Path) -> pd.DataFrame | None:
    """The rows of one finished sweep folder (None if absent or unfinished)."""
    from depthlab.errors import ConfigError
    from depthlab.sweep.runner import collect, sweep_status

    if not path.exists():
        return None
    try:
        if not sweep_status(path)["complete"]:  # still running (or interrupted): summarised once finished
            return None
        _, rows = collect(path, partial=True)
    except (ConfigError, FileNotFoundError):  # an empty folder (no shard yet) is not summarised
        return None
    return None if rows.empty else rows


def cell_summary(paths: list[Path], depth: int, act: str, bias: bool, width: int) -> dict[str, Any] | None:
    """N* per data set and per attempt from the pooled rows of finished sweep folders (None if none)."""
    from depthlab.capacity.cli_verify import counting_bound
    from depthlab.capacity.success import crossing_from_summary, point_summary

    parts = [_rows(p) for p in paths]
    if parts[0] is None:  # the main window must be finished
        return None
    rows = pd.concat([r for r in parts if r is not None], ignore_index=True)
    rows = rows.drop(columns=["trial"]).rename(columns={"dataset": "trial"})  # sweep's trial hash
    summ = point_summary(rows)
    ds = crossing_from_summary(summ)
    at = crossing_from_summary(summ, attempts=True)
    bound = counting_bound(depth, width, act, bias)[0]
    return {"n_star": ds.n_star, "n_star_low": ds.low, "n_star_high": ds.high, "method_ci": ds.method,
            "censored": ds.censored, "n_star_attempt": at.n_star, "attempt_low": at.low, "attempt_high": at.high,
            "bound": bound, "curve": {int(r.n_points): [int(r.fitted), int(r.trials), int(r.attempts_fitted),
                                                         int(r.attempts)] for r in summ.itertuples()},
            "seconds": float(rows["seconds"].sum()) if "seconds" in rows else math.nan}


def summarise(plan: dict[str, Any], out: Path) -> dict[str, Any]:
    """Every cell's N* per method, the best method per cell, and the depth ratios with intervals."""
    table = []
    for depth, act, bias, method, _, tag in cells(plan):
        if tag:
            continue
        paths = [folder(out, depth, act, bias, method, t) for t in ("", "-ext")]
        s = cell_summary(paths, depth, act, bias, plan["width"])
        if s is not None:
            table.append({"depth": depth, "activation": act, "bias": bias, "method": method, **s})
    df = pd.DataFrame(table)
    best = best_rows(df)
    return {"cells": table, "best": best.to_dict("records"), "ratios": depth_ratio_rows(best)}


def best_rows(df: pd.DataFrame) -> pd.DataFrame:
    """The whole row of the highest-N* method per (depth, activation, bias) cell (ties to the earlier row).

    Not ``groupby().first()``, which takes each column's first non-null value and so can mix rows (e.g. a best
    method's empty ``censored`` filled from another method's ``"below"``)."""
    if df.empty:
        return df
    return (df.sort_values("n_star", ascending=False, kind="stable")
            .drop_duplicates(["depth", "activation", "bias"]).sort_values(["depth", "activation", "bias"])
            .reset_index(drop=True))


def depth_ratio_rows(best: pd.DataFrame, depths: tuple[int, ...] | None = None) -> list[dict[str, Any]]:
    """N*(L)/N*(1) per activation and bias for each L in ``depths`` (default: every L > 1 in ``best``).

    ``best`` holds one best-method row per (depth, activation, bias), from ``summarise`` or from a saved JSON's
    ``best``. Each ratio has the point value, the interval from the two CIs' ends (numerator low / denominator
    high, numerator high / denominator low: the rule of :func:`depthlab.capacity.success.depth_ratios`), the
    per-attempt ratio and the counting-bound ratio."""
    if depths is None:
        depths = tuple(sorted(int(d) for d in set(best["depth"]) if d > 1)) if not best.empty else ()
    ratios = []
    for bias in (False, True):
        den = best[(best["depth"] == 1) & (best["bias"] == bias)]
        if den.empty:
            continue
        den = den.iloc[0]
        for act in ("relu", "sigmoid", "tanh"):
            for depth in depths:
                num = best[(best["depth"] == depth) & (best["activation"] == act) & (best["bias"] == bias)]
                if num.empty:
                    continue
                num = num.iloc[0]
                ratios.append({"activation": act, "bias": bias, "depth": depth, "method": num["method"],
                               "ratio": num["n_star"] / den["n_star"],
                               "ratio_low": num["n_star_low"] / den["n_star_high"],
                               "ratio_high": num["n_star_high"] / den["n_star_low"],
                               "ratio_attempt": num["n_star_attempt"] / den["n_star_attempt"],
                               "bound_ratio": num["bound"] / den["bound"]})
    return ratios


def markdown(res: dict[str, Any]) -> str:
    """Two Markdown tables: N* per cell and method (data set [CI], per attempt), and the ratios."""
    by: dict[tuple[int, str, bool], dict[str, dict[str, Any]]] = {}
    for c in res["cells"]:
        by.setdefault((c["depth"], c["activation"], c["bias"]), {})[c["method"]] = c
    best = {(b["depth"], b["activation"], b["bias"]): b["method"] for b in res["best"]}
    lines = ["| L | σ | bias | lm: N\\* [95 % CI] / per attempt | varpro | activation-homotopy | best | bound |",
             "|---|---|---|---|---|---|---|---|"]
    for key in sorted(by):
        cols = []
        for m in ("lm", "varpro", "activation-homotopy"):
            c = by[key].get(m)
            cols.append("—" if c is None else f"{c['n_star']:.1f} [{c['n_star_low']:.1f}, {c['n_star_high']:.1f}]"
                        f"{' ' + c['censored'] if c['censored'] else ''} / {c['n_star_attempt']:.1f}")
        bound = next(iter(by[key].values()))["bound"]
        lines.append(f"| {key[0]} | {key[1]} | {'on' if key[2] else 'off'} | {' | '.join(cols)} | {best[key]} | "
                     f"{bound:g} |")
    rat: dict[tuple[str, bool], dict[int, dict[str, Any]]] = {}
    for r in res["ratios"]:
        rat.setdefault((r["activation"], r["bias"]), {})[r["depth"]] = r
    depths = sorted({r["depth"] for r in res["ratios"]})
    lines += ["", "| σ | bias | " + " | ".join(f"N\\*({k})/N\\*(1) [CI] | per attempt" for k in depths)
              + f" | bound ratios ({', '.join(map(str, depths))}) |", "|---|---|" + "---|---|" * len(depths) + "---|"]
    for (act, bias), d in sorted(rat.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        cell = []
        for depth in depths:
            r = d.get(depth)
            cell += (["—", "—"] if r is None else
                     [f"{r['ratio']:.2f} [{r['ratio_low']:.2f}, {r['ratio_high']:.2f}]", f"{r['ratio_attempt']:.2f}"])
        bounds = ", ".join(f"{d[k]['bound_ratio']:.2f}" for k in depths if k in d)
        lines.append(f"| {act} | {'on' if bias else 'off'} | {' | '.join(cell)} | {bounds} |")
    return "\n".join(lines)


def main() -> None:
    """CLI: ``run``, ``summarise`` or ``ratios``."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("command", choices=["run", "summarise", "ratios"])
    ap.add_argument("--out", type=Path, default=Path("results/grid-d8"))
    ap.add_argument("--plan", type=Path, default=PLAN)
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--summary", type=Path, default=None, help="ratios: a saved summary JSON (its best rows)")
    a = ap.parse_args()
    plan = json.loads(a.plan.read_text())
    if a.command == "ratios":
        if a.summary is None:
            ap.error("ratios needs --summary FILE")
        rows = depth_ratio_rows(pd.DataFrame(json.loads(a.summary.read_text())["best"]))
        for r in rows:
            print(f"{r['activation']:8s} bias={'on ' if r['bias'] else 'off'} N*({r['depth']})/N*(1) = "
                  f"{r['ratio']:.2f} [{r['ratio_low']:.2f}, {r['ratio_high']:.2f}] ({r['method']}; per attempt "
                  f"{r['ratio_attempt']:.2f}; bound {r['bound_ratio']:.2f})")
        if a.json:
            a.json.write_text(json.dumps(rows, indent=1, default=str))
        return
    if a.command == "run":
        run(plan, a.out)
        return
    res = summarise(plan, a.out)
    for c in res["cells"]:
        print(f"L={c['depth']} {c['activation']:8s} bias={'on ' if c['bias'] else 'off'} {c['method']:20s} "
              f"N*={c['n_star']:.1f} [{c['n_star_low']:.1f}, {c['n_star_high']:.1f}] {c['method_ci']} "
              f"{c['censored'] or ''} att={c['n_star_attempt']:.1f} bound={c['bound']:.2f} {c['curve']}")
    for r in res["ratios"]:
        print(f"{r['activation']:8s} bias={'on ' if r['bias'] else 'off'} N*({r['depth']})/N*(1) = {r['ratio']:.2f} "
              f"[{r['ratio_low']:.2f}, {r['ratio_high']:.2f}] ({r['method']}; per attempt "
              f"{r['ratio_attempt']:.2f}; bound {r['bound_ratio']:.2f})")
    print(markdown(res))
    if a.json:
        a.json.write_text(json.dumps(res, indent=1, default=str))


if __name__ == "__main__":
    main()
