"""A workshop across languages (issue 20, acceptance 5): an instructor in English, learners
in Japanese, Simplified and Traditional Chinese, each by their browser's Accept-Language.

The board is in English; the instructor's goto brings each learner's page to the step in
their own language (the step's title and text from lesson.<lang>.toml and stepN.<lang>.md);
a spotlighted run shows on the other learners' pages with its banner and its explanation
in each one's language (strings.<lang>.js, sentences rendered from {id, args}).
Screenshots: workshop-lang-*.png.
"""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from visualizer.core import phrases
from visualizer.workshops import roomview

from .conftest import assert_clean, open_page, shot
from . import test_workshop
from .test_workshop import FIX, LESSONS, TRY_IT, run_here, sign_in_to_board

pytestmark = [pytest.mark.browser, pytest.mark.live]
room = test_workshop.room            # the same room: one daphne, redis and lab (bench.cluster)
ROOT = Path(__file__).resolve().parents[2]
# name, Accept-Language, the page's language, the spotlight banner's opening words
LEARNERS = [("Aiko", "ja", "ja", "講師が"),
            ("Bo", "zh-CN,zh;q=0.9", "zh-hans", "讲师正在展示"),
            ("Chen", "zh-TW,zh;q=0.9", "zh-hant", "講師正在")]
# English that must not be left on a learner's page once it is in their language
ENGLISH = ["Your instructor", "This run's", "prediction", "Run", "Step ", "Try it"]


def step_words(lang: str) -> tuple[str, str]:
    """The try-it step's title and the first words of its text, in that language."""
    folder = ROOT / "lessons" / TRY_IT[0]
    title = tomllib.loads((folder / f"lesson.{lang}.toml").read_text())["steps"][TRY_IT[1] - 1]["title"]
    text = (folder / f"step{TRY_IT[1]}.{lang}.md").read_text()
    first = next(line for line in text.splitlines() if line.strip() and not line.startswith("<!--"))
    return title, first[:12]


def latin_words(text: str) -> list[str]:
    """Which of the English UI words (ENGLISH) a text still holds, as words of their own."""
    return [w for w in ENGLISH if re.search(rf"(?<![\w-]){re.escape(w)}", text)]


def sign_in(browser, base: str, code: str):
    ictx, board = open_page(browser, 1280, 800, extra_http_headers={"Accept-Language": "en"})
    board.goto(f"{base}/accounts/login/")
    sign_in_to_board(board, base, code)
    return ictx, board


def test_each_person_sees_their_own_language(browser, live, room):
    base, seed = room
    code = seed["code"]
    ictx, board = sign_in(browser, base, code)
    assert board.get_attribute("html", "lang") == "en"
    learners = []
    for name, accept, lang, _ in LEARNERS:
        ctx, pg = open_page(browser, 1280, 800, extra_http_headers={"Accept-Language": accept})
        pg.goto(f"{base}/join/?code={code.lower()}")
        assert pg.get_attribute("html", "lang") == lang
        pg.fill("#join-name", name)
        pg.click(".join-form button[type=submit]")
        pg.wait_for_url(f"**/lessons/{LESSONS[0]}/?step=1")
        learners.append((ctx, pg))
    board.wait_for_function(f"() => /{len(LEARNERS)} of {len(LEARNERS)} learners connected/"
                            ".test(document.getElementById('room-counts').textContent)", timeout=20_000)

    # goto: every learner's page comes to the step in their language
    board.select_option("#goto-step", f"{TRY_IT[0]}:{TRY_IT[1]}")
    board.click("#goto-btn")
    for (_, pg), (name, _, lang, _) in zip(learners, LEARNERS):
        pg.wait_for_url(f"**/lessons/{TRY_IT[0]}/?step={TRY_IT[1]}", timeout=20_000)
        pg.wait_for_selector("#run-btn", timeout=20_000)
        title, words = step_words(lang)
        main = pg.inner_text("main")
        assert title in main and words in main, (lang, title, words, main[:600])
        assert pg.get_attribute("html", "lang") == lang
        assert latin_words(pg.inner_text(".seat-banner")) == [], pg.inner_text(".seat-banner")
        shot(pg, f"workshop-lang-goto-{lang}")

    # Aiko runs the fix; the board, in English, shows her row
    (_, aiko), others = learners[0], learners[1:]
    run_here(aiko, FIX, "yes")
    run_here(others[0][1], "", "no")          # Bo's run, spotlit to Aiko below
    key = f"{TRY_IT[0]}:{TRY_IT[1]}"
    board.wait_for_function(f"() => [...window.nfvBoard.rows.values()].some(r => r.cells['{key}'])",
                            timeout=30_000)
    counts = board.inner_text("#room-counts")
    assert f"{len(LEARNERS)} of {len(LEARNERS)} learners connected" in counts, counts
    en_title = tomllib.loads((ROOT / "lessons" / TRY_IT[0] / "lesson.toml").read_text())["steps"][TRY_IT[1] - 1]["title"]
    assert en_title in board.inner_text("#goto-step"), board.inner_text("#goto-step")
    aiko_row = board.locator("tr[data-learner]", has_text="Aiko")
    aiko_row.locator(f"td.cell[data-step='{key}'] button.open").click()
    board.wait_for_selector("#attempts:not([hidden]) li.attempt")
    attempt = board.inner_text("#attempts-list li.attempt")
    assert "prediction: gets through" in attempt and "permalink" in attempt, attempt
    shot(board, "workshop-lang-board", full_page=True)

    # spotlight Aiko's run: Bo's and Chen's pages show it in their own language
    board.locator("#attempts-list li.attempt button.spot").first.click()
    spotlit_to(others, LEARNERS[1:], {"through": True}, FIX)
    # then Bo's run: Aiko's page shows it in Japanese
    board.locator("tr[data-learner]", has_text="Bo").locator(f"td.cell[data-step='{key}'] button.open").click()
    board.wait_for_function("() => /Bo/.test(document.getElementById('attempts-h').textContent)")
    board.locator("#attempts-list li.attempt button.spot").first.click()
    spotlit_to(learners[:1], LEARNERS[:1], {"through": False}, phrases.render_in("ja", phrases.msg("workshop.rules.none")))

    for ctx, pg in learners:
        assert_clean(pg)
        ctx.close()
    assert_clean(board)
    ictx.close()


def spotlit_to(pages, people, prediction: dict, rules: str):
    """Each page went to the spotlit run; its banner, prediction, rules and panes are in
    its learner's language (screenshots workshop-lang-spotlight-<lang>)."""
    for (_, pg), (_, _, lang, opening) in zip(pages, people):
        pg.wait_for_url("**/runs/*/?present=1*", timeout=20_000)
        pg.wait_for_selector("#spotlight-banner")
        pg.wait_for_function("() => window.nfv && window.nfv.result", timeout=30_000)
        assert pg.get_attribute("html", "lang") == lang
        banner = pg.inner_text("#spotlight-banner")
        said = phrases.render_in(lang, roomview.prediction_msg(prediction))
        assert opening in banner and said in banner and rules in banner, banner
        assert latin_words(banner) == [], banner
        for pane in (".inspector-pane", ".log-pane"):
            if pg.locator(pane).count():
                text = pg.inner_text(pane)
                assert latin_words(text) == [], (lang, pane, text[:800])
        pg.evaluate("window.scrollTo(0, 0)")
        shot(pg, f"workshop-lang-spotlight-{lang}")
        shot(pg, f"workshop-lang-spotlight-{lang}-full", full_page=True)
