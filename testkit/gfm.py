"""Markdown to HTML as GitHub renders a job summary, a comment or a README.

GitHub parses with its own fork of cmark-gfm (here through ``cmarkgfm``, bindings to
that fork): the ``table``, ``strikethrough``, ``autolink``, ``tagfilter`` and
``tasklist`` extensions, fenced code's language as ``<pre lang="…">``. Raw HTML is
let through the parser, then cut down by GitHub's sanitizer to an allowlist (so
``<details>`` and ``<summary>`` work, and no script, style, iframe, event handler or
``javascript:`` link survives); :func:`sanitize` is that allowlist, from the
``html-pipeline`` gem's ``SanitizationFilter``, which GitHub's own grew from.

``cmarkgfm`` is a test requirement, not the standard library: it is imported when a
document is rendered, so the rest of the test kit runs on any Python of the project's.
"""

from __future__ import annotations

import re
from html import escape
from html.parser import HTMLParser

_ELEMENTS = (
    "h1 h2 h3 h4 h5 h6 h7 h8 br b i strong em a pre code img tt div ins del sup sub p ol ul"
    " table thead tbody tfoot blockquote dl dt dd kbd q samp var hr ruby rt rp li tr td th"
    " s strike summary details"
    " input"  # a task list's checkboxes
)
ELEMENTS = frozenset(_ELEMENTS.split())
#: Elements dropped with everything inside them (the others lose only their tags).
DROPPED = frozenset({"script", "style"})
VOID = frozenset({"br", "hr", "img", "input"})
ATTRIBUTES: dict[str, frozenset[str]] = {
    "a": frozenset({"href"}),
    "img": frozenset({"src", "longdesc"}),
    "div": frozenset({"itemscope", "itemtype"}),
    "blockquote": frozenset({"cite"}),
    "del": frozenset({"cite"}),
    "ins": frozenset({"cite"}),
    "q": frozenset({"cite"}),
}
_ANY_ELEMENT = (
    "abbr accept accept-charset accesskey action align alt axis border cellpadding"
    " cellspacing char charoff charset checked clear cols colspan color compact coords"
    " datetime dir disabled enctype for frame headers height hreflang hspace ismap label"
    " lang maxlength media method multiple name nohref noshade nowrap open prompt readonly"
    " rel rev rows rowspan rules scope selected shape size span start summary tabindex"
    " target title type usemap valign value vspace width itemprop"
)
ANY_ELEMENT = frozenset(_ANY_ELEMENT.split())
#: The URL schemes each linking attribute may use; a relative URL is always allowed.
SCHEMES = {"href": ("http", "https", "mailto"), "src": ("http", "https")}
_SCHEME = re.compile(r"\s*([A-Za-z][A-Za-z0-9+.\-]*):")


def render_gfm(markdown: str) -> str:
    """The HTML GitHub makes of ``markdown``, before its page styles it."""
    import cmarkgfm  # type: ignore[import-untyped]
    from cmarkgfm.cmark import Options  # type: ignore[import-untyped]

    html = cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)
    return sanitize(str(html))


def sanitize(html: str) -> str:
    """``html`` cut down to GitHub's allowlist of elements, attributes and URL schemes."""
    cleaner = _Sanitizer()
    cleaner.feed(html)
    cleaner.close()
    return "".join(cleaner.out)


def _allowed(tag: str, name: str, value: str) -> bool:
    if name not in ANY_ELEMENT and name not in ATTRIBUTES.get(tag, ()):
        return False
    scheme = _SCHEME.match(value)
    schemes = SCHEMES.get(name, ("http", "https"))
    return (
        name not in {"href", "src", "cite", "longdesc"}
        or not scheme
        or (scheme.group(1).lower() in schemes)
    )


class _Sanitizer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.dropping = 0  # inside this many dropped elements

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in DROPPED:
            self.dropping += 1
        if self.dropping or tag not in ELEMENTS:
            return
        kept = "".join(
            f' {name}="{escape(value or "", quote=True)}"' if value else f" {name}"
            for name, value in attrs
            if _allowed(tag, name, value or "")
        )
        self.out.append(f"<{tag}{kept}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in DROPPED:
            self.dropping -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag in DROPPED:
            self.dropping = max(0, self.dropping - 1)
        elif not self.dropping and tag in ELEMENTS and tag not in VOID:
            self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if not self.dropping:
            self.out.append(escape(data, quote=False))
