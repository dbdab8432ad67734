"""The experiment page in a real browser, on the live lab: pick the source and the
destination on the topology's nodes (c2, then wan: its address), UDP to port 53, run, see
the journeys and the grade, the links to the recorded run and "Save as lesson", and the
URL set to the experiment's permalink."""
import urllib.request

import pytest

from .conftest import shot

pytestmark = [pytest.mark.browser, pytest.mark.live]


def test_pick_run_and_follow_the_run(page, server, live):
    page.goto(f"{server}/experiment/")
    page.click("#exp-nodes button[data-node=c2]")
    page.click("#exp-nodes button[data-node=wan]")
    assert page.input_value("#exp-from") == "c2"
    assert page.input_value("#exp-to") == "203.0.113.1"
    page.select_option("#exp-proto", "udp")
    page.fill("#exp-port", "53")
    page.click("#exp-run")
    page.wait_for_selector("#exp-journeys button[data-journey]", timeout=90_000)
    link = page.locator("#result a", has_text="recorded run").first
    href = link.get_attribute("href")
    assert href.startswith("/runs/") and href.endswith("/")
    assert page.get_attribute("#exp-save", "href") == f"{href}lesson.zip"
    assert "traffic=c2%2C203.0.113.1%2Cudp%2C53%2C1%2C%2C" in page.url
    assert page.locator("#exp-journeys li.story li").count() > 0     # a journey's story
    text = page.inner_text("#exp-result")
    assert "udp" in text.lower()
    shot(page, "experiment-page-run", full_page=True)
    with urllib.request.urlopen(f"{server}{href}") as resp:
        assert resp.status == 200 and "c2" in resp.read().decode()


def test_a_bad_value_is_named_and_the_page_stays_usable(page, server, live):
    page.goto(f"{server}/experiment/?traffic=c2,203.0.113.1,udp,70000,1,,")
    assert page.input_value("#exp-port") == "70000"
    page.click("#exp-run")
    page.wait_for_selector("#error:not([hidden])", timeout=30_000)
    assert "traffic" in page.inner_text("#error")
    shot(page, "experiment-page-error")
    assert page.is_enabled("#exp-run")
