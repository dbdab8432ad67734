"""No lesson text renders a list item as running text: a "- item" right after a
paragraph (or an under-indented continuation) becomes part of that paragraph, as
external-to-container step 1's SYN-ACK item did."""
import re
from pathlib import Path

import pytest

from visualizer.learn.markup import render

LESSONS = Path(__file__).resolve().parents[2] / "lessons"
TEXTS = sorted(p for p in LESSONS.glob("*/*.md"))


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_list_items_render_as_list_items(path):
    html = re.sub(r"<pre>.*?</pre>", "", render(path.read_text()), flags=re.S)
    stray = [ln for ln in html.splitlines() if re.match(r"\s*(<p>)?[-*] \S", ln)]
    assert not stray, stray
