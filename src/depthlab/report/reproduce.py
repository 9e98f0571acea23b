"""``depthlab reproduce``: run every registered study and write the report.

For each study the runner calls its experiment (``run(ctx) -> StudyResult``), writes its tables, draws its
figures, and evaluates its declared claims, consistency checks and findings on the result
(:mod:`depthlab.report.claims`). Layout of the output folder::

    DIR/index.html, DIR/report.md     the report (claims, consistency checks, findings, per-study sections)
    DIR/claims.parquet                every row of the three tables (column ``kind``)
    DIR/manifest.json                 scale, seed, device, versions, git SHA, per-study status and timing
    DIR/<study>/                      the study's figures, Parquet tables and its own manifest.json
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from depthlab import registry
from depthlab.registry import Study, get_study
from depthlab.report.claims import Row, declarations, error_row, evaluate
from depthlab.report.types import Scale, StudyContext, StudyReport, StudyResult, figure_specs


@dataclass
class ReproduceResult:
    out_dir: Path
    reports: list[StudyReport]

    @property
    def ok(self) -> bool:
        """True when every study ran and no row errored (a claim that *differs* is a result, not a failure)."""
        return all(r.error is None for r in self.reports) and not any(
            str(row.verdict) == "error" for r in self.reports for row in r.rows)

    @property
    def rows(self) -> list[Row]:
        return [row for r in self.reports for row in r.rows]


class _StageLog:
    """Prints one line per stage start and at most one progress line every ``every`` seconds, with an ETA."""

    def __init__(self, study: str, log: Callable[[str], None], every: float = 15.0) -> None:
        self.study, self.log, self.every = study, log, every
        self.stage: str | None = None
        self.t_stage = self.t_last = time.perf_counter()

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if stage != self.stage:
            self.stage, self.t_stage, self.t_last = stage, now, now
            self.log(f"{self.study} · {stage}" + (f": {done}/{total}" if total else ""))
            return
        if total and (done >= total or now - self.t_last >= self.every):
            self.t_last = now
            spent = now - self.t_stage
            eta = spent * (total - done) / done if done else float("nan")
            tail = "done" if done >= total else f"ETA {eta:.0f} s"
            self.log(f"{self.study} · {stage}: {done}/{total} ({spent:.0f} s, {tail})")


def run_study(study: Study, ctx: StudyContext) -> StudyReport:
    """Run one study's experiment, write its tables and figures, and evaluate its declarations."""
    from depthlab.plotting import save_figure
    from depthlab.results import recorded_run

    t0 = time.perf_counter()
    decls = declarations(study.load("claims"), ctx.scale)
    with recorded_run(ctx.out_dir, config={"study": study.name, "scale": ctx.scale, "seed": ctx.seed},
                      seed=ctx.seed, device=ctx.device) as run:
        result: StudyResult = study.load("experiment")(ctx)
        for name, table in result.tables.items():
            run.write_table(name, table)
        run.extra["study_config"] = result.config
        figures = figure_specs(study.load("figures"), result)
        for fig in figures:
            ctx.report(f"figure {fig.path}")
            save_figure(fig.draw(result), ctx.out_dir / fig.path)
        rows = [row for group in decls for row in evaluate(study.name, group, result)]
        run.extra["rows"] = [row.as_dict() for row in rows]
    return StudyReport(study, time.perf_counter() - t0, result=result, rows=rows, figures=figures)


def reproduce(out_dir: str | Path = "report", *, scale: Scale = "quick", seed: int = 0, device: str = "auto",
              studies: Sequence[str] | None = None, log: Callable[[str], None] | None = None
              ) -> ReproduceResult:
    """Run the studies (all registered ones by default) and write the report into ``out_dir``.

    A study that raises is reported as an ``error`` row with its message; the others still run.

    Args:
        out_dir: output folder.
        scale: ``"quick"`` or ``"full"``.
        seed: root seed.
        device: ``"auto"``, ``"cpu"``, ``"cuda"``, …
        studies: names of the studies to run (default: all registered, in report order).
        log: where progress lines go (default: the stderr console).
    """
    from depthlab.device import describe_device, resolve_device
    from depthlab.progress import console
    from depthlab.report.render import claims_frame, render_html, render_markdown
    from depthlab.results import atomic_write_json, atomic_write_text, environment, now_iso, write_parquet

    say = log or (lambda text: console().log(text))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    dev = resolve_device(device)
    chosen = [get_study(n) for n in studies] if studies else list(registry.studies().values())
    started = now_iso()
    reports: list[StudyReport] = []
    for k, study in enumerate(chosen, 1):
        say(f"[{k}/{len(chosen)}] {study.name}: {study.title}")
        ctx = StudyContext(out_dir=out / study.name, scale=scale, seed=seed, device=dev,
                           progress=_StageLog(study.name, say))
        t0 = time.perf_counter()
        try:
            reports.append(run_study(study, ctx))
            say(f"{study.name}: finished in {time.perf_counter() - t0:.0f} s")
        except Exception as exc:  # one study's failure must not hide the others' results
            say(f"{study.name} failed: {exc}")
            atomic_write_text(ctx.out_dir / "error.txt", traceback.format_exc())
            msg = f"{type(exc).__name__}: {exc}"
            reports.append(StudyReport(study, time.perf_counter() - t0, error=msg,
                                       rows=[error_row(study.name, study.title, study.paper, msg)]))
    env = environment(dev)
    meta = {"scale": scale, "seed": seed, "device": describe_device(dev), "started": started,
            "finished": now_iso(), **env}
    write_parquet(claims_frame(reports), out / "claims.parquet")
    atomic_write_text(out / "report.md", render_markdown(reports, meta))
    atomic_write_text(out / "index.html", render_html(reports, meta))
    atomic_write_json(out / "manifest.json", {
        **meta,
        "studies": {r.study.name: {"seconds": round(r.seconds, 3), "error": r.error, "rows": len(r.rows)}
                    for r in reports},
    })
    return ReproduceResult(out, reports)
