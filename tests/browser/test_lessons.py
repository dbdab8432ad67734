"""The lesson pages in a real browser, against a live server and the live lab."""
import json
import urllib.request

import pytest

from .conftest import shot

pytestmark = [pytest.mark.browser, pytest.mark.live]

BOX_KEY_JS = "(e) => `${e.family}:${e.table}:${e.hook}`"


def run(page, timeout=90_000):
    """Press the one Run button and wait for the result and the end of the replay."""
    page.select_option("#p-speed", "16")
    page.click("#run-btn")
    page.wait_for_selector("#result:not([hidden])", timeout=timeout)
    wait_replayed(page)
    return page.evaluate("() => window.nfv.events")


def wait_replayed(page, timeout=60_000):
    """The replay runs on after the result (from the step's first request): wait for its last hop."""
    page.wait_for_function("() => { const n = window.nfv.timeline.length; return n > 0 && "
                           "document.getElementById('p-pos').textContent === `hop ${n}/${n}`; }",
                           timeout=timeout)


def run_lesson(page, server, slug, step=None):
    page.goto(f"{server}/lessons/{slug}/" + (f"?step={step}" if step else ""))
    return run(page)


def select_journey(page, journey_id):
    page.click(f'button[data-journey="{journey_id}"]')
    page.click("#p-last")


def test_container_to_container(page, server, live):
    events = run_lesson(page, server, "container-to-container")
    assert events
    # from the step's first request on, the player lit one box per shown kernel event, in order
    timeline = page.evaluate("() => window.nfv.timeline")
    result = page.evaluate("() => window.nfv.result")
    first = min((j for j in result["journeys"] if j["proto"] == "icmp" and j["direction"] == "request"),
                key=lambda j: j["first_seq"])
    start = next(i for i, e in enumerate(timeline) if e["journey"] == first["id"])
    visits = page.evaluate("() => window.nfv.visits")
    assert visits == [f"{e['family']}:{e['table']}:{e['hook']}" for e in timeline[start:]]
    assert [e["seq"] for e in events] == sorted(e["seq"] for e in events)
    assert not any(e["probe"] or e["proto"] == "arp" for e in timeline)     # hidden by default
    assert page.inner_text("#result").startswith("✓ replies received")
    assert "3 transmitted, 3 received" in page.inner_text("#result")
    # the first echo request: boxes numbered in the order the kernel reported them
    result = page.evaluate("() => window.nfv.result")
    echo = next(j for j in result["journeys"] if j["proto"] == "icmp" and j["direction"] == "request")
    select_journey(page, echo["id"])
    order = page.evaluate("""() => [...document.querySelectorAll('[data-box].lit')]
        .sort((a, b) => a.dataset.order - b.dataset.order).map((g) => g.dataset.box)""")
    expected = []
    for e in events:
        key = f"{e['family']}:{e['table']}:{e['hook']}"
        if e["journey"] == echo["id"] and not e["probe"] and key not in expected:
            expected.append(key)
    assert order == expected
    assert order.index("bridge:nat:prerouting") < order.index("ip:filter:forward")
    fwd = page.locator('[data-box="ip:filter:forward"]')
    assert "accept" in fwd.get_attribute("class")
    assert "✓" in fwd.locator(".badge").text_content()
    statuses = page.evaluate("() => window.nfv.statuses")
    assert statuses[0] == "building" and statuses[-1] == "done" and "running" in statuses
    assert [page.locator(f'[data-box="{k}"] .order text').text_content() for k in order] == \
        [str(i + 1) for i in range(len(order))]                 # hops numbered on the diagram
    page.click('[role=tab][data-tab="rules"]')
    shot(page, "container-to-container")


def test_new_bridge_drop_mark(page, server, live):
    events = run_lesson(page, server, "new-bridge-forward-drop", step=1)
    assert "no reply" in page.inner_text("#result")
    result = page.evaluate("() => window.nfv.result")
    dropped = [j for j in result["journeys"] if j["outcome"] == "dropped"]
    assert dropped, result["journeys"]
    select_journey(page, dropped[0]["id"])
    box = page.locator('[data-box="ip:filter:forward"]')
    assert "drop" in box.get_attribute("class").split()
    assert "✕" in box.locator(".badge").text_content()
    assert "drop" in page.locator("#token").get_attribute("class")
    drop = next(e for e in events if e["journey"] == dropped[0]["id"] and e["verdict"] == "drop")
    assert (drop["family"], drop["table"], drop["hook"]) == ("ip", "filter", "forward")
    page.click(f'#log li[data-seq="{drop["seq"]}"]')          # the drop hop itself
    caption = page.inner_text("#hop-caption")
    assert "✕" in caption and "drop" in caption and "ip filter FORWARD" in caption
    assert "drop" in page.locator("#token").get_attribute("class")
    assert "current" in box.get_attribute("class").split()
    page.click('[role=tab][data-tab="rules"]')
    hit = page.locator("#rules .ln.hit")
    assert hit.count() == 1 and "policy DROP" in hit.text_content()
    shot(page, "new-bridge-forward-drop-step1")


def test_recorded_run_replay(page, server, live):
    run_lesson(page, server, "container-to-container")
    run_id = page.evaluate("() => window.nfv.urls.id")
    page.click(f'a[href="/runs/{run_id}/"]')
    page.wait_for_selector("#recorded-banner")
    assert "Recorded run" in page.inner_text("#recorded-banner")
    assert page.locator("#run-btn").count() == 0
    assert "recorded run" in page.inner_text("#status-detail")
    page.select_option("#p-speed", "16")
    page.wait_for_function("() => window.nfv.visits.length >= 20", timeout=30_000)
    page.keyboard.press(" ")          # pause
    pos = page.inner_text("#p-pos")
    page.keyboard.press("ArrowRight")
    assert page.inner_text("#p-pos") != pos
    page.keyboard.press("ArrowLeft")
    assert page.inner_text("#p-pos") == pos
    assert page.locator("[data-box].lit").count() > 0
    shot(page, "recorded-run")
    data = json.load(urllib.request.urlopen(f"{server}/runs/{run_id}.json"))
    assert data["recorded"] is True and data["events"]
    text = urllib.request.urlopen(f"{server}/runs/{run_id}.txt").read().decode()
    assert text.startswith(f"# recorded run {run_id}") and data["events"][0]["text"] in text


def test_try_it_rules(page, server, live):
    page.goto(f"{server}/lessons/container-to-container/?step=2")
    page.fill("#rules-input", "-I FORWARD --no-such-option")
    page.click("#run-btn")
    page.wait_for_selector("#error:not([hidden])", timeout=90_000)
    assert "no-such-option" in page.inner_text("#error")       # iptables' own words
    page.select_option("#p-speed", "16")
    page.fill("#rules-input", "-I DOCKER-USER -p icmp -j DROP")
    page.click("#run-btn")
    page.wait_for_selector("#result:not([hidden])", timeout=90_000)
    assert page.is_hidden("#error")
    events = page.evaluate("() => window.nfv.events")
    drop = next(e for e in events if e["verdict"] == "drop")
    assert (drop["table"], drop["chain"], drop["base_chain"]) == ("filter", "DOCKER-USER", "FORWARD")
    page.click(f'button[data-journey="{drop["journey"]}"]')
    page.click(f'#log li[data-seq="{drop["seq"]}"]')
    box = page.locator('[data-box="ip:filter:forward"]')
    assert "drop" in box.get_attribute("class").split()
    assert "DOCKER-USER" in box.locator(".detail").text_content()   # the user chain, inside its box
    trail = page.locator("#inspector .trail li.inner.current")
    assert "DOCKER-USER" in trail.text_content() and "drop" in trail.text_content()
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "try-it-docker-user-drop")
