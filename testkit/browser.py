"""What users see, rendered in a real browser: a Markdown document as GitHub shows it
(its Markdown, its stylesheet, its Mermaid charts) and a Mermaid chart on its own, in
headless Chromium (:mod:`.chromium`); a PNG of either, fitted to its content.

Everything the page loads is on this machine: the page from a temporary file, Mermaid's
bundle and ``github-markdown-css`` from ``tests/browser/node_modules`` (its lock file;
``scripts/test.sh`` installs it), :file:`render.js` beside this module. A page that asks
for anything else is refused it, and the call fails (:class:`BrowserError`).

One call starts a browser and ends it (a second or so); pass ``browser=`` an open
:class:`Chromium` to draw several pages in one::

    with open_browser() as browser:
        assert check_mermaid(chart, browser=browser).ok
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html import escape
from pathlib import Path

from .chromium import BrowserError, Chromium, Tab, find_chromium
from .gfm import render_gfm
from .paths import MARKDOWN_CSS, MERMAID_JS

__all__ = [
    "BrowserError",
    "Chromium",
    "MermaidCheck",
    "RenderedPage",
    "check_mermaid",
    "find_chromium",
    "markdown_page",
    "missing",
    "open_browser",
    "page_html",
    "screenshot_markdown",
    "screenshot_mermaid",
]

RENDER_JS = Path(__file__).with_name("render.js")
#: About the width of a job summary or a pull request's conversation on GitHub.
WIDTH = 960


def missing() -> str | None:
    """Why nothing can be rendered here (no Chromium, packages not installed), or None."""
    if find_chromium() is None:
        return "no Chromium (scripts/install-browser.sh installs it; CHROMIUM names another)"
    for needed in (MERMAID_JS, MARKDOWN_CSS):
        if not needed.is_file():
            return f"{needed} is missing (npm ci --prefix tests/browser)"
    return None


@contextmanager
def open_browser() -> Iterator[Chromium]:
    """A headless Chromium for several pages; BrowserError when there is none."""
    why = missing()
    if why is not None:
        raise BrowserError(why)
    path = find_chromium()
    assert path is not None
    with Chromium(path) as browser:
        yield browser


@contextmanager
def _browser(given: Chromium | None) -> Iterator[Chromium]:
    if given is not None:
        yield given
    else:
        with open_browser() as browser:
            yield browser


def page_html(body: str, title: str = "summary") -> str:
    """A page as GitHub frames Markdown: ``body`` (HTML) in a ``markdown-body`` article
    styled by ``github-markdown-css``, then Mermaid's bundle and :file:`render.js`."""
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{escape(title)}</title>
<link rel="stylesheet" href="{MARKDOWN_CSS.as_uri()}">
<style>
body {{ margin: 0; background: #ffffff; }}
.markdown-body {{ box-sizing: border-box; padding: 16px 24px; }}
.mermaid-error {{ color: #d1242f; white-space: pre-wrap; font-family: monospace; }}
</style>
</head>
<body>
<article class="markdown-body">
{body}
</article>
<script src="{MERMAID_JS.as_uri()}"></script>
<script src="{RENDER_JS.as_uri()}"></script>
</body>
</html>
"""


@dataclass
class RenderedPage:
    """A page open in a tab, its charts drawn; ``chart_errors``: Mermaid's, one a chart."""

    tab: Tab
    chart_errors: list[str]

    def texts(self, selector: str) -> list[str]:
        """The text of each element that ``selector`` (CSS) matches, in order."""
        found = self.tab.evaluate(
            f"[...document.querySelectorAll({json.dumps(selector)})].map(e => e.textContent)"
        )
        return list(found)

    def count(self, selector: str) -> int:
        return int(self.tab.evaluate(f"document.querySelectorAll({json.dumps(selector)}).length"))

    def html(self) -> str:
        """The article's HTML as the browser holds it now."""
        return str(self.tab.evaluate("document.querySelector('article').innerHTML"))

    def screenshot(self, png: Path, *, scale: float = 1) -> tuple[int, int]:
        """A PNG of the page, its height fitted; its size in CSS pixels."""
        return self.tab.screenshot(png, scale=scale)


@contextmanager
def _page(body: str, width: int, browser: Chromium | None) -> Iterator[RenderedPage]:
    with _browser(browser) as chromium, tempfile.TemporaryDirectory() as folder:
        page = Path(folder) / "page.html"
        page.write_text(page_html(body), encoding="utf-8")
        tab = chromium.new_tab(width)
        try:
            tab.open(page.as_uri())
            errors = [str(error) for error in tab.evaluate("window.charts")]
            remote = tab.remote()
            if remote:
                raise BrowserError(f"the page asked for what is not on this machine: {remote}")
            yield RenderedPage(tab, errors)
        finally:
            tab.close()


@contextmanager
def markdown_page(
    markdown: str, *, width: int = WIDTH, browser: Chromium | None = None
) -> Iterator[RenderedPage]:
    """``markdown`` rendered as GitHub renders it (:func:`.gfm.render_gfm`), open in a
    tab ``width`` CSS pixels wide, each ```` ```mermaid ```` block drawn by Mermaid."""
    with _page(render_gfm(markdown), width, browser) as page:
        yield page


def screenshot_markdown(
    markdown: str, png: Path, *, width: int = WIDTH, browser: Chromium | None = None
) -> list[str]:
    """A PNG of ``markdown`` as GitHub shows it; the errors of its Mermaid charts."""
    with markdown_page(markdown, width=width, browser=browser) as page:
        page.screenshot(png)
        return page.chart_errors


@dataclass(frozen=True)
class MermaidCheck:
    """A chart drawn by Mermaid: its SVG and size, or Mermaid's error."""

    error: str | None
    svg: str = ""
    width: float = 0
    height: float = 0

    @property
    def ok(self) -> bool:
        return self.error is None

    def __str__(self) -> str:
        return f"ok, {self.width:.0f}×{self.height:.0f}" if self.ok else f"error: {self.error}"


def _check(page: RenderedPage, chart: str) -> MermaidCheck:
    found = page.tab.evaluate(f"checkChart({json.dumps(chart)})")
    if "error" in found:
        return MermaidCheck(str(found["error"]))
    return MermaidCheck(None, str(found["svg"]), float(found["width"]), float(found["height"]))


def check_mermaid(
    chart: str, *, width: int = WIDTH, browser: Chromium | None = None
) -> MermaidCheck:
    """``chart`` (Mermaid's text) parsed and drawn by Mermaid's own bundle in Chromium."""
    with _page('<div id="chart"></div>', width, browser) as page:
        return _check(page, chart)


def screenshot_mermaid(
    chart: str, png: Path, *, width: int = WIDTH, browser: Chromium | None = None
) -> MermaidCheck:
    """:func:`check_mermaid`, and a PNG of the chart when it was drawn."""
    with _page('<div id="chart"></div>', width, browser) as page:
        found = _check(page, chart)
        if found.ok:
            page.screenshot(png)
        return found
