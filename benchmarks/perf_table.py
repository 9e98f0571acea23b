"""Render the table of docs/performance.md from the JSON that benchmarks/fit.py and benchmarks/fit_lm.py wrote.

One row per (workload, peer): depthlab's rate, the peer's, their ratio (> 1: depthlab faster), the 1-minute load
at the start of the workload, the device and the date, straight from the JSON (nothing retyped by hand).

Usage::

    PYTHONPATH=src python benchmarks/fit.py --out fit.json
    PYTHONPATH=src python benchmarks/fit_lm.py --out fit_lm.json
    python benchmarks/perf_table.py fit.json fit_lm.json
"""

from __future__ import annotations

import argparse
import json
from typing import Any

PEERS = {
    "vmap": "torch.func stack_module_state + vmap ensemble, torch Adam",
    "jax": "JAX jit(vmap(grad)), Adam in one lax.fori_loop",
    "bmm": "hand-written stacked bmm, manual backward, in-place Adam",
    "loop": "per-model loop (nn.Sequential + torch Adam each)",
    "today": "the engine before this release (same iterates)",
    "explicit_jacobian": "explicit Jacobian J (M, R, P)",
    "scipy": "SciPy least_squares(method='lm') per model, exact Jacobian",
}


def _g(x: float) -> str:
    if x < 1e3:
        return f"{x:.3g}"
    mant, exp = f"{x:.2e}".split("e")
    return f"{mant}e{int(exp)}"


def _load(v: list[float] | None) -> str:
    return "?" if not v else f"{v[0]:.1f}"


def _date(res: dict[str, Any]) -> str:
    return res.get("date", "?")[:10]


def fit_rows(res: dict[str, Any]) -> list[str]:
    rows = []
    for w in res["workloads"]:
        eng = w["sides"]["engine"]
        for peer, side in w["sides"].items():
            if peer == "engine":
                continue
            ratio = w["ratios"][f"engine/{peer}"]
            rows.append(f"| Adam, {w['workload']}, {w['steps']} steps | {_g(eng['model_steps_per_s'])} model-steps/s "
                        f"({100 * eng['fraction_of_matmul']:.1f} % of matmul) | {PEERS.get(peer, peer)}: "
                        f"{_g(side['model_steps_per_s'])} | **{ratio:.2f}×** | {_load(w['load_at_start'])} | "
                        f"{res['device']} | {_date(res)} |")
    return rows


def lm_rows(res: dict[str, Any]) -> list[str]:
    eng = res["sides"]["engine"]
    rows = []
    for peer, side in res["sides"].items():
        if peer == "engine":
            continue
        ratio = res["ratios_time_per_iteration"][f"{peer}/engine"]
        rows.append(f"| LM iteration, tanh d = {res['width']} L = {res['depth']} N = {res['points']} "
                    f"(M = {res['models']}) | {eng['ms_per_model_iteration']:.3g} ms per model-iteration "
                    f"({100 * eng['fraction_of_matmul']:.0f} % of matmul) | {PEERS.get(peer, peer)}: "
                    f"{side['ms_per_model_iteration']:.3g} ms | **{ratio:.2f}×** | "
                    f"{_load(res.get('load_at_start_of_timing'))} | {res['device']} | {_date(res)} |")
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="+", help="JSON files written by fit.py / fit_lm.py (--out)")
    args = parser.parse_args(argv)
    print("| workload | depthlab | peer | ratio | load | device | date |")
    print("|---|---|---|---|---|---|---|")
    for path in args.files:
        with open(path) as fh:
            res = json.load(fh)
        rows = fit_rows(res) if res.get("benchmark") == "fit.adam" else lm_rows(res)
        print("\n".join(rows))


if __name__ == "__main__":
    main()
