"""Render a reproduction report as Markdown and as one self-contained HTML page (figures linked as PNG files).

The page opens with the headline counts (claims judged against a source outside our code only), a contents
list and three tables shown apart: **claims** (holds / differs / not tested), **consistency checks** (our code
against our own derivations: passes / fails) and **findings** (answers beyond the papers). Each row is compact
(statement, source, the source's value, ours, verdict); the rule and the caveats sit behind a per-row
"details" disclosure. A verdict filter hides rows by verdict. Then one section per study: summary, methods
(how tuned knobs were chosen) and figures.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from depthlab.report.claims import ROW_COLUMNS, Row

if TYPE_CHECKING:
    import pandas as pd

    from depthlab.report.types import StudyReport

KIND_TITLES = {
    "claim": "Claims (judged against a source outside our code)",
    "consistency": "Consistency checks (our code against our own derivations)",
    "finding": "Findings (answers beyond the papers)",
}


def claims_frame(reports: Sequence[StudyReport]) -> pd.DataFrame:
    """Every row of the three tables as one DataFrame with the columns of :data:`ROW_COLUMNS`."""
    import pandas as pd

    return pd.DataFrame([row.as_dict() for r in reports for row in r.rows], columns=list(ROW_COLUMNS))


def rows_of(reports: Sequence[StudyReport], kind: str) -> list[Row]:
    return [row for r in reports for row in r.rows if row.kind == kind]


def headline(reports: Sequence[StudyReport]) -> str:
    """``"81 claims: 57 holds, 15 differs, 9 not tested; 12 consistency checks: 12 passes; 4 findings"``."""
    parts = []
    for kind, label in (("claim", "claims"), ("consistency", "consistency checks"), ("finding", "findings")):
        rows = rows_of(reports, kind)
        counts = Counter(str(row.verdict) for row in rows)
        detail = ", ".join(f"{n} {v}" for v, n in sorted(counts.items())) if kind != "finding" else ""
        parts.append(f"{len(rows)} {label}" + (f": {detail}" if detail else ""))
    return "; ".join(parts)


def _md(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _meta_line(meta: dict[str, Any]) -> str:
    sha = (meta["git"].get("sha") or "unknown")[:12]
    return (f"Scale {meta['scale']}, seed {meta['seed']}, device {meta['device']}, depthlab "
            f"{meta['versions'].get('depthlab')}, git {sha}{' (dirty)' if meta['git'].get('dirty') else ''}, "
            f"generated {meta['finished']}.")


def render_markdown(reports: Sequence[StudyReport], meta: dict[str, Any]) -> str:
    """The report as Markdown: header, the three tables, then one section per study with figures."""
    lines = ["# depthlab reproduction report", "", _meta_line(meta), "", f"**{headline(reports)}**", ""]
    for kind, title in KIND_TITLES.items():
        rows = rows_of(reports, kind)
        if not rows:
            continue
        lines += [f"## {title}", "", "| study | statement | source | source's value | ours | verdict |",
                  "|---|---|---|---|---|---|"]
        lines += ["| " + " | ".join(_md(x) for x in (row.study, row.statement, row.source, row.expected,
                                                     row.measured, f"**{row.verdict}**")) + " |" for row in rows]
        lines.append("")
    for r in reports:
        lines += [f"## {r.study.title}", "", f"*{r.study.paper}* — ran in {r.seconds:.1f} s; tables and "
                  f"manifest in `{r.folder}/`.", ""]
        if r.error:
            lines += [f"**This study failed:** `{r.error}`", ""]
            continue
        assert r.result is not None
        if r.result.summary:
            lines += [r.result.summary.strip(), ""]
        if r.result.methods:
            lines += ["**Methods.** " + r.result.methods.strip(), ""]
        lines += ["How each row was decided:", ""]
        lines += [f"- *{row.statement}* ({row.verdict}): {row.rule}" + (f". {row.note}" if row.note else "")
                  for row in r.rows]
        lines.append("")
        for fig in r.figures:
            lines += [f"![{fig.caption}]({r.folder}/{fig.path})", "", f"*{fig.caption}*", ""]
    return "\n".join(lines) + "\n"


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;
color:#222;line-height:1.45}
table{border-collapse:collapse;width:100%;font-size:0.9em;margin-bottom:1.5em}th,td{border:1px solid #ccc;
padding:3px 6px;vertical-align:top;text-align:left}th{background:#f3f3f3}td.n{max-width:22em}
.v{font-weight:600;white-space:nowrap;padding:1px 6px;border-radius:4px}
.v-holds,.v-passes{background:#d9f2d9}.v-differs,.v-fails{background:#ffe0b3}
.v-not-tested,.v-not-run,.v-reported{background:#e6e6e6}.v-error{background:#f7c6c6}
details summary{cursor:pointer;color:#446}details p{margin:0.3em 0}
figure{margin:1.5em 0}figure img{max-width:100%;border:1px solid #ddd}figcaption{font-style:italic;color:#555}
code{background:#f5f5f5;padding:0 3px}.meta{color:#555}#filter label{margin-right:1em}
"""

_FILTER_JS = """
function dlFilter(){var on={};document.querySelectorAll('#filter input').forEach(function(c){on[c.value]=c.checked;});
document.querySelectorAll('tr[data-verdict]').forEach(function(r){r.style.display=on[r.dataset.verdict]?'':'none';});}
"""


def _html_row(row: Row) -> str:
    e = html.escape
    cls = "v-" + str(row.verdict).replace(" ", "-")
    details = f"<p><b>Rule:</b> {e(row.rule)}</p>"
    if row.note:
        details += f"<p><b>Note:</b> {e(row.note)}</p>"
    if row.failed:
        details += f"<p><b>Failed items:</b> {e('; '.join(row.failed))}</p>"
    return (f"<tr data-verdict='{e(str(row.verdict))}'><td>{e(row.study)}</td><td class='n'>{e(row.statement)}"
            f"<details><summary>details</summary>{details}</details></td><td class='n'>{e(row.source)}</td>"
            f"<td>{e(row.expected)}</td><td class='n'>{e(row.measured)}</td>"
            f"<td><span class='v {cls}'>{e(str(row.verdict))}</span></td></tr>")


def render_html(reports: Sequence[StudyReport], meta: dict[str, Any]) -> str:
    """The report as one HTML page; figures are ``<img>`` links to the PNG files beside it."""
    e = html.escape
    verdicts = sorted({str(row.verdict) for r in reports for row in r.rows})
    toc = [f"<li><a href='#{k}'>{e(t)}</a></li>" for k, t in KIND_TITLES.items() if rows_of(reports, k)]
    toc += [f"<li><a href='#study-{e(r.study.name)}'>{e(r.study.title)}</a></li>" for r in reports]
    out = [
        "<!doctype html><html><head><meta charset='utf-8'><title>depthlab report</title>",
        f"<style>{_CSS}</style><script>{_FILTER_JS}</script></head><body>",
        "<h1>depthlab reproduction report</h1>",
        f"<p class='meta'>{e(_meta_line(meta))}</p>",
        f"<p id='headline'><b>{e(headline(reports))}</b></p>",
        "<nav><h2>Contents</h2><ul>" + "".join(toc) + "</ul></nav>",
        "<p id='filter'>Show: " + "".join(
            f"<label><input type='checkbox' value='{e(v)}' checked onchange='dlFilter()'> {e(v)}</label>"
            for v in verdicts) + "</p>",
    ]
    for kind, title in KIND_TITLES.items():
        rows = rows_of(reports, kind)
        if not rows:
            continue
        out.append(f"<h2 id='{kind}'>{e(title)}</h2><table class='rows' data-kind='{kind}'><tr><th>study</th>"
                   "<th>statement</th><th>source</th><th>source's value</th><th>ours</th><th>verdict</th></tr>")
        out += [_html_row(row) for row in rows]
        out.append("</table>")
    for r in reports:
        out.append(f"<h2 id='study-{e(r.study.name)}'>{e(r.study.title)}</h2><p class='meta'><i>"
                   f"{e(r.study.paper)}</i> — ran in {r.seconds:.1f} s; tables and manifest in "
                   f"<code>{e(r.folder)}/</code>.</p>")
        if r.error:
            out.append(f"<p><b>This study failed:</b> <code>{e(r.error)}</code></p>")
            continue
        assert r.result is not None
        if r.result.summary:
            out.append("".join(f"<p>{e(p.strip())}</p>" for p in r.result.summary.strip().split("\n\n")))
        if r.result.methods:
            out.append(f"<p><b>Methods.</b> {e(r.result.methods.strip())}</p>")
        for fig in r.figures:
            src = e(f"{r.folder}/{fig.path}")
            out.append(f"<figure><img src='{src}' alt='{e(fig.caption)}'><figcaption>{e(fig.caption)}"
                       "</figcaption></figure>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"
