"""A diagram that tells the truth (issue 10): MASQUERADE at POSTROUTING without covering
labels, only interfaces the packet reached lit, the topology as at the step, hops numbered."""
import pytest

from .conftest import shot
from .helpers import CALLOUT_OVERLAPS_JS
from .test_lessons import run, select_journey

pytestmark = [pytest.mark.browser]

LIT_JS = "() => [...document.querySelectorAll('.iface.lit')].map(g => `${g.dataset.side}:${g.dataset.iface}`)"


def first_request(page, proto="icmp"):
    result = page.evaluate("() => window.nfv.result")
    return min((j for j in result["journeys"] if j["proto"] == proto and j["direction"] == "request"),
               key=lambda j: j["first_seq"])


@pytest.mark.live
def test_masquerade_drawn_at_postrouting(page, server, live):
    page.goto(server + "/lessons/container-to-external/?step=2")
    run(page)
    first = first_request(page)
    select_journey(page, first["id"])
    masq = page.locator('.nat-callout[data-nat-box="ip:nat:postrouting"]')
    assert masq.count() == 1 and masq.is_visible()
    assert masq.get_attribute("data-kind") == "MASQUERADE"
    text = masq.text_content()
    assert "MASQUERADE" in text and "172.17.0.2" in text and "203.0.113.10" in text
    assert page.evaluate(CALLOUT_OVERLAPS_JS) == []
    # the packet reached eth0 at the end, and came from veth-c1
    lit = page.evaluate(LIT_JS)
    assert "in:veth-c1" in lit and "out:eth0" in lit, lit
    # before nat POSTROUTING there is no callout yet, and eth0 is dark although routing chose it
    timeline = page.evaluate("() => window.nfv.timeline")
    k = next(i for i, e in enumerate(timeline) if e["family"] == "ip" and e["table"] == "nat"
             and e["hook"] == "postrouting")
    page.click(f'#log li[data-i="{k - 1}"]')
    assert masq.count() == 0
    assert "out:eth0" not in page.evaluate(LIT_JS)
    page.click(f'#log li[data-i="{k}"]')
    assert masq.count() == 1
    shot(page, "container-to-external-masquerade")


@pytest.mark.live
def test_dnat_callout_covers_no_label(page, server, live):
    page.goto(server + "/lessons/external-to-container/?step=1")
    run(page)
    select_journey(page, first_request(page, "tcp")["id"])
    dnat = page.locator('.nat-callout[data-nat-box="ip:nat:prerouting"]')
    assert dnat.get_attribute("data-kind") == "DNAT"
    assert page.evaluate(CALLOUT_OVERLAPS_JS) == []       # the eth0 pill included
    shot(page, "external-to-container-dnat-callout")


@pytest.mark.live
def test_no_interface_lit_past_a_drop(page, server, live):
    page.goto(server + "/lessons/new-bridge-forward-drop/?step=1")
    events = run(page)
    result = page.evaluate("() => window.nfv.result")
    dropped = next(j for j in result["journeys"] if j["outcome"] == "dropped" and j["proto"] == "icmp")
    hops = [e for e in events if e["journey"] == dropped["id"]]
    assert any(e["oif"] == "veth-c4" or e["physout"] == "veth-c4" for e in hops) or \
        any(e["oif"] for e in hops), "routing picked an out device before the drop"
    select_journey(page, dropped["id"])
    lit = page.evaluate(LIT_JS)
    assert "in:veth-c3" in lit, lit
    assert not any(x.startswith(("out:", "up:", "down:")) for x in lit), lit
    assert "drop" in page.get_attribute("#token", "class")
    shot(page, "new-bridge-no-interface-past-drop")


def test_build_a_bridge_step1_has_no_docker0(page, server):
    page.goto(server + "/lessons/build-a-bridge/?step=1")
    assert page.locator('svg.diagram [data-iface="docker0"]').count() == 0
    assert page.locator('svg.diagram [data-iface^="veth"]').count() == 0
    assert page.locator('svg.diagram [data-iface="eth0"]').count() == 2     # the uplink exists from the start
    assert "containers" not in page.locator("svg.diagram").text_content()
    topo = page.evaluate("() => JSON.parse(document.getElementById('page-data').textContent).topology")
    assert topo["bridge"] == [] and all(v["name"] == "eth0" for v in topo["veth"])
    shot(page, "build-a-bridge-step1")
    page.goto(server + "/lessons/build-a-bridge/?step=2")
    assert page.locator('svg.diagram [data-iface="docker0"]').count() == 2  # its own port, up and down
    assert page.locator('svg.diagram [data-iface^="veth"]').count() == 0
    page.goto(server + "/lessons/build-a-bridge/?step=3")
    assert page.locator('svg.diagram [data-iface="veth-c1"]').count() == 2


@pytest.mark.live
def test_a_martian_drop_is_marked_at_its_last_hop(page, server, live):
    """external-to-container step 3: the trace ends at the DNAT's accept in ip nat OUTPUT
    and the kernel drops the SYN after it (a martian). The box keeps the rule's accept
    and is marked as where the packet died, with the journey's words in its title."""
    page.goto(server + "/lessons/external-to-container/?step=3")
    run(page)
    result = page.evaluate("() => window.nfv.result")
    j = next(j for j in result["journeys"] if j["proto"] == "tcp" and j["outcome"] == "dropped")
    assert j["drop_at"] == "ip nat OUTPUT", j
    select_journey(page, j["id"])
    box = page.locator('.box.killed')
    assert box.count() == 1
    assert box.get_attribute("data-box") == "ip:nat:output"
    assert "✕" in box.locator(".badge").text_content()
    assert "dropped by the kernel" in box.locator("title").text_content()
    shot(page, "external-to-container-martian")
