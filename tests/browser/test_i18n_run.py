"""One lesson step run in ja, zh-hans and zh-hant (issue 20, acceptance 1): the learner predicts
(wrongly, to get the kernel's hint), runs on the live lab and reads a hop's explanation, in the
desk, presenter and phone layouts. No English sentence of the UI catalogue is left on the page,
the grade and the hint are in the page's language, the diagram's words fit, nothing is cut,
and axe-core finds no serious or critical violation. Screenshots: test-artifacts/screenshots/."""
import re

import pytest

from .conftest import assert_clean, open_page
from .helpers import CALLOUT_OVERLAPS_JS, small_text
from .test_a11y import axe_bad
from .test_i18n_layout import FITS
from .test_inspector import seek, shot

pytestmark = [pytest.mark.browser, pytest.mark.live]

LANGS = ["ja", "zh-hans", "zh-hant"]
STEP = "/lessons/container-to-container/?step=1"
KANA = re.compile(r"[\u3040-\u30ff]")
HAN = re.compile(r"[\u4e00-\u9fff]")

# the English catalogue's literal fragments of 3 words or more (not counting numbers, signs) (the text between placeholders)
# that the visible page still shows
ENGLISH_LEFT_JS = """async () => {
  const src = new URL('strings.js', document.querySelector('script[type=module][src]').src).href;
  const { EN } = await import(src);
  const frags = new Set();
  const walk = (o) => { for (const v of Object.values(o)) {
    if (typeof v === 'string') { for (const f of v.split(/\\{[^}]*\\}/)) {
      const s = f.trim(); if (s.split(/\\s+/).filter((w) => /^[A-Za-z]{2,}/.test(w)).length >= 3) frags.add(s); } }
    else if (v && typeof v === 'object') walk(v); } };
  walk(EN);
  const text = document.body.innerText;
  return [...frags].filter((f) => text.includes(f));
}"""

# visible text its own box cuts (overflow hidden or clipped, or an ellipsis, with more inside);
# a journey's packet summary (.jsum: addresses and ICMP type, in every language) ends in an
# ellipsis by design on a narrow screen
CUT_JS = """() => {
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    if (![...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())) continue;
    if (el instanceof SVGElement || el.closest('.sr-only, [hidden], .jsum')) continue;
    const cs = getComputedStyle(el);
    if (cs.display === 'none' || cs.visibility === 'hidden') continue;
    const clips = ['hidden', 'clip'].includes(cs.overflowX) || cs.textOverflow === 'ellipsis';
    if (clips && el.scrollWidth > el.clientWidth + 1)
      out.push(`${el.tagName}.${el.className} "${el.textContent.trim().slice(0, 30)}"`);
  }
  return out;
}"""


def run(page):
    """Press Run; wait for the result and the replay's last hop (in any language: 'n/n')."""
    page.select_option("#p-speed", "16")
    page.click("#run-btn")
    page.wait_for_selector("#result:not([hidden])", timeout=90_000)
    page.wait_for_function("() => { const n = window.nfv.timeline.length; return n > 0 && "
                           "document.getElementById('p-pos').textContent.includes(`${n}/${n}`); }",
                           timeout=60_000)


def in_language(text: str, lang: str) -> bool:
    return bool(HAN.search(text)) and bool(KANA.search(text)) == (lang == "ja")


def predict_run_read(pg, server, lang):
    """Open the step, predict that the ping does not get through (it does), run, and select
    the ip filter FORWARD hop. Returns the grade's text."""
    pg.goto(server + STEP)
    assert pg.get_attribute("html", "lang") == lang
    pg.check("input[name=p-through][value=no]")
    run(pg)
    grade = pg.inner_text("#prediction-grade")
    assert in_language(grade, lang), grade
    hints = [h for h in pg.locator("#prediction-grade .hint").all_inner_texts() if h.strip()]
    assert hints, grade
    assert all(in_language(h, lang) for h in hints), hints
    result = pg.inner_text("#result")
    assert in_language(result, lang), result
    seek(pg, "e.family === 'ip' && e.table === 'filter' && e.chain === 'FORWARD'")
    explain = pg.inner_text("#inspector .hop-explain")
    assert in_language(explain, lang), explain
    return grade


def check_page(pg, where, fits=True):
    assert pg.evaluate(ENGLISH_LEFT_JS) == [], where
    if fits:
        assert pg.evaluate(FITS) == [], where
    assert pg.evaluate(CALLOUT_OVERLAPS_JS) == [], where
    assert pg.evaluate(CUT_JS) == [], where
    assert axe_bad(pg) == [], where


@pytest.mark.parametrize("lang", LANGS)
def test_a_step_in_the_language(server, browser, live, lang):
    pytest.importorskip("axe_playwright_python")
    header = {"Accept-Language": lang}
    ctx, pg = open_page(browser, extra_http_headers=header)
    try:
        predict_run_read(pg, server, lang)
        check_page(pg, f"{lang} desk")
        pg.locator("#run-panel").scroll_into_view_if_needed()
        shot(pg, f"i18n-run-{lang}-grade")
        pg.evaluate("window.scrollTo(0, 0)")
        pg.click("#present-btn")                                  # the presenter layout
        assert "present" in pg.get_attribute("body", "class").split()
        check_page(pg, f"{lang} presenter", fits=False)
        assert pg.evaluate(FITS) == [], f"{lang} presenter: decision labels wider than their boxes"
        for sel in ("#lab", ".inspector-pane"):
            assert small_text(pg, sel) == [], (lang, sel)
        pg.evaluate("window.scrollTo(0, 0)")
        shot(pg, f"i18n-run-{lang}-presenter")
        assert_clean(pg)
    finally:
        ctx.close()
    ctx, pg = open_page(browser, 390, 844, has_touch=True, is_mobile=True, device_scale_factor=2,
                        extra_http_headers=header)
    try:
        predict_run_read(pg, server, lang)
        assert pg.evaluate("document.documentElement.scrollWidth") <= 390, lang   # CJK wraps
        check_page(pg, f"{lang} phone")
        pg.locator("#inspector").scroll_into_view_if_needed()
        shot(pg, f"i18n-run-{lang}-phone")
        assert_clean(pg)
    finally:
        ctx.close()
