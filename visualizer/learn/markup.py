"""Lesson Markdown to HTML, sanitised: the one place lesson text becomes markup.

Lessons are data (``lessons/<slug>/*.md``, or ``LESSONS_DIR``), so their HTML is
not trusted: python-markdown passes raw HTML through, and the result is cleaned
by nh3 (the Ammonia sanitiser) down to what lesson text needs.  A ``<script>``,
an ``on*=`` handler, a ``style`` attribute or a ``javascript:`` link never reaches
the page; the Content-Security-Policy (``project/csp.py``) is the second wall.

No Django here: the lesson tests render with it without settings.
"""
from __future__ import annotations

import markdown
import nh3

EXTENSIONS = ["fenced_code", "tables"]
# A table column's alignment as ``align=`` rather than ``style=`` (which the CSP blocks).
EXTENSION_CONFIGS = {"tables": {"use_align_attribute": True}}

# What lesson text may hold: Markdown's own output, plus a little raw HTML an author
# may write (kbd, details/summary, sub/sup).  Anything else loses its tag, keeps its text.
TAGS = {
    "h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "blockquote",
    "ul", "ol", "li", "dl", "dt", "dd",
    "pre", "code", "kbd", "samp", "var",
    "em", "strong", "b", "i", "s", "del", "ins", "mark", "sub", "sup", "small", "abbr",
    "a", "img",
    "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption",
    "details", "summary",
}
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "abbr": {"title"},
    "th": {"align", "colspan", "rowspan", "scope"},
    "td": {"align", "colspan", "rowspan"},
    "ol": {"start"},
    "details": {"open"},
}
# Links and images: the web and mail, or relative to this site.  No javascript:, data:, ...
URL_SCHEMES = {"http", "https", "mailto"}


def clean(html: str) -> str:
    """``html`` with only ``TAGS``/``ATTRIBUTES`` kept; script and style elements go
    with their content, comments go, links get ``rel="noopener noreferrer"``."""
    return nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES,
                     clean_content_tags={"script", "style"}, strip_comments=True,
                     link_rel="noopener noreferrer")


def render(text: str | None) -> str:
    """A lesson's Markdown (an intro, a step's explanation) as safe HTML."""
    html = markdown.markdown(text or "", extensions=EXTENSIONS,
                             extension_configs=EXTENSION_CONFIGS)
    return clean(html)
