"""Predict, then observe (issue 10): a prediction graded by the kernel, right and wrong, with
the hint; progress that survives a reload and shows on the lesson list; the intro first and
a next-step link at the end of every step."""
import pytest

from .conftest import assert_clean, open_page, shot
from .helpers import capture_runs
from .test_lessons import run

pytestmark = [pytest.mark.browser, pytest.mark.live]

TRY_IT = "/lessons/container-to-container/?step=2"
RULE = "-I DOCKER-USER -p icmp -j DROP"


def predict_drop(page, box):
    page.check("input[name=p-through][value=no]")
    page.click(f'[data-box="{box}"]')            # the box where it dies, on the diagram itself


def part(page, name):
    return page.locator(f'#prediction-grade [data-part="{name}"]')


def test_prediction_wrong_box_gets_the_kernels_hint(page, server, live):
    sent = capture_runs(page)
    page.goto(server + TRY_IT)
    page.click("button.use-rule")                # the step's example into the rule box
    assert page.input_value("#rules-input") == RULE
    predict_drop(page, "ip:filter:input")
    assert "ip filter INPUT" in page.inner_text("#p-dies-note")
    run(page)
    assert sent[-1]["prediction"] == {"through": False, "dies_at": "ip:filter:input"}
    assert sent[-1]["rules"] == [RULE]
    grade = page.inner_text("#prediction-grade")
    assert "1 of 2 right" in grade
    assert "right" in part(page, "through").get_attribute("class").split()
    wrong = part(page, "dies_at")
    assert "wrong" in wrong.get_attribute("class").split()
    hint = wrong.locator(".hint").inner_text()
    assert "you said ip filter INPUT" in hint and "DOCKER-USER" in hint and "FORWARD rule" in hint
    assert "kernel: ip filter FORWARD" in wrong.inner_text()
    assert "1 of 2 right" in page.inner_text("#result")      # the summary where the packet is
    page.locator("#run-panel").scroll_into_view_if_needed()
    shot(page, "predict-wrong-with-hint")


def test_prediction_right(page, server, live):
    sent = capture_runs(page)
    page.goto(server + TRY_IT)
    page.fill("#rules-input", RULE)
    predict_drop(page, "ip:filter:forward")
    run(page)
    assert sent[-1]["prediction"] == {"through": False, "dies_at": "ip:filter:forward"}
    assert "2 of 2 right" in page.inner_text("#prediction-grade")
    assert part(page, "dies_at").get_attribute("class").split()[-1] == "right"
    assert "DOCKER-USER" in part(page, "dies_at").inner_text()       # "right: in its DOCKER-USER chain"
    # the step's own grade next to it (a try-it step expects nothing: no grade line)
    page.locator("#run-panel").scroll_into_view_if_needed()
    shot(page, "predict-right")


def test_skipping_sends_no_prediction(page, server, live):
    sent = capture_runs(page)
    page.goto(server + "/lessons/container-to-container/")
    page.check("input[name=p-through][value=yes]")
    page.click("#p-skip")
    assert page.is_hidden(".predict .p-body")
    run(page)
    assert sent[-1]["prediction"] is None
    assert page.is_hidden("#prediction-grade")
    assert "✓ the kernel showed what this step expects" in page.inner_text("#result")


def test_progress_survives_a_reload_and_shows_on_the_lesson_list(browser, server, live):
    ctx, page = open_page(browser)
    try:
        page.goto(server + "/lessons/container-to-external/")
        # the lesson's intro comes first, open, on step 1
        intro = page.locator("#intro")
        assert intro.get_attribute("open") is not None
        assert intro.bounding_box()["y"] < page.locator("#step-pane").bounding_box()["y"]
        assert "Not started" in page.inner_text("#progress-line")
        page.check("input[name=p-through][value=no]")      # step 1: no MASQUERADE, no reply
        run(page)
        assert "1 of 1 right" in page.inner_text("#prediction-grade")
        page.reload()
        assert "1 of 3 steps run · 1 of 1 predictions right" in page.inner_text("#progress-line")
        assert "done" in page.locator('.step-tab[data-step="1"]').get_attribute("class").split()
        assert "done" not in page.locator('.step-tab[data-step="2"]').get_attribute("class").split()
        nxt = page.locator("#next-step")                    # every step ends with "next step"
        assert "step=2" in nxt.get_attribute("href") and "Next step" in nxt.inner_text()
        page.goto(server + "/")
        card = page.locator('.lesson-card[data-lesson="container-to-external"] .progress')
        assert "1 of 3 steps run" in card.inner_text() and "1 of 1 predictions right" in card.inner_text()
        other = page.locator('.lesson-card[data-lesson="conntrack"] .progress')
        assert "not started" in other.inner_text()
        shot(page, "lesson-list-progress")
        assert_clean(page)
    finally:
        ctx.close()
    # another browser has its own progress
    ctx, page = open_page(browser)
    try:
        page.goto(server + "/")
        assert "not started" in page.inner_text('.lesson-card[data-lesson="container-to-external"] .progress')
    finally:
        ctx.close()


def test_last_step_links_back_to_the_lessons(page, server):
    page.goto(server + TRY_IT)
    assert page.get_attribute("#next-step", "href") == "/"
    page.goto(server + "/lessons/container-to-container/")
    assert page.locator("#intro").count() == 0 or page.locator("#intro").is_visible()


def test_predicting_the_path_and_the_address_after_nat(page, server, live):
    sent = capture_runs(page)
    page.goto(server + "/lessons/container-to-external/?step=2")
    page.check("input[name=p-through][value=yes]")
    page.click("#p-hooks-pick")                     # then click, in order, a box of each hook
    for key in ("bridge:nat:prerouting", "ip:raw:prerouting", "bridge:filter:input",
                "ip:filter:forward", "ip:nat:postrouting", "ip:nat:postrouting", "ip:nat:postrouting"):
        page.click(f'[data-box="{key}"]')           # the last one twice: clicking it again removes it
    chips = page.locator("#p-hooks-list li").all_inner_texts()
    assert chips == ["bridge PREROUTING", "ip PREROUTING", "bridge INPUT", "ip FORWARD", "ip POSTROUTING"]
    assert page.locator('[data-stage="ip:forward"] .pick').text_content() == "4"
    page.click("#p-hooks-pick")                     # done choosing
    page.fill("#p-nat", "203.0.113.10")
    run(page)
    assert sent[-1]["prediction"] == {"through": True, "nat_addr": "203.0.113.10", "hooks": [
        "bridge:prerouting", "ip:prerouting", "bridge:input", "ip:forward", "ip:postrouting"]}
    assert "3 of 3 right" in page.inner_text("#prediction-grade")
    assert "✓ the kernel showed what this step expects" in page.inner_text("#prediction-grade")
    page.locator("#run-panel").scroll_into_view_if_needed()
    shot(page, "predict-path-and-nat")
