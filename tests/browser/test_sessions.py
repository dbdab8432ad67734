"""The browser's session in a real browser: viewing makes none, the first Run makes it and a
reload keeps the progress; a run the database could not save says so."""
import json
import re
from pathlib import Path

import pytest

from visualizer.learn.unwritable import NOT_SAVED

from .conftest import assert_clean, open_page
from .test_lessons import run

pytestmark = pytest.mark.browser
SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "sample_events.json"


def _has_session(ctx) -> bool:
    return any(c["name"] == "sessionid" for c in ctx.cookies())


@pytest.mark.live
def test_the_first_run_makes_the_session_and_a_reload_keeps_it(browser, server, live):
    ctx, page = open_page(browser)
    try:
        page.goto(server + "/lessons/new-bridge-forward-drop/")
        page.goto(server + "/")
        page.goto(server + "/lessons/new-bridge-forward-drop/")
        assert not _has_session(ctx)                     # three pages viewed, nothing kept
        run(page)
        assert _has_session(ctx)
        assert page.locator("#result .permalink a").count() >= 1      # recorded
        page.reload()
        assert re.search(r"1 of \d+ steps run", page.inner_text("#progress-line"))
        assert_clean(page)
    finally:
        ctx.close()


def test_a_run_not_saved_says_so(page, server):
    """The lab socket answers as the server does when the database refuses the run."""
    sample = json.loads(SAMPLE.read_text())
    result = {**sample["result"], "type": "lab.result", "run": None, "recorded": False,
              "warning": NOT_SAVED}

    def lab(ws):
        def on_message(text):
            if json.loads(text).get("type") == "lab.run":
                ws.send(json.dumps({"type": "trace.events", "events": sample["events"]}))
                ws.send(json.dumps(result))
        ws.on_message(on_message)
    page.route_web_socket(re.compile(r"/ws/lab/$"), lab)
    page.goto(server + "/lessons/container-to-container/")
    run(page)
    note = page.locator("#result .hint.bad")
    assert note.inner_text() == NOT_SAVED and note.is_visible()
    assert page.locator("#result .permalink").count() == 0          # no permalink to offer
    assert "Not started" in page.inner_text("#progress-line")       # nothing was counted
