"""Summary of the ReLU K = 4 evaluation of sequential linear programming against Adam (plan
``docs/perf/committee-slp-plan-2026-12-03.json``; docs/committee.md, "Sequential linear programming for ReLU
K ≥ 4").

Each run of the plan is one ``depthlab committee run`` folder under ``--results``, named
``{method}-k{K}-n{N}`` (``slp``, ``adam1``, ``adam16``, ``adam64``). This script pools each method's folders,
fits α_50 per N (logistic MLE, :func:`depthlab.committee.analysis.transitions`) and α_∞ over the sizes
(weighted 1/N fit, :func:`depthlab.committee.analysis.extrapolate`), and reports per-α success counts, the mean
fewest errors and the compute seconds per problem, as JSON.

    PYTHONPATH=src python benchmarks/committee_slp_eval.py --results results --json out.json
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pandas as pd

FOLDER = re.compile(r"^(?P<method>slp|adam\d+)-k(?P<K>\d+)-n(?P<N>\d+)$")


def load(results: Path) -> dict[str, pd.DataFrame]:
    """Per-instance rows of every matching run folder, pooled per method."""
    from depthlab.results import ShardStore

    out: dict[str, list[pd.DataFrame]] = {}
    for d in sorted(results.iterdir()):
        m = FOLDER.match(d.name)
        df = ShardStore(d).collect() if m and d.is_dir() else pd.DataFrame()
        if len(df):
            out.setdefault(m["method"], []).append(df.assign(method=m["method"]))
    return {k: pd.concat(v, ignore_index=True) for k, v in out.items()}


def summarise(results: Path) -> dict[str, Any]:
    """α_50 per (K, N), α_∞ per K (where there are ≥ 2 sizes), and per-cell counts, per method."""
    from depthlab.committee.analysis import extrapolate, transitions

    summary: dict[str, Any] = {}
    for method, df in load(results).items():
        tr = transitions(df)
        ex = extrapolate(tr) if tr.groupby("K")["N"].nunique().max() > 1 else pd.DataFrame()
        cells = (df.groupby(["K", "N", "alpha"])
                 .agg(solved=("solved", "sum"), instances=("solved", "size"),
                      errors_min_mean=("errors_min", "mean"), seconds=("seconds", "first"))
                 .reset_index())
        cells["seconds_per_problem"] = cells["seconds"] / cells["instances"]
        summary[method] = {
            "transitions": tr[["K", "N", "alpha50", "alpha50_se"]].to_dict(orient="records"),
            "extrapolated": ex[["K", "sizes", "alpha_inf", "alpha_inf_se"]].to_dict(orient="records")
            if len(ex) else [],
            "cells": cells.to_dict(orient="records"),
            "seconds": float(cells["seconds"].sum()),
        }
    return summary


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--results", type=Path, default=Path("results"))
    ap.add_argument("--json", type=Path, default=None, help="also write the summary here")
    ap.add_argument("--log", type=Path, default=None, help="a run log (START/END lines with uptime) to embed")
    a = ap.parse_args()
    res = {"summary": summarise(a.results),
           "uptime_at_write": subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()}
    if a.log is not None:
        res["log"] = a.log.read_text().splitlines()
    text = json.dumps(res, indent=1, default=float)
    print(text)
    if a.json is not None:
        a.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
