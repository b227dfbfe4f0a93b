"""What users see, in a real browser (testkit.browser): Mermaid's own bundle draws a
capacity week's gantt chart in headless Chromium, and says so when a chart is broken;
a summary's Markdown renders as GitHub renders it, its chart included; a page may load
nothing from off the machine.

Skipped when Chromium or tests/browser/node_modules is missing, except under ``CI=true``,
where that fails: scripts/test.sh installs both.
"""

from __future__ import annotations

import re
import struct
from pathlib import Path

import pytest

from testkit.browser import (
    BrowserError,
    Chromium,
    check_mermaid,
    find_chromium,
    markdown_page,
    screenshot_mermaid,
)
from testkit.chromium import DEBIAN
from testkit.paths import GANTT_SAMPLE

SAMPLE = GANTT_SAMPLE.read_text(encoding="utf-8")


def png_size(png: Path) -> tuple[int, int]:
    """Width and height from a PNG's header (its IHDR chunk)."""
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_the_sample_gantt_chart_is_drawn_with_every_section_and_task(browser: Chromium) -> None:
    sections = re.findall(r"^\s*section (.+?)\s*$", SAMPLE, re.MULTILINE)
    tasks = re.findall(r"^ +[^:\n]+:\s*(?:\w+,\s*)?(\w+),\s*2026-", SAMPLE, re.MULTILINE)
    assert len(sections) == 6 and len(tasks) == 18  # the sample is what this test reads
    found = check_mermaid(SAMPLE, browser=browser)
    assert found.ok, found.error
    assert found.width > 600 and found.height > 200, str(found)
    assert str(found) == f"ok, {found.width:.0f}×{found.height:.0f}"
    titles = re.findall(r'class="sectionTitle[^"]*"[^>]*>(?:<tspan[^>]*>)?([^<]+)<', found.svg)
    assert titles == sections
    for task in tasks:
        bar = re.search(rf'<rect id="mermaid-\d+-{task}"[^>]* width="([\d.]+)"', found.svg)
        assert bar is not None, f"task {task} has no bar"
        assert float(bar.group(1)) > 0
    assert "4..12 override" in found.svg


@pytest.mark.parametrize(
    ("broken", "error"),
    [
        # A task without a name: Mermaid's parser stops at it.
        (
            ("    section acme/llama after\n", "    section acme/llama after\n    :crit, x, 1d\n"),
            "Parse error on line 26:\n...cme/llama after    :crit, x, 1d",
        ),
        # A date that is not one.
        (("2026-12-11 22:00, 8h", "2026-12-41 22:00, 8h"), "Invalid date"),
        # Not a diagram Mermaid knows.
        (("gantt\n", "gant\n"), "No diagram type detected"),
    ],
    ids=["syntax", "date", "diagram-type"],
)
def test_a_broken_chart_reports_mermaids_error(
    browser: Chromium, broken: tuple[str, str], error: str
) -> None:
    assert broken[0] in SAMPLE
    found = check_mermaid(SAMPLE.replace(*broken), browser=browser)
    assert not found.ok
    assert found.error is not None and error in found.error
    assert str(found) == f"error: {found.error}"
    assert (found.svg, found.width, found.height) == ("", 0, 0)


def test_a_chart_screenshot_is_the_chart_at_the_width_asked(
    browser: Chromium, tmp_path: Path
) -> None:
    png = tmp_path / "gantt.png"
    found = screenshot_mermaid(SAMPLE, png, width=800, browser=browser)
    assert found.ok, found.error
    width, height = png_size(png)
    assert width == 800
    # Fitted to the chart (and the page's padding), not the 600-pixel viewport.
    assert found.height < height < found.height + 60


SUMMARY = r"""### ✅ Sieve scaling

| | |
| --- | --- |
| Function | `acme/whisper` |
| Note | a \| b, 2 \* 3, a\_b, &lt;not a tag&gt; &amp; `x \| y` |

<details><summary>Smoke test cases</summary>

- `hello`: passed
</details>

<script>window.scriptRan = true</script>
<a href="javascript:alert(1)" onclick="window.linkClicked = true">a link</a>

```mermaid
gantt
    dateFormat YYYY-MM-DD HH:mm
    axisFormat %a
    section acme/whisper
    2..8 :active, w1, 2026-12-07 08:00, 12h
```
"""


def test_a_summary_renders_as_github_renders_it(browser: Chromium, tmp_path: Path) -> None:
    with markdown_page(SUMMARY, browser=browser) as page:
        assert page.chart_errors == []
        assert page.texts("h3") == ["✅ Sieve scaling"]
        assert page.texts("td") == [
            "Function",
            "acme/whisper",
            "Note",
            "a | b, 2 * 3, a_b, <not a tag> & x | y",
        ]
        assert page.texts("td code") == ["acme/whisper", "x | y"]
        # The details block is kept (GitHub's allowlist has it) and closed.
        assert page.texts("details > summary") == ["Smoke test cases"]
        assert page.tab.evaluate("document.querySelector('details').open") is False
        assert page.texts("details li code") == ["hello"]
        # Raw HTML GitHub filters: the script shows as text and never runs; the link
        # keeps its text and loses its handler and its javascript: URL.
        assert "<script>window.scriptRan = true</script>" in page.texts("article")[0]
        assert page.tab.evaluate("window.scriptRan === undefined") is True
        assert page.count("script") == 2  # Mermaid's bundle and render.js
        assert page.tab.evaluate("[...document.querySelectorAll('article a')].map(a => "
                                 "a.getAttributeNames().length)") == [0]  # fmt: skip
        # The ```mermaid block is a chart, drawn where the block was.
        assert page.count("pre") == 0
        assert page.count("article .mermaid-chart > svg") == 1
        assert page.texts(".mermaid-chart .sectionTitle") == ["acme/whisper"]
        png = tmp_path / "summary.png"
        size = page.screenshot(png)
        assert png_size(png) == size and size[0] == 960


def test_a_broken_chart_in_a_summary_shows_its_error(browser: Chromium) -> None:
    markdown = "Before.\n\n```mermaid\ngantt\n    section a\n    b :: nope\n```\n\nAfter.\n"
    with markdown_page(markdown, browser=browser) as page:
        [error] = page.chart_errors
        assert page.texts(".mermaid-error") == [error]
        assert page.count("svg") == 0
        assert page.texts("p") == ["Before.", "After."]


def test_a_page_gets_nothing_from_off_the_machine(browser: Chromium) -> None:
    with (
        pytest.raises(BrowserError, match=r"not on this machine: \['https://example.com/x.png'\]"),
        markdown_page("![a picture](https://example.com/x.png)", browser=browser),
    ):
        pass


def test_chromium_is_the_one_named_else_debians(tmp_path: Path) -> None:
    script = tmp_path / "chrome"
    script.write_text("#!/bin/sh\n")
    assert find_chromium({"CHROMIUM": str(script)}) is None  # not executable
    script.chmod(0o755)
    assert find_chromium({"CHROMIUM": str(script)}) == script
    assert find_chromium({"CHROMIUM": str(tmp_path / "absent")}) is None
    expected = DEBIAN if DEBIAN.is_file() else None
    assert find_chromium({"PATH": str(tmp_path)}) == expected
