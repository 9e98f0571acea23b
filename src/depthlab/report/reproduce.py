"""``depthlab reproduce``: run every registered study and write the report.

Layout of the output folder::

    DIR/index.html, DIR/report.md     the report (claims table, per-study sections, figures)
    DIR/claims.parquet                every claim row
    DIR/manifest.json                 scale, seed, device, versions, git SHA, per-study status and timing
    DIR/<study>/                      the study's figures, Parquet tables and its own manifest.json
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from depthlab.device import describe_device, resolve_device
from depthlab.progress import console
from depthlab.report.registry import available_studies, get_study
from depthlab.report.render import StudyReport, claims_frame, render_html, render_markdown
from depthlab.report.types import Scale, StudyContext
from depthlab.results import atomic_write_json, atomic_write_text, environment, now_iso, recorded_run, write_parquet


@dataclass
class ReproduceResult:
    out_dir: Path
    reports: list[StudyReport]

    @property
    def ok(self) -> bool:
        """True when every study ran (a claim that *differs* is a result, not a failure)."""
        return all(r.error is None for r in self.reports)


def reproduce(out_dir: str | Path = "report", *, scale: Scale = "quick", seed: int = 0, device: str = "auto",
              studies: Sequence[str] | None = None) -> ReproduceResult:
    """Run the studies (all registered ones by default) and write the report into ``out_dir``.

    A study that raises is reported as an ``error`` row with its message; the others still run.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    dev = resolve_device(device)
    chosen = [get_study(n) for n in studies] if studies else list(available_studies().values())
    started = now_iso()
    reports: list[StudyReport] = []
    for study in chosen:
        console().log(f"[bold]{study.name}[/bold]: {study.title}")
        ctx = StudyContext(out_dir=out / study.name, scale=scale, seed=seed, device=dev)
        t0 = time.perf_counter()
        try:
            with recorded_run(ctx.out_dir, config={"study": study.name, "scale": scale, "seed": seed},
                              seed=seed, device=dev) as run:
                output = study.run(ctx)
                for name, table in output.tables.items():
                    run.write_table(name, table)
                run.extra["study_config"] = output.config
                run.extra["claims"] = [c.__dict__ for c in output.claims]
            missing = [f.path for f in output.figures if not (ctx.out_dir / f.path).exists()]
            if missing:
                raise FileNotFoundError(f"figures not written: {missing}")
            reports.append(StudyReport(study, study.name, time.perf_counter() - t0, output=output))
        except Exception as exc:  # one study's failure must not hide the others' results
            console().log(f"[red]{study.name} failed[/red]: {exc}")
            tb = traceback.format_exc()
            atomic_write_text(ctx.out_dir / "error.txt", tb)
            reports.append(StudyReport(study, study.name, time.perf_counter() - t0,
                                       error=f"{type(exc).__name__}: {exc}"))
    env = environment(dev)
    meta = {"scale": scale, "seed": seed, "device": describe_device(dev), "started": started,
            "finished": now_iso(), **env}
    write_parquet(claims_frame(reports), out / "claims.parquet")
    atomic_write_text(out / "report.md", render_markdown(reports, meta))
    atomic_write_text(out / "index.html", render_html(reports, meta))
    atomic_write_json(out / "manifest.json", {
        **meta,
        "studies": {r.study.name: {"seconds": round(r.seconds, 3), "error": r.error,
                                   "claims": len(r.claims)} for r in reports},
    })
    return ReproduceResult(out, reports)
