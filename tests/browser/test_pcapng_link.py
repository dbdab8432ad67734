"""The run's pcap-ng download in a real browser: after a live run the result panel links
it next to JSON and text, the recorded run's page too, and the file is one tshark reads
with the run's captures."""
import json
import urllib.request

import pytest

from tests.web.learn.test_pcapng import check_file

from .conftest import shot
from .test_lessons import run_lesson

pytestmark = [pytest.mark.browser, pytest.mark.live]


def test_the_result_panel_and_the_permalink_link_the_pcapng(page, server, live, tmp_path):
    run_lesson(page, server, "container-to-container")
    run_id = page.evaluate("() => window.nfv.urls.id")
    link = page.locator("#result a[data-pcapng]")
    assert link.get_attribute("href") == f"/runs/{run_id}.pcapng"
    assert link.text_content() == "pcap-ng"
    link.scroll_into_view_if_needed()
    shot(page, "result-pcapng-link")
    with urllib.request.urlopen(f"{server}/runs/{run_id}.pcapng") as resp:
        assert resp.headers["Content-Type"] == "application/x-pcapng"
        assert "recorded-run-" in resp.headers["Content-Disposition"]
        body = resp.read()
    path = tmp_path / "run.pcapng"
    path.write_bytes(body)
    result = json.load(urllib.request.urlopen(f"{server}/runs/{run_id}.json"))["result"]
    assert "frames" not in result
    check_file(path, result["captures"], result["journeys"])
    page.goto(f"{server}/runs/{run_id}/")
    page.wait_for_selector("#recorded-banner")
    page.wait_for_selector("#result a[data-pcapng]")
    assert page.get_attribute("#result a[data-pcapng]", "href") == f"/runs/{run_id}.pcapng"
    assert page.get_attribute("#run-pcapng", "href") == f"/runs/{run_id}.pcapng"     # the banner's
