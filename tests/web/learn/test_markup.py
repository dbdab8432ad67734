"""Lesson Markdown is sanitised (learn/markup.py): script, handlers and javascript:
links never reach the page; every tag the lessons use survives."""
from __future__ import annotations

import html as html_lib
import re

import pytest

from visualizer.core import lessons
from visualizer.learn import markup

LESSONS = lessons.all_lessons()
TEXTS = [(f"{slug}/intro", lesson.intro) for slug, lesson in LESSONS.items() if lesson.intro] + [
    (f"{slug}/step{s.number}{part}", text) for slug, lesson in LESSONS.items() for s in lesson.steps
    for part, text in (("", s.before), ("-after", s.after)) if text]
TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)([^>]*)>")


def tags(html: str) -> list[tuple[str, str, str]]:
    return [(close, name.lower(), " ".join(attrs.split())) for close, name, attrs in TAG_RE.findall(html)]


@pytest.mark.parametrize("text, gone", [
    ("Hi <script>alert('x')</script> there", ["<script", "alert"]),
    ("<SCRIPT src=//evil.example/x.js></SCRIPT>", ["<script", "evil"]),
    ('<img src="x.png" onerror="alert(1)">', ["onerror", "alert"]),
    ('<p onclick="steal()" onmouseover=steal()>text</p>', ["onclick", "onmouseover", "steal"]),
    ("[click](javascript:alert(1))", ["javascript:", "alert"]),
    ('<a href="JaVaScRiPt:alert(1)">x</a>', ["javascript", "alert"]),
    ('<a href="&#106;avascript:alert(1)">x</a>', ["javascript", "alert", "&#106;"]),
    ('<a href="vbscript:msgbox(1)">x</a> <a href="data:text/html,<script>1</script>">y</a>',
     ["vbscript", "data:", "<script"]),
    ('<p style="background:url(javascript:alert(1))">x</p>', ["style=", "javascript"]),
    ("<style>body { display: none }</style>text", ["<style", "display"]),
    ('<iframe src="https://evil.example"></iframe><object data="x"></object><embed src="x">',
     ["<iframe", "<object", "<embed", "evil"]),
    ('<form action="https://evil.example"><input name="pw"></form>', ["<form", "<input", "evil"]),
    ('<svg><script>alert(1)</script></svg><math><mi xlink:href="javascript:1">', ["<svg", "alert", "javascript"]),
    ('<base href="https://evil.example/"><meta http-equiv="refresh" content="0;url=x">',
     ["<base", "<meta", "evil"]),
    ("<!-- <script>alert(1)</script> -->", ["<!--", "alert"]),
])
def test_dangerous_markup_does_not_reach_the_page(text, gone):
    out = markup.render(text)
    for bad in gone:
        assert bad.lower() not in out.lower(), (bad, out)


def test_the_tags_lesson_text_may_use_survive():
    text = "\n\n".join([
        "# One", "## Two", "### Three",
        "A paragraph with *em*, **strong**, `code` and <kbd>Ctrl</kbd>+<kbd>C</kbd>.",
        "- one\n- two", "Then:", "1. first\n2. second",
        "> a quote",
        "    iptables -L FORWARD",
        "```\nnft list ruleset\n```",
        "| hook | table |\n|:-----|------:|\n| forward | filter |",
        "[the kernel docs](https://docs.kernel.org/) and [step 2](?step=2) and "
        "[mail](mailto:someone@example.org)",
        "<details><summary>Why?</summary>\n\nBecause.\n\n</details>",
    ])
    out = markup.render(text)
    for tag in ("h1", "h2", "h3", "p", "em", "strong", "code", "kbd", "ul", "ol", "li",
                "blockquote", "pre", "table", "thead", "tbody", "tr", "th", "td", "a",
                "details", "summary"):
        assert f"<{tag}" in out, (tag, out)
    assert '<th align="left">hook</th>' in out and '<td align="right">filter</td>' in out
    assert 'href="https://docs.kernel.org/"' in out and 'href="?step=2"' in out
    assert 'href="mailto:someone@example.org"' in out
    assert 'rel="noopener noreferrer"' in out
    assert "iptables -L FORWARD" in out and "nft list ruleset" in out
    assert "style=" not in out


def test_code_is_shown_as_text_not_markup():
    out = markup.render("    echo '<script>alert(1)</script>'")
    assert "&lt;script&gt;" in out and "<script" not in out


@pytest.mark.parametrize("where, text", TEXTS, ids=[w for w, _ in TEXTS])
def test_every_lesson_renders_as_before_sanitising(where, text):
    """Sanitising takes nothing from a real lesson: the same tags, attributes and text
    as python-markdown's own output."""
    import markdown
    plain = markdown.markdown(text, extensions=markup.EXTENSIONS,
                              extension_configs=markup.EXTENSION_CONFIGS)
    clean = markup.render(text)
    assert tags(clean.replace(' rel="noopener noreferrer"', "")) == tags(plain)   # clean() adds rel
    strip = lambda h: html_lib.unescape(TAG_RE.sub("", h))        # noqa: E731
    assert strip(clean) == strip(plain)
    used = {name for _, name, _ in tags(clean)}
    assert used <= markup.TAGS


def test_the_lessons_use_markup_the_sanitiser_keeps():
    """The tag set the lessons use today is all kept (a guard for the list in markup.py)."""
    used = {name for _, text in TEXTS for _, name, _ in tags(markup.render(text))}
    assert {"p", "code", "pre", "strong", "em", "ul", "li", "table", "th", "td"} <= used
