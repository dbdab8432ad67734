"""The two issue-19 lessons on the page, run on the live lab: bridge-flood step 1 (the one
echo request's story says the bridge flooded it, out of veth-c2 and veth-c1, derived) and
promiscuous-capture step 2 (the echo requests' bridge INPUT hop says the bridge passed a
copy up in promiscuous mode; the capture on br-new is in the result).  Screenshots."""
import pytest

from .conftest import shot
from .test_lessons import run_lesson

pytestmark = [pytest.mark.browser, pytest.mark.live]


def _first_request(result):
    return min((j for j in result["journeys"] if j["proto"] == "icmp"
                and j["direction"] == "request"), key=lambda j: j["first_seq"])


def test_the_flood_is_told_under_its_journey(page, server, live):
    run_lesson(page, server, "bridge-flood", 1)
    result = page.evaluate("() => window.nfv.result")
    req = _first_request(result)
    assert req["left_by"] == ["veth-c2", "veth-c1"]
    page.click(f'button[data-journey="{req["id"]}"]')
    story = page.locator(f'#journeys li.story[data-story="{req["id"]}"]')
    story.wait_for()
    text = story.inner_text()
    assert "floods it" in text and "veth-c2" in text and "veth-c1" in text and "derived" in text
    shot(page, "bridge-flood-story")


def test_the_promiscuous_copy_is_told_and_captured(page, server, live):
    events = run_lesson(page, server, "promiscuous-capture", 2)
    result = page.evaluate("() => window.nfv.result")
    req = _first_request(result)
    up = [e for e in events if e["journey"] == req["id"] and e["family"] == "bridge"
          and e["hook"] == "input" and e["source"] == "nftrace" and not e["probe"]]
    assert up and "promiscuous mode" in up[0]["explain"]
    assert any(p["proto"] == "icmp" for p in result["captures"]["br-new"])
    page.click(f'button[data-journey="{req["id"]}"]')
    page.locator(f'#journeys li.story[data-story="{req["id"]}"]').wait_for()
    shot(page, "promiscuous-capture-step2")
