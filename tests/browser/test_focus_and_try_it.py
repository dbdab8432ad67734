"""Focus on the packet that matters, and one way to run a try-it step (issue 10)."""
import pytest

from .conftest import shot
from .helpers import box, capture_runs, in_viewport
from .test_lessons import run, select_journey

pytestmark = [pytest.mark.browser, pytest.mark.live]


def test_replay_starts_at_the_first_request(page, server, live):
    page.goto(server + "/lessons/container-to-container/")
    events = run(page)
    result = page.evaluate("() => window.nfv.result")
    timeline = page.evaluate("() => window.nfv.timeline")
    first = min((j for j in result["journeys"] if j["proto"] == "icmp" and j["direction"] == "request"),
                key=lambda j: j["first_seq"])
    assert events[0]["journey"] != first["id"], "this run starts with ARP and probes"
    # the first hop the replay showed: the first request's first shown hop
    start = next(e for e in timeline if e["journey"] == first["id"])
    visits = page.evaluate("() => window.nfv.visits")
    assert visits[0] == f"{start['family']}:{start['table']}:{start['hook']}"
    assert len(visits) == len(timeline) - timeline.index(start)
    # probe and ARP hops are hidden, behind a toggle that says how many
    # (the ebtables NFLOG lines are folded into the trace hops of their chains: issue 17)
    hidden = [e for e in events if e["probe"] or e["proto"] == "arp"]
    logs = [e for e in events if e["source"] == "nflog"]
    assert hidden and len(timeline) == len(events) - len(hidden) - len([e for e in logs if e not in hidden])
    toggle = page.locator("#hidden-toggle")
    assert f"{len(hidden)} hidden" in toggle.inner_text() and toggle.get_attribute("aria-pressed") == "false"
    toggle.click()
    assert page.evaluate("() => window.nfv.timeline.length") == len(events) - len(logs)
    assert toggle.get_attribute("aria-pressed") == "true"
    toggle.click()
    # every packet stays in the journey list, ARP included, none below an inner scroll
    assert page.locator("button[data-journey]").count() == len(result["journeys"])
    assert page.locator("button.jbtn.first").get_attribute("data-journey") == str(first["id"])
    shot(page, "replay-first-request")


def test_dropped_journey_is_never_hidden_below_a_scroll(page, server, live):
    page.goto(server + "/lessons/new-bridge-forward-drop/?step=1")
    run(page)
    ul = page.evaluate("() => { const u = document.getElementById('journeys'); "
                       "return [u.scrollHeight, u.clientHeight, getComputedStyle(u).overflowY]; }")
    assert ul[0] <= ul[1] + 1 or ul[2] == "visible", ul
    for b in page.locator("button.jbtn.out-dropped").all():
        r, u = b.bounding_box(), box(page, "#journeys")
        assert u["y"] <= r["y"] and r["y"] + r["height"] <= u["y"] + u["h"] + 1


def test_try_it_one_run_button_uses_the_rule_box(page, server, live):
    sent = capture_runs(page)
    page.goto(server + "/lessons/container-to-container/?step=2")
    assert page.locator("#run-panel button.primary").count() == 1
    assert page.locator("#try-form").count() == 0
    placeholder = page.get_attribute("#rules-input", "placeholder")
    assert not placeholder.lstrip().startswith("-"), "the placeholder must not look like a rule"
    assert "without a rule of yours" in page.inner_text("#rules-hint")
    page.fill("#rules-input", "-I DOCKER-USER -s 172.17.0.2 -p icmp -j DROP")
    page.select_option("#p-speed", "16")
    page.click("#run-btn")
    lab = box(page, "#lab")                       # the page went to the diagram
    assert abs(lab["y"]) < 40, lab
    page.wait_for_selector("#result:not([hidden])", timeout=90_000)
    assert sent[-1]["rules"] == ["-I DOCKER-USER -s 172.17.0.2 -p icmp -j DROP"]
    events = page.evaluate("() => window.nfv.events")
    drop = next(e for e in events if e["verdict"] == "drop")
    assert drop["chain"] == "DOCKER-USER" and "172.17.0.2" in drop["rule"]
    # nothing lit past the drop: c2's port stays dark
    select_journey(page, drop["journey"])
    lit = page.evaluate("() => [...document.querySelectorAll('.iface.lit')].map(g => `${g.dataset.side}:${g.dataset.iface}`)")
    assert "in:veth-c1" in lit and not any(x.endswith("veth-c2") for x in lit), lit
    shot(page, "try-it-typed-rule")
    # the recorded run's "run it live" pre-fills its rules
    run_id = page.evaluate("() => window.nfv.urls.id")
    page.goto(f"{server}/runs/{run_id}/")
    page.click("#run-live")
    page.wait_for_selector("#rules-input")
    assert page.input_value("#rules-input") == "-I DOCKER-USER -s 172.17.0.2 -p icmp -j DROP"
    assert "step=2" in page.url


def test_iptables_error_next_to_the_box_in_view(page, server, live):
    page.goto(server + "/lessons/container-to-external/?step=3")
    page.fill("#rules-input", "-I FORWARD --no-such-option")
    page.click("#run-btn")
    page.wait_for_selector("#error:not([hidden])", timeout=90_000)
    assert "no-such-option" in page.inner_text("#error")
    assert in_viewport(page, "#error"), box(page, "#error")
    assert in_viewport(page, "#rules-input")
    err, rules = box(page, "#error"), box(page, "#rules-input")
    assert 0 <= err["y"] - (rules["y"] + rules["h"]) < 120, (err, rules)    # right below the box
    assert page.evaluate("document.activeElement.id") == "rules-input"
    shot(page, "try-it-iptables-error")
    # too many rules: said before anything runs, in the same place
    page.fill("#rules-input", "\n".join(f"-I FORWARD -s 10.0.0.{i} -j DROP" for i in range(9)))
    page.click("#run-btn")
    assert "At most" in page.inner_text("#error") and in_viewport(page, "#error")
