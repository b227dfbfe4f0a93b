"""Markdown as GitHub renders it (testkit.gfm), before any browser: GitHub's extensions,
and raw HTML cut down to GitHub's allowlist."""

from __future__ import annotations

import pytest

from testkit.gfm import render_gfm, sanitize


def test_githubs_extensions_are_on() -> None:
    html = render_gfm("| a | b |\n| --- | :-: |\n| ~~x~~ | https://example.com |\n\n- [x] done\n")
    assert '<th align="center">b</th>' in html
    assert "<del>x</del>" in html
    assert '<a href="https://example.com">https://example.com</a>' in html
    assert '<input type="checkbox" checked disabled> done' in html


def test_a_fence_keeps_its_language_as_github_does() -> None:
    assert (
        render_gfm("```mermaid\ngantt\n```\n") == '<pre lang="mermaid"><code>gantt\n</code></pre>\n'
    )


def test_tags_github_filters_show_as_text() -> None:
    html = render_gfm("<script>alert(1)</script>\n\n<iframe src=x></iframe>\n")
    assert "<script" not in html and "<iframe" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("<details open><summary>s</summary>x</details>",) * 2,
        ('<a href="JavaScript:alert(1)" onclick="x()">t</a>', "<a>t</a>"),
        ('<a href="/relative" title="t">t</a>', '<a href="/relative" title="t">t</a>'),
        ('<img src="x.png" onerror="x()" alt="a">', '<img src="x.png" alt="a">'),
        ('<div style="color:red" class="c">d</div>', "<div>d</div>"),
        ("<span>s</span><font color=red>f</font>", "sf"),
        ("<style>p { color: red }</style><p>p</p>", "<p>p</p>"),
        ("<script>x = 1 < 2</script>after", "after"),
        ("a &lt; b &amp; c", "a &lt; b &amp; c"),
    ],
    ids=["details", "javascript-href", "relative-href", "img-handler", "style-attribute",
         "unknown-tags", "style-element", "script-element", "text"],
)  # fmt: skip
def test_raw_html_is_cut_to_githubs_allowlist(raw: str, clean: str) -> None:
    assert sanitize(raw) == clean
