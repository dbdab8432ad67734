"""The docker switch and a compare step in a real browser, against the live lab: a step
run under docker 28's rules shows 28's chains and says which rules it loaded; the compare
step runs the same ping under 27 and 28 and puts their chains side by side."""
import pytest

from .conftest import shot
from .test_lessons import run, wait_replayed

pytestmark = [pytest.mark.browser, pytest.mark.live]


def test_a_step_under_docker_28(page, server, live):
    page.goto(f"{server}/lessons/container-to-container/")
    assert page.input_value("#docker-select") == "27"
    assert page.inner_text("label[for=docker-select]") == "docker's rules"
    page.select_option("#docker-select", "28")
    events = run(page)
    assert page.evaluate("() => window.nfv.result.docker") == "28"
    assert any(e["chain"] == "DOCKER-FORWARD" for e in events)
    assert "written for docker 27" in page.text_content("#result .grade .note")
    shot(page, "docker-switch-28")
    run_id = page.evaluate("() => window.nfv.urls.id")
    page.goto(f"{server}/runs/{run_id}/")
    page.wait_for_selector("#recorded-banner")
    assert "docker 28+ (iptables)" in page.inner_text("#docker-switch")


def test_a_step_that_pins_its_docker_offers_no_switch(page, server):
    page.goto(f"{server}/lessons/docker-then-and-now/?step=2")
    assert page.locator("#docker-select").count() == 0
    assert page.locator("#compare").is_hidden()


def test_the_compare_step_runs_27_and_28_side_by_side(page, server, live):
    page.goto(f"{server}/lessons/docker-then-and-now/?step=7")
    page.wait_for_selector("#compare-run")
    assert page.locator("#compare th[scope=col]").all_inner_texts() == [
        "", "docker ≤ 27", "docker 28+ (iptables)"]
    page.select_option("#p-speed", "16")
    page.click("#compare-run")
    page.wait_for_function("() => document.querySelectorAll('#compare .compare-chains').length === 2",
                           timeout=180_000)
    wait_replayed(page)
    cols = page.locator("#compare tbody tr").first.locator("td").all_inner_texts()
    assert "DOCKER-FORWARD" not in cols[0] and "DOCKER-ISOLATION-STAGE-1" in cols[0], cols
    assert "DOCKER-FORWARD" in cols[1] and "DOCKER-CT" in cols[1], cols
    outcomes = page.locator("#compare tbody tr").nth(1).locator("td").all_inner_texts()
    assert outcomes[0] == outcomes[1] and "delivered" in outcomes[0], outcomes
    assert not page.evaluate("() => window.nfv.result.grade.note")
    page.locator("#compare").scroll_into_view_if_needed()
    shot(page, "docker-compare-27-28")
