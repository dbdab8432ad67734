"""A workshop in four browsers: one instructor, three learners (Debian's chromium).

Learners join by code; the instructor's goto moves their pages; the board fills
in as they run: one learner fails three times and the board says they are stuck,
the instructor opens their attempts; pause holds every learner's Run button until
resume; a spotlight shows one run on the other learners' pages, with a banner that
says so and that run's own prediction, in the presenter layout (>= 14 px text at
1280x800).  Screenshots: workshop-*.png.
"""
from __future__ import annotations

import pytest

from bench.cluster import Cluster
from tests.conftest import require

from .conftest import assert_clean, open_page, shot
from .helpers import box, small_text

pytestmark = [pytest.mark.browser, pytest.mark.live]
LESSONS = ["container-to-container", "new-bridge-forward-drop"]
NAMES = ["Ada", "Brian", "Chidi"]
TRY_IT = (LESSONS[1], 4)            # a try-it step: without a rule of the learner's, it fails
FIX = "-I FORWARD -i br-new -o br-new -j ACCEPT"


@pytest.fixture(scope="module")
def room():
    import shutil
    require(shutil.which("redis-server") is not None, "redis-server is not installed")
    with Cluster(1, env={"LAB_WARM_LESSONS": "", "WS_RUNS_PER_MINUTE": "60"}) as c:
        seed = c.seed(0, LESSONS, seats=10)
        yield f"http://{c.urls[0]}", seed


def run_here(pg, rules: str | None = None, predict_through: str | None = None):
    """Press Run on a learner's page (rules in the box, a prediction), wait for the result."""
    pg.wait_for_selector("#run-btn", timeout=20_000)
    if predict_through:
        pg.check(f"input[name=p-through][value={predict_through}]")
    if rules is not None:
        pg.fill("#rules-input", rules)
    pg.select_option("#p-speed", "16")
    pg.evaluate("() => { window.nfvLast = window.nfv.result; }")
    pg.click("#run-btn")
    pg.wait_for_function("() => window.nfv.result && window.nfv.result !== window.nfvLast"
                         " && document.getElementById('run-btn').getAttribute('aria-disabled') !== 'true'",
                         timeout=90_000)


def sign_in_to_board(board, base: str, code: str) -> None:
    """On the sign-in page: the seeded instructor signs in and opens the room's board."""
    board.fill("#id_username", "teacher")
    board.fill("#id_password", "pw")
    board.click(".join-form button[type=submit]")     # not the language switch's button
    board.wait_for_url("**/workshops/")
    board.goto(f"{base}/workshops/{code}/board/")
    board.wait_for_function("() => window.nfvBoard && window.nfvBoard.board", timeout=20_000)


def test_an_instructor_leads_three_learners(browser, live, room):
    base, seed = room
    code = seed["code"]
    ictx, board = open_page(browser, 1280, 800)
    board.goto(f"{base}/")
    assert board.locator("#instructor-sign-in").count() == 1        # the home page signs them in
    board.click("#instructor-sign-in")
    sign_in_to_board(board, base, code)
    assert code in board.inner_text("#join-code") and board.locator(".qr svg").count() == 1

    learners = []
    for name in NAMES:
        ctx, pg = open_page(browser, 1280, 800)
        pg.goto(f"{base}/join/?code={code.lower()}")
        pg.fill("#join-name", name)
        pg.click(".join-form button[type=submit]")
        pg.wait_for_url(f"**/lessons/{LESSONS[0]}/?step=1")
        assert name in pg.inner_text(".seat-banner") and code in pg.inner_text(".seat-banner")
        learners.append((ctx, pg))
    board.wait_for_function(f"() => window.nfvBoard.rows.size === {len(NAMES)}", timeout=20_000)
    board.wait_for_function("() => /3 of 3 learners connected/.test(document.getElementById('room-counts').textContent)",
                            timeout=20_000)
    shot(learners[0][1], "workshop-learner-joined")

    # goto moves every learner's page; the Present link follows the room
    board.select_option("#goto-step", f"{TRY_IT[0]}:{TRY_IT[1]}")
    board.click("#goto-btn")
    for _, pg in learners:
        pg.wait_for_url(f"**/lessons/{TRY_IT[0]}/?step={TRY_IT[1]}", timeout=20_000)
    assert board.get_attribute("#present-link", "href") == \
        f"/lessons/{TRY_IT[0]}/?step={TRY_IT[1]}&present=1"

    # Ada fixes it (predicting it gets through), Brian too; Chidi predicts it gets through
    # with no rule, three times wrong: stuck
    (_, ada), (_, brian), (_, chidi) = learners
    run_here(ada, FIX, "yes")
    run_here(brian, FIX)
    for _ in range(3):
        run_here(chidi, "", "yes")
    key = f"{TRY_IT[0]}:{TRY_IT[1]}"
    try:
        board.wait_for_function(
            f"() => [...window.nfvBoard.rows.values()].filter(r => r.cells['{key}']).length === 3"
            f" && [...window.nfvBoard.rows.values()].some(r => r.state === 'stuck')", timeout=30_000)
    except Exception:
        print(board.evaluate(f"() => JSON.stringify([...window.nfvBoard.rows.values()].map(r => [r.name, r.state, r.why, r.lesson, r.step, r.cells['{key}']]))"))
        shot(board, "debug-board", full_page=True)
        raise
    chidi_row = board.locator("tr[data-learner]", has_text="Chidi")
    assert "stuck: 3 failed runs" in chidi_row.inner_text()
    assert "1 stuck" in board.inner_text("#room-counts")
    summary = board.inner_text(f"td.summary[data-step='{key}']")
    assert "3 ran · 2 passed" in summary, summary
    shot(board, "workshop-board-stuck", full_page=True)

    # the instructor opens Chidi's attempts: three, in order, each with its rules and grade
    chidi_row.locator(f"td.cell[data-step='{key}'] button.open").click()
    board.wait_for_selector("#attempts:not([hidden]) li.attempt")
    items = board.locator("#attempts-list li.attempt")
    assert items.count() == 3
    assert "#1" in items.nth(0).inner_text()
    assert "prediction: gets through (wrong)" in items.nth(0).inner_text()
    assert "rules: no rules" in items.nth(2).inner_text()
    assert items.nth(0).locator("a", has_text="permalink").get_attribute("href").startswith("/runs/")
    assert "Chidi" in board.inner_text("#attempts-h")
    shot(board, "workshop-board-attempts", full_page=True)

    # pause: every learner's Run button is held, and says why; resume frees it
    board.click("#pause-btn")
    for _, pg in learners:
        pg.wait_for_function("() => document.getElementById('run-btn').getAttribute('aria-disabled') === 'true'",
                             timeout=20_000)
        assert "Paused by your instructor" in pg.inner_text("#seat-note")
        assert "Paused by your instructor" in pg.inner_text("#room-paused-note")
    assert not board.locator("#board-paused").is_hidden()
    chidi.locator("#run-btn").scroll_into_view_if_needed()
    chidi.click("#run-btn", force=True)              # held: no run starts
    chidi.wait_for_timeout(500)
    assert chidi.evaluate("() => document.getElementById('run-btn').getAttribute('aria-busy')") != "true"
    shot(chidi, "workshop-learner-paused")
    board.click("#pause-btn")
    for _, pg in learners:
        pg.wait_for_function("() => document.getElementById('run-btn').getAttribute('aria-disabled') === 'false'",
                             timeout=20_000)
        assert "Paused" not in pg.inner_text("#seat-note") and pg.locator("#room-paused-note").count() == 0

    # spotlight Ada's run: Brian's and Chidi's pages say whose prediction they show
    ada_row = board.locator("tr[data-learner]", has_text="Ada")
    ada_row.locator(f"td.cell[data-step='{key}'] button.open").click()
    board.wait_for_function("() => /Ada/.test(document.getElementById('attempts-h').textContent)")
    board.locator("#attempts-list li.attempt button.spot").first.click()
    for _, pg in (learners[1], learners[2]):
        pg.wait_for_url("**/runs/*/?present=1*", timeout=20_000)
        pg.wait_for_selector("#spotlight-banner")
        banner = pg.inner_text("#spotlight-banner")
        assert "Your instructor is showing a run" in banner
        assert "This run's prediction: gets through" in banner, banner
        assert f"This run's rules: iptables {FIX}" in banner
        assert "present" in pg.evaluate("document.body.className")
        assert "Your prediction" not in pg.inner_text("main")
        assert "with your rules" not in pg.inner_text("#recorded-banner")
        assert pg.get_attribute("#spotlight-back", "href") == f"/lessons/{TRY_IT[0]}/?step={TRY_IT[1]}"
    pg = learners[2][1]
    pg.evaluate("window.scrollTo(0, 0)")
    shot(pg, "workshop-spotlight-presenter")
    # the presenter layout: the full width, >= 14 px text
    grid, diagram, insp = box(pg, ".lesson-grid"), box(pg, "svg.diagram"), box(pg, ".inspector-pane")
    assert grid["w"] >= 1260, grid                  # was ~970: the banner's floated links
    assert diagram["w"] >= 800 and diagram["x"] + diagram["w"] <= insp["x"], (diagram, insp)
    assert diagram["y"] + diagram["h"] <= 800, diagram      # on the first screen, banner and all
    assert small_text(pg, "#lab") == []
    assert small_text(pg, "#spotlight-banner") == []
    assert small_text(pg, ".inspector-pane") == [] and small_text(pg, ".log-pane") == []

    # close: every control is disabled and says why
    board.once("dialog", lambda d: d.accept())
    board.click("#close-btn")
    board.wait_for_function("() => document.getElementById('pause-btn').disabled")
    assert "closed" in board.inner_text("#board-closed-note")
    assert board.locator("button.control:not([disabled])").count() == 0
    assert "closed" in board.get_attribute("#goto-btn", "title")
    shot(board, "workshop-board-closed")
    # the lesson pages, the recorded run and the board all worked under the CSP
    for ctx, pg in learners:
        assert_clean(pg)
        ctx.close()
    assert_clean(board)
    ictx.close()
