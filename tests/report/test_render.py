"""The HTML report parses and has its parts: headline (claims only), contents, verdict filter, three tables
apart, a details disclosure per row, figures; Markdown likewise. Built from synthetic rows (no study runs)."""

from __future__ import annotations

from html.parser import HTMLParser

from depthlab.registry import Study
from depthlab.report.claims import Row, Verdict
from depthlab.report.render import headline, render_html, render_markdown
from depthlab.report.types import FigureSpec, StudyReport, StudyResult

META = {"scale": "quick", "seed": 0, "device": "cpu", "versions": {"depthlab": "0"}, "git": {"sha": "abc"},
        "finished": "now"}


def _report() -> list[StudyReport]:
    study = Study("demo", "A demo study", "Paper 2024", "m:run", "m", "m:FIGURES")
    rows = [Row("claim", "demo", "a", "claim a <b>", "Paper, eq. 1", "2", "2.01", Verdict.HOLDS, "holds when …"),
            Row("claim", "demo", "b", "claim b", "Paper, Fig. 2", "1", "3", Verdict.DIFFERS, "holds when …",
                note="caveat", failed=("d=8",)),
            Row("consistency", "demo", "c", "check c", "our formula", "0", "0", Verdict.PASSES, "passes when …"),
            Row("finding", "demo", "f", "how many?", "beyond the papers", "—", "three", Verdict.REPORTED, "LM")]
    fig = FigureSpec("f.png", "a figure", lambda r: None)
    return [StudyReport(study, 1.0, result=StudyResult(summary="sum", methods="tuned on seeds 1000+"), rows=rows,
                        figures=[fig])]


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.stack: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in ("meta", "img", "input", "br"):
            self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"unbalanced </{tag}> (open: {self.stack[-3:]})"
        self.stack.pop()


def test_html_structure() -> None:
    reports = _report()
    page = render_html(reports, META)
    p = _Collect()
    p.feed(page)
    assert p.stack == [], "unclosed tags"
    tables = [a.get("data-kind") for t, a in p.tags if t == "table"]
    assert tables == ["claim", "consistency", "finding"]
    rows = [a.get("data-verdict") for t, a in p.tags if t == "tr" and "data-verdict" in a]
    assert rows == ["holds", "differs", "passes", "reported"]
    assert sum(t == "details" for t, _ in p.tags) == 4
    assert {a.get("value") for t, a in p.tags if t == "input"} == {"holds", "differs", "passes", "reported"}
    assert any(t == "nav" for t, _ in p.tags) and any(t == "img" and a.get("src") == "demo/f.png" for t, a in p.tags)
    assert "claim a &lt;b&gt;" in page and "tuned on seeds 1000+" in page


def test_headline_counts_claims_apart() -> None:
    text = headline(_report())
    assert text.startswith("2 claims: 1 differs, 1 holds; 1 consistency checks: 1 passes; 1 findings")
    md = render_markdown(_report(), META)
    assert md.index("## Claims") < md.index("## Consistency checks") < md.index("## Findings")
