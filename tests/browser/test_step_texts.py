"""The home page's learning path, and a step's text before and after the run, in a browser."""
import pytest

from visualizer.core import lessons

from .conftest import shot
from .helpers import in_viewport
from .test_lessons import run

pytestmark = [pytest.mark.browser]


def test_the_home_page_is_a_learning_path(page, server):
    page.goto(server + "/")
    cards = page.locator(".path-list > li.lesson-card")
    slugs = list(lessons.all_lessons())
    assert cards.count() == len(slugs)
    assert [cards.nth(i).get_attribute("data-lesson") for i in range(cards.count())] == slugs
    first = cards.nth(0)
    assert "start here" in first.inner_text() and page.locator(".start-here").count() == 1
    assert first.locator(".path-num").inner_text() == "1"
    for i in range(cards.count()):
        meta = cards.nth(i).locator(".path-meta").inner_text()
        assert "min" in meta and any(level in meta for level in lessons.LEVELS), meta
        assert cards.nth(i).locator(".sources a").count() >= 1
    # the path is in view: the start card's title at the top of a 1280x800 screen
    assert first.bounding_box()["y"] < 800
    shot(page, "learning-path")
    first.locator(".sources a").first.click()
    page.wait_for_url("**/sources/#seed-*")
    seed = page.url.rsplit("#seed-", 1)[1]
    assert page.locator(f"#seed-{seed} h2").inner_text().strip()
    assert page.locator(f"#seed-{seed} .seed-lessons a").count() >= 1
    shot(page, "sources")


def test_the_question_before_the_run_the_explanation_after_it(page, server, live):
    step = lessons.get("external-to-container").step(1)
    page.goto(server + "/lessons/external-to-container/?step=1")
    assert page.is_hidden("#explain-after")
    assert page.inner_text("#step-title") == step.title
    prose = page.evaluate("""() => { const c = document.getElementById('step-pane').cloneNode(true);
        c.querySelectorAll('pre, [hidden]').forEach((e) => e.remove()); return c.innerText; }""")
    assert "Your question" in prose and "172.17.0.2" not in prose      # only the rule names it
    shot(page, "step-text-before")
    run(page)
    page.wait_for_selector("#explain-after:not([hidden])")
    assert page.inner_text("#step-title") == step.done_title
    link = page.locator('#explain-after a[href="#hop:ip:nat:prerouting"]').first
    assert "hop-ref" in link.get_attribute("class")
    link.click()
    ev = page.evaluate("() => window.nfv.timeline[window.nfv.store.get().i]")
    assert (ev["family"], ev["table"], ev["hook"]) == ("ip", "nat", "prerouting")
    first = min((j for j in page.evaluate("() => window.nfv.journeys")
                 if j["proto"] == "tcp" and j["direction"] == "request"), key=lambda j: j["first_seq"])
    assert ev["journey"] == first["id"]
    assert "current" in page.locator('[data-box="ip:nat:prerouting"]').get_attribute("class").split()
    assert in_viewport(page, '[data-box="ip:nat:prerouting"]')     # the box came into view
    reply = page.locator('#explain-after a[href="#hop:bridge:input@reply"]').first
    reply.click()
    ev = page.evaluate("() => window.nfv.timeline[window.nfv.store.get().i]")
    journey = next(j for j in page.evaluate("() => window.nfv.journeys") if j["id"] == ev["journey"])
    assert (ev["family"], ev["hook"], journey["direction"]) == ("bridge", "input", "reply")
    page.locator("#explain-after").scroll_into_view_if_needed()
    shot(page, "step-text-after")
    # a recorded run of the step shows the explanation at once
    run_id = page.evaluate("() => window.nfv.urls.id")
    page.goto(f"{server}/runs/{run_id}/")
    page.wait_for_selector("#recorded-banner")
    assert page.is_visible("#explain-after") and page.is_hidden("#explain-reveal")
    assert page.inner_text("#step-title") == step.done_title


def test_a_step_run_before_offers_its_explanation(page, server, live):
    page.goto(server + "/lessons/host-to-container/?step=2")
    assert page.is_hidden("#explain-reveal")            # a new browser has run nothing
    run(page)
    page.goto(server + "/lessons/host-to-container/?step=2")
    assert page.is_hidden("#explain-after") and page.is_visible("#explain-reveal")
    page.click("#explain-reveal")
    assert page.is_visible("#explain-after") and page.is_hidden("#explain-reveal")
