"""A workshop in four browsers: one instructor, three learners (Debian's chromium).

Learners join by code; the instructor's goto moves their pages; the board fills
in as they run; a spotlight shows one run on every learner's page, in the
presenter layout.  Screenshots: workshop-*.png.
"""
from __future__ import annotations

import pytest

from bench.cluster import Cluster
from tests.conftest import require

from .conftest import assert_clean, open_page, shot

pytestmark = [pytest.mark.browser, pytest.mark.live]
LESSONS = ["container-to-container", "new-bridge-forward-drop"]
NAMES = ["Ada", "Brian", "Chidi"]


@pytest.fixture(scope="module")
def room():
    import shutil
    require(shutil.which("redis-server") is not None, "redis-server is not installed")
    with Cluster(1, env={"LAB_WARM_LESSONS": ""}) as c:
        seed = c.seed(0, LESSONS, seats=10)
        yield f"http://{c.urls[0]}", seed


def test_an_instructor_leads_three_learners(browser, live, room):
    base, seed = room
    code = seed["code"]
    ictx, board = open_page(browser, 1280, 800)
    board.goto(f"{base}/accounts/login/?next=/workshops/{code}/board/")
    board.fill("#id_username", "teacher")
    board.fill("#id_password", "pw")
    board.click("button[type=submit]")
    board.wait_for_function("() => window.nfvBoard && window.nfvBoard.board", timeout=20_000)
    assert code in board.inner_text("#join-code") and board.locator(".qr svg").count() == 1

    learners = []
    for name in NAMES:
        ctx, pg = open_page(browser, 1280, 800)
        pg.goto(f"{base}/join/?code={code.lower()}")
        pg.fill("#join-name", name)
        pg.click("button[type=submit]")
        pg.wait_for_url(f"**/lessons/{LESSONS[0]}/?step=1")
        assert name in pg.inner_text(".seat-banner") and code in pg.inner_text(".seat-banner")
        learners.append((ctx, pg))
    board.wait_for_function(f"() => window.nfvBoard.rows.size === {len(NAMES)}", timeout=20_000)
    shot(learners[0][1], "workshop-learner-joined")

    # goto moves every learner's page
    board.select_option("#goto-step", f"{LESSONS[1]}:1")
    board.click("#goto-btn")
    for _, pg in learners:
        pg.wait_for_url(f"**/lessons/{LESSONS[1]}/?step=1", timeout=20_000)
    shot(learners[1][1], "workshop-learner-after-goto")
    # goto prepared the step: the board counts the sandboxes ready for its learners
    board.wait_for_function(
        "() => /\\b3 of 3 sandboxes ready\\b/.test(document.getElementById('prepare-status').textContent)",
        timeout=30_000)

    # they run; the board fills in, graded by the product
    for _, pg in learners:
        pg.wait_for_selector("#run-btn", timeout=20_000)
        pg.click("#run-btn")
    board.wait_for_function(
        f"() => [...window.nfvBoard.rows.values()].filter(r => r.cells['{LESSONS[1]}:1']).length"
        f" === {len(NAMES)}", timeout=90_000)
    cells = board.locator("td.cell.passed")
    assert cells.count() == len(NAMES), board.inner_text("#board-table")
    assert "ip filter FORWARD" in board.inner_text("#room")
    shot(board, "workshop-board", full_page=True)

    # spotlight: one run on every learner's page, in the presenter layout
    board.locator("td.cell.passed button.spot").first.click()
    for _, pg in learners:
        pg.wait_for_url("**/runs/*/?present=1*", timeout=20_000)
        pg.wait_for_selector("#recorded-banner")
        assert "present" in pg.evaluate("document.body.className")
    shot(learners[2][1], "workshop-spotlight-presenter")
    # the lesson pages, the recorded run and the board all worked under the CSP
    for ctx, pg in learners:
        assert_clean(pg)
        ctx.close()
    assert_clean(board)
    ictx.close()
