"""Render a reproduction report as Markdown and as a self-contained HTML page (figures linked as PNG files)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from depthlab.report.types import Claim, Study, StudyOutput, Verdict

CLAIM_COLUMNS = ("study", "claim", "source", "paper_value", "measured", "verdict", "note")


@dataclass
class StudyReport:
    """One study's part of the report: its output, or the error that stopped it."""

    study: Study
    folder: str
    seconds: float
    output: StudyOutput | None = None
    error: str | None = None

    @property
    def claims(self) -> list[Claim]:
        if self.output is not None:
            return self.output.claims
        return [Claim(claim=f"{self.study.title}: study ran", source=self.study.paper, paper_value="—",
                      measured=f"failed: {self.error}", verdict=Verdict.ERROR)]


def claims_frame(reports: Sequence[StudyReport]) -> pd.DataFrame:
    """All claims as one table with the columns of :data:`CLAIM_COLUMNS`."""
    rows = [
        {"study": r.study.name, "claim": c.claim, "source": c.source, "paper_value": c.paper_value,
         "measured": c.measured, "verdict": str(c.verdict), "note": c.note}
        for r in reports for c in r.claims
    ]
    return pd.DataFrame(rows, columns=list(CLAIM_COLUMNS))


def _md_cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(reports: Sequence[StudyReport], meta: dict[str, Any]) -> str:
    """The report as Markdown: header, the claims table, then one section per study with figures."""
    lines = [
        "# depthlab reproduction report",
        "",
        f"Scale **{meta['scale']}**, seed {meta['seed']}, device {meta['device']}, "
        f"depthlab {meta['versions'].get('depthlab')}, git {(meta['git'].get('sha') or 'unknown')[:12]}"
        f"{' (dirty)' if meta['git'].get('dirty') else ''}, generated {meta['finished']}.",
        "",
        "## Claims",
        "",
        "| study | claim | source | paper | measured | verdict |",
        "|---|---|---|---|---|---|",
    ]
    for r in reports:
        for c in r.claims:
            lines.append("| " + " | ".join(_md_cell(x) for x in (
                r.study.name, c.claim, c.source, c.paper_value, c.measured, f"**{c.verdict}**")) + " |")
    counts = claims_frame(reports)["verdict"].value_counts().to_dict()
    lines += ["", "Verdicts: " + ", ".join(f"{v}: {n}" for v, n in sorted(counts.items())), ""]
    for r in reports:
        lines += [f"## {r.study.title}", "", f"*{r.study.paper}* — ran in {r.seconds:.1f} s; "
                  f"tables and manifest in `{r.folder}/`.", ""]
        if r.error:
            lines += [f"**This study failed:** `{r.error}`", ""]
            continue
        assert r.output is not None
        if r.output.summary:
            lines += [r.output.summary.strip(), ""]
        notes = [c for c in r.output.claims if c.note]
        if notes:
            lines += ["How each verdict was decided:", ""]
            lines += [f"- *{c.claim}*: {c.note}" for c in notes]
            lines.append("")
        for fig in r.output.figures:
            lines += [f"![{fig.caption}]({r.folder}/{fig.path})", "", f"*{fig.caption}*", ""]
    return "\n".join(lines) + "\n"


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;
color:#222;line-height:1.45}
table{border-collapse:collapse;width:100%;font-size:0.92em}th,td{border:1px solid #ccc;padding:4px 6px;
vertical-align:top;text-align:left}th{background:#f3f3f3}
.v{font-weight:600;white-space:nowrap;padding:1px 6px;border-radius:4px}
.v-holds{background:#d9f2d9}.v-differs{background:#ffe0b3}.v-not-tested{background:#e6e6e6}.v-error{background:#f7c6c6}
figure{margin:1.5em 0}figure img{max-width:100%;border:1px solid #ddd}figcaption{font-style:italic;color:#555}
code{background:#f5f5f5;padding:0 3px}.meta{color:#555}
"""


def render_html(reports: Sequence[StudyReport], meta: dict[str, Any], markdown_summaries: bool = True) -> str:
    """The report as one HTML page; figures are ``<img>`` links to the PNG files beside it."""
    e = html.escape
    sha = (meta["git"].get("sha") or "unknown")[:12]
    out = [
        "<!doctype html><html><head><meta charset='utf-8'><title>depthlab report</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>depthlab reproduction report</h1>",
        f"<p class='meta'>Scale <b>{e(str(meta['scale']))}</b>, seed {e(str(meta['seed']))}, device "
        f"{e(str(meta['device']))}, depthlab {e(str(meta['versions'].get('depthlab')))}, git {e(sha)}"
        f"{' (dirty)' if meta['git'].get('dirty') else ''}, generated {e(meta['finished'])}.</p>",
        "<h2>Claims</h2><table><tr><th>study</th><th>claim</th><th>source</th><th>paper</th><th>measured</th>"
        "<th>verdict</th><th>how decided</th></tr>",
    ]
    for r in reports:
        for c in r.claims:
            cls = "v-" + str(c.verdict).replace(" ", "-")
            out.append(
                f"<tr><td>{e(r.study.name)}</td><td>{e(c.claim)}</td><td>{e(c.source)}</td>"
                f"<td>{e(c.paper_value)}</td><td>{e(c.measured)}</td>"
                f"<td><span class='v {cls}'>{e(str(c.verdict))}</span></td><td>{e(c.note)}</td></tr>"
            )
    out.append("</table>")
    for r in reports:
        out.append(f"<h2>{e(r.study.title)}</h2><p class='meta'><i>{e(r.study.paper)}</i> — ran in "
                   f"{r.seconds:.1f} s; tables and manifest in <code>{e(r.folder)}/</code>.</p>")
        if r.error:
            out.append(f"<p><b>This study failed:</b> <code>{e(r.error)}</code></p>")
            continue
        assert r.output is not None
        if r.output.summary:
            out.append("".join(f"<p>{e(p.strip())}</p>" for p in r.output.summary.strip().split("\n\n")))
        for fig in r.output.figures:
            src = e(f"{r.folder}/{fig.path}")
            out.append(f"<figure><img src='{src}' alt='{e(fig.caption)}'><figcaption>{e(fig.caption)}"
                       "</figcaption></figure>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"
