"""The presenter layout at 1280x800 and the phone layout at 390x844 (issue 10)."""
import pytest

from .conftest import shot
from .test_lessons import run, select_journey

pytestmark = [pytest.mark.browser, pytest.mark.live]

from .helpers import CALLOUT_OVERLAPS_JS, box, small_text  # noqa: E402


def test_presenter_layout(page, server, live):
    page.goto(server + "/lessons/container-to-external/?step=2&present=1")
    assert "present" in page.get_attribute("body", "class").split()
    run(page)
    result = page.evaluate("() => window.nfv.result")
    first = min((j for j in result["journeys"] if j["proto"] == "icmp" and j["direction"] == "request"),
                key=lambda j: j["first_seq"])
    select_journey(page, first["id"])
    page.evaluate("window.scrollTo(0, 0)")
    diagram, insp = box(page, "svg.diagram"), box(page, ".inspector-pane")
    # side by side, both on the first screen
    assert diagram["x"] + diagram["w"] <= insp["x"], (diagram, insp)
    for b in (diagram, insp):
        assert b["y"] >= 0 and b["y"] + min(b["h"], 300) <= 800
    assert diagram["y"] + diagram["h"] <= 800
    assert diagram["w"] >= 800                       # the diagram gets most of the width
    # type large enough to project, the diagram's included
    assert small_text(page, "#lab") == []
    assert small_text(page, ".inspector-pane") == []
    assert small_text(page, ".log-pane") == []
    assert page.evaluate(CALLOUT_OVERLAPS_JS) == []   # the MASQUERADE callout, large type too
    assert page.locator(".step-pane").is_hidden()
    shot(page, "presenter-1280x800")


def test_presenter_button(page, server):
    page.goto(server + "/lessons/container-to-container/")
    assert "present" not in (page.get_attribute("body", "class") or "").split()
    page.click("#present-btn")
    assert "present" in page.get_attribute("body", "class").split()
    assert "present=1" in page.url
    assert page.get_attribute("#present-btn", "aria-pressed") == "true"
    assert "present=1" in page.get_attribute('.step-tab[data-step="2"]', "href")
    page.click("#present-btn")
    assert "present" not in page.get_attribute("body", "class").split()
    assert "present=1" not in page.url


def test_phone_layout(phone, server, live):
    page = phone
    page.goto(server + "/lessons/container-to-external/?step=2")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    run(page)
    page.wait_for_timeout(300)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "the page is wider than the screen"
    # the panes stack, each as wide as the screen allows; the inspector right under the lab
    xs = []
    for sel in ("#step-pane", "#run-panel", "#lab", ".inspector-pane", ".log-pane", ".tabs"):
        b = box(page, sel)
        assert b["x"] >= 0 and b["x"] + b["w"] <= 390, (sel, b)
        xs.append(b)
    assert all(a["y"] + a["h"] <= b["y"] + 1 for a, b in zip(xs, xs[1:])), "stacked in order"
    # the diagram: zoomed in a box that pans (scrolls) and zooms
    scroller = page.evaluate("() => { const d = document.getElementById('diagram-scroll'); "
                             "return [d.scrollWidth, d.clientWidth]; }")
    assert scroller[0] > scroller[1] + 100, scroller
    w0 = page.evaluate("document.querySelector('svg.diagram').getBoundingClientRect().width")
    page.click("#zoom-in")
    w1 = page.evaluate("document.querySelector('svg.diagram').getBoundingClientRect().width")
    assert w1 > w0
    page.click("#zoom-fit")
    w2 = page.evaluate("document.querySelector('svg.diagram').getBoundingClientRect().width")
    assert w2 <= 390
    page.click("#zoom-in")
    page.click("#zoom-in")
    # the current box is in view inside the box (it follows the packet)
    page.click("#p-first")
    page.wait_for_timeout(100)
    cur = page.evaluate("() => { const g = document.querySelector('svg.diagram .current'); const r = g.getBoundingClientRect();"
                        " const b = document.getElementById('diagram-scroll').getBoundingClientRect();"
                        " return r.left >= b.left - 1 && r.right <= b.right + 1; }")
    assert cur
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.locator("#lab").scroll_into_view_if_needed()
    shot(page, "phone-390x844")
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "phone-390x844-top")
