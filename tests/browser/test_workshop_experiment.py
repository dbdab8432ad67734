"""An instructor sends an experiment to the room and a learner's page follows (issue 19,
acceptance 3c), in two browsers on the live lab (Debian's chromium).

The instructor opens an experiment on the experiment page (its address is the permalink)
and pastes it into the board's "Send an experiment": the board shows what it will send; a
bad value gets the server's error naming the field; the good one moves the room: the board
says the room is on an experiment (not a step) and adds its column.  The learner's page
(a second browser) lands on the experiment page with that experiment filled in, still in
the room; the learner runs it and the board shows the run (ran, its first request's
outcome) and that she is on the experiment.  "Bring the room back" sends the learner's page
back to the lesson step; the experiment's room page opened again then follows the room too.
The board and the learner's experiment page are axe-clean.  Screenshots:
workshop-experiment-*.png.
"""
from __future__ import annotations

import pytest

from .conftest import assert_clean, open_page, shot
from .test_a11y import axe_bad
from . import test_workshop
from .test_workshop import LESSONS, sign_in_to_board

pytestmark = [pytest.mark.browser, pytest.mark.live]
room = test_workshop.room            # one daphne, redis and lab (bench.cluster)
QUERY = "traffic=c2,203.0.113.1,udp,53,1,,"          # UDP from c2 to the external host
BAD = "traffic=c2,203.0.113.1,udp,70000,1,,"


def send_experiment(board, permalink: str) -> None:
    board.fill("#exp-link", permalink)
    board.click("#exp-send")


def test_the_room_follows_an_experiment(browser, live, room):
    base, seed = room
    code = seed["code"]
    ictx, board = open_page(browser, 1280, 900)
    board.goto(f"{base}/accounts/login/")
    sign_in_to_board(board, base, code)
    lctx, learner = open_page(browser, 1280, 800)
    learner.goto(f"{base}/join/?code={code}")
    learner.fill("#join-name", "Dana")
    learner.click(".join-form button[type=submit]")
    learner.wait_for_url(f"**/lessons/{LESSONS[0]}/?step=1")
    board.wait_for_function("() => window.nfvBoard.rows.size === 1", timeout=20_000)

    # the instructor's experiment, on its page: the page's address is its permalink
    mine = ictx.new_page()
    mine.goto(f"{base}/experiment/?{QUERY}")
    permalink = mine.url
    mine.close()

    board.click("#send-exp > summary")
    send_experiment(board, f"{base}/experiment/?{BAD}")
    board.wait_for_selector("#exp-error:not([hidden])", timeout=20_000)
    assert "traffic[0].port" in board.inner_text("#exp-error")
    assert "port 70000" in board.inner_text("#exp-preview")
    shot(board, "workshop-experiment-error")
    assert learner.url.endswith(f"/lessons/{LESSONS[0]}/?step=1")      # the room did not move

    board.fill("#exp-link", permalink)
    preview = board.inner_text("#exp-preview")
    assert "Starts from the plain docker bridge" in preview, preview
    assert "c2 → 203.0.113.1 (udp port 53, count 1)" in preview, preview
    board.click("#exp-send")
    board.wait_for_selector("th.exp-col", timeout=20_000)
    assert "on an experiment" in board.inner_text("#board-where")
    assert "c2 → 203.0.113.1" in board.inner_text("#exp-where")
    assert board.is_visible("#exp-back") and board.locator("#exp-error").is_hidden()
    row = board.locator("tr.learner", has_text="Dana")
    assert "not run yet" in row.locator("td.exp-col").inner_text()

    # the learner's page: the experiment page, filled in, for the room
    learner.wait_for_url("**/experiment/?**", timeout=20_000)
    assert f"room={code}" in learner.url
    sent_url = learner.url
    learner.wait_for_selector("#exp-run", timeout=20_000)
    filled = learner.evaluate("() => [...document.querySelectorAll('#exp-form input, #exp-form select')]"
                              ".map((e) => e.value)")
    assert {"c2", "203.0.113.1", "udp", "53"} <= set(filled), filled
    learner.wait_for_selector("#room-banner", timeout=10_000)
    assert code in learner.inner_text("#room-banner")
    assert "Dana" in learner.inner_text(".seat-banner")
    # the board sees her there: her row says so, her experiment cell is marked
    board.wait_for_function("() => [...document.querySelectorAll('tr.learner .where')]"
                            ".some((e) => e.textContent.includes(\"on the room's experiment\"))",
                            timeout=20_000)
    assert row.locator("td.exp-col.here").count() == 1
    learner.click("#exp-run")
    learner.wait_for_selector("#exp-save", timeout=90_000)           # the run, recorded
    shot(learner, "workshop-experiment-learner", full_page=True)
    assert axe_bad(learner) == []

    # the board shows the run: ran once, its first request's outcome, a link to it
    board.wait_for_selector("td.exp-col a[data-run]", timeout=20_000)
    cell = row.locator("td.exp-col").inner_text()
    assert "ran ×1" in cell and "first request:" in cell, cell
    assert "1 of 1 ran it" in board.inner_text("td.summary.exp-col")
    shot(board, "workshop-experiment-board", full_page=True)
    assert axe_bad(board) == []

    # an instructor reading Japanese: the same board in the page's language
    jctx, ja = open_page(browser, 1280, 900, extra_http_headers={"Accept-Language": "ja"})
    ja.goto(f"{base}/accounts/login/")
    sign_in_to_board(ja, base, code)
    ja.wait_for_selector("th.exp-col", timeout=20_000)
    assert "ルームは実験" in ja.inner_text("#board-where") and "実行 ×1" in ja.inner_text("tr.learner td.exp-col")
    assert "トラフィック: c2 → 203.0.113.1" in ja.inner_text("#exp-where")
    ja.click("#send-exp > summary")
    shot(ja, "workshop-experiment-board-ja", full_page=True)
    assert_clean(ja)
    jctx.close()

    # back to the lesson step: the learner's page follows
    board.click("#exp-back")
    learner.wait_for_url(f"**/lessons/{LESSONS[0]}/?step=1", timeout=20_000)
    board.wait_for_function("() => !document.querySelector('th.exp-col')", timeout=20_000)
    assert "on an experiment" not in board.inner_text("#board-where")
    assert board.locator("#exp-back").is_hidden()
    board.wait_for_function("() => [...document.querySelectorAll('tr.learner .where')]"
                            f".some((e) => e.textContent.includes('on {LESSONS[0]} 1'))", timeout=20_000)
    assert row.locator("td.here").count() == 1          # her step's cell again
    # the room's experiment page opened again once the room is back: it follows the room
    learner.goto(sent_url)
    learner.wait_for_url(f"**/lessons/{LESSONS[0]}/?step=1", timeout=20_000)
    shot(board, "workshop-experiment-back")
    for pg in (board, learner):
        assert_clean(pg)
    lctx.close()
    ictx.close()
