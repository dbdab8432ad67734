"""arp-and-capture is about ARP: its ARP hops show without "show hidden hops" (step 3
showed "hop 0/0" and an empty event log after Run), and step 4 asks for a prediction of
its three captures, graded against them (issue 17)."""
import pytest

from .conftest import shot
from .helpers import capture_runs
from .test_lessons import run

pytestmark = [pytest.mark.browser, pytest.mark.live]


def test_a_step_about_arp_shows_its_arp_hops(page, server, live):
    page.goto(server + "/lessons/arp-and-capture/?step=3")
    events = run(page)
    n = page.evaluate("() => window.nfv.timeline.length")
    arp = [e for e in events if e["proto"] == "arp" and not e["probe"]]
    assert arp and n >= len(arp), (n, len(arp))
    assert page.inner_text("#p-pos") == f"hop {n}/{n}"
    assert "bridge filter FORWARD" in page.inner_text("#log")
    shot(page, "arp-subject-step3")


def test_step_4_predicts_the_three_captures(page, server, live):
    sent = capture_runs(page)
    page.goto(server + "/lessons/arp-and-capture/?step=4")
    rows = page.locator(".p-capture")
    assert rows.count() == 3
    for iface, kinds in (("veth-c1", ("arp", "request", "reply")), ("docker0", ("arp",)),
                         ("veth-c2", ("arp", "request", "reply"))):
        for kind in kinds:
            page.check(f'.p-capture input[data-iface="{iface}"][data-kind="{kind}"]')
    run(page)
    assert sent[-1]["prediction"]["captures"] == {
        "veth-c1": ["arp", "request", "reply"], "docker0": ["arp"], "veth-c2": ["arp", "request", "reply"]}
    row = page.locator('#prediction-grade [data-part="captures"]')
    assert "right" in row.get_attribute("class").split(), row.inner_text()
    assert "docker0: ARP" in row.inner_text()
    page.locator("#run-panel").scroll_into_view_if_needed()
    shot(page, "arp-predict-captures")
