"""Accessibility (issue 10): the keyboard path through a run, the tab pattern, the live region,
axe-core with no serious or critical violation, contrast, icons that render, no jargon."""
import re

import pytest

from .conftest import assert_clean, open_page, shot
from .helpers import low_contrast
from .test_lessons import wait_replayed

pytestmark = [pytest.mark.browser]

active = "() => { const a = document.activeElement; return a ? (a.id || a.dataset.journey && `journey-${a.dataset.journey}` || a.dataset.box || a.getAttribute('role') || a.tagName) : null; }"


def tab_to(page, target, limit=80, key="Tab"):
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate(active) == target or (callable(target) and target(page.evaluate(active))):
            return
    pytest.fail(f"{target} is not reachable with {key} (last: {page.evaluate(active)})")


@pytest.mark.live
def test_keyboard_path_through_a_run(page, server, live):
    page.goto(server + "/lessons/container-to-container/?step=2")
    page.select_option("#p-speed", "16")
    page.focus("body")
    tab_to(page, "rules-input")
    page.keyboard.type("-I DOCKER-USER -p icmp -j DROP")
    tab_to(page, "run-btn")
    page.keyboard.press("Enter")
    assert page.evaluate(active) == "run-btn", "focus stays on Run after Enter"
    page.wait_for_selector("#result:not([hidden])", timeout=90_000)
    wait_replayed(page)
    assert page.evaluate(active) == "run-btn"
    # the player, by keyboard: focus stays on the button, the hop moves
    tab_to(page, "p-first")
    page.keyboard.press("Enter")
    assert page.inner_text("#p-pos").startswith("hop 1/")
    tab_to(page, "p-fwd")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    assert page.inner_text("#p-pos").startswith("hop 3/") and page.evaluate(active) == "p-fwd"
    assert re.match(r"Hop 3 of \d+: \w+ \w+ \w+", page.inner_text("#announce")), page.inner_text("#announce")
    # a journey: Enter selects it, the focus stays on it
    result = page.evaluate("() => window.nfv.result")
    dropped = next(j for j in result["journeys"] if j["outcome"] == "dropped")
    tab_to(page, f"journey-{dropped['id']}")
    page.keyboard.press("Enter")
    assert page.evaluate(active) == f"journey-{dropped['id']}"
    assert page.get_attribute(f'button[data-journey="{dropped["id"]}"]', "aria-pressed") == "true"
    # the event log is a listbox: arrow keys move the hop
    tab_to(page, "log")
    page.keyboard.press("Home")
    assert page.inner_text("#p-pos").startswith("hop 1/")
    page.keyboard.press("ArrowDown")
    assert page.inner_text("#p-pos").startswith("hop 2/")
    assert page.get_attribute("#log", "aria-activedescendant") == "hop-1"
    # the diagram's boxes: one tab stop, arrow keys move, Enter shows the box's hop
    tab_to(page, lambda a: a and ":" in a, key="Shift+Tab")
    key = page.evaluate(active)
    page.keyboard.press("ArrowRight")
    assert page.evaluate(active) != key
    tab_to(page, lambda a: a and a.startswith("ip:filter:forward"), key="ArrowRight", limit=40)
    page.keyboard.press("Enter")
    assert page.evaluate(active) == "ip:filter:forward"
    ev = page.evaluate("() => window.nfv.timeline[window.nfv.i]")
    assert (ev["family"], ev["table"], ev["hook"]) == ("ip", "filter", "forward")
    # the tabs: WAI-ARIA pattern, arrow keys move and select
    page.focus('[role=tab][aria-selected=true]')
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.dataset.tab") == "rules"
    assert page.get_attribute('[data-tab="rules"]', "aria-selected") == "true"
    assert page.is_visible("#tab-rules") and page.is_hidden("#tab-output")
    page.keyboard.press("End")
    assert page.evaluate("document.activeElement.dataset.tab") == "captures"
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.dataset.tab") == "output"
    assert page.get_attribute('[data-tab="rules"]', "tabindex") == "-1"
    shot(page, "keyboard-path")


@pytest.mark.live
def test_live_region_announces_hops_only_when_stepping(page, server, live):
    page.goto(server + "/lessons/container-to-container/")
    page.click("#run-btn")
    page.wait_for_selector("#result:not([hidden])", timeout=90_000)
    page.select_option("#p-speed", "4")
    page.click("#p-first")
    page.click("#p-play")
    texts, positions = set(), set()
    for _ in range(16):
        texts.add(page.inner_text("#announce"))
        positions.add(page.inner_text("#p-pos"))
        page.wait_for_timeout(120)
    assert len(positions) >= 5, positions
    assert len(texts) <= 2, texts                  # "Playing from hop 1 of N." and nothing per hop
    assert any(t.startswith("Playing from hop 1") for t in texts), texts
    page.click("#p-play")                          # pause: a summary
    assert page.inner_text("#announce").startswith("Paused at hop")
    page.click("#p-fwd")
    assert page.inner_text("#announce").startswith("Hop ")
    assert page.get_attribute("#hop-caption", "aria-live") is None


AXE_LEVELS = {"serious", "critical"}


def axe_bad(page):
    from axe_playwright_python.sync_playwright import Axe
    res = Axe().run(page).response
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"][:3]]) for v in res["violations"]
            if v["impact"] in AXE_LEVELS]


@pytest.mark.live
def test_axe_and_contrast(browser, server, live):
    pytest.importorskip("axe_playwright_python")
    for width, height, url, do_run in [
        (1280, 800, "/", False),
        (1280, 800, "/lessons/container-to-container/?step=2", True),
        (1280, 800, "/lessons/container-to-external/?step=2&present=1", True),
        (390, 844, "/lessons/new-bridge-forward-drop/?step=1", True),
    ]:
        ctx, page = open_page(browser, width, height)
        try:
            page.goto(server + url)
            if do_run:
                page.select_option("#p-speed", "16")
                page.click("#run-btn")
                page.wait_for_selector("#result:not([hidden])", timeout=90_000)
                wait_replayed(page)
            assert axe_bad(page) == [], url
            for y in (0, 700, 1400):
                page.evaluate(f"window.scrollTo(0, {y})")
                assert low_contrast(page) == [], (url, y)
            assert_clean(page)
        finally:
            ctx.close()


def test_icons_render_without_missing_glyphs(page, server):
    page.goto(server + "/lessons/container-to-container/")
    for id_ in ("p-first", "p-back", "p-play", "p-fwd", "p-last", "run-btn"):
        assert page.locator(f"#{id_} svg.icon").count() == 1, id_
    assert "⏸" not in page.content()


def test_home_page_has_no_internal_jargon(page, server):
    page.goto(server + "/")
    # the page's own words (lesson summaries are the lessons' text)
    own = page.evaluate("""() => { const c = document.querySelector('main').cloneNode(true);
        for (const e of c.querySelectorAll('.summary, .scenario .tag ~ *, .lesson-title')) e.remove();
        for (const s of c.querySelectorAll('.scenario')) s.remove();
        return c.innerText; }""")
    for word in (r"\bseeds?\b", r"\bnftrace\b", r"\bjourney", r"\bprobe", r"\bslug\b", r"#\d+", r"\bowner\b"):
        assert not re.search(word, own, re.I), (word, own)
    assert "what happens" in page.inner_text(".lesson-list").lower()
    assert page.locator(".run-list").count() == 0            # a new browser has no runs yet
