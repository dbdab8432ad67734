"""The pages in ja, zh-hans and zh-hant in Chromium: they load without a JavaScript error,
say their language, and the diagram's own words fit their shapes (a decision label within
its box, a layer's name within the diagram)."""
import pytest

from .conftest import assert_clean, open_page, shot

LANGS = ["ja", "zh-hans", "zh-hant"]

# every decision's text (its tspans) inside its rect; the layer labels inside the svg
FITS = """() => {
  const out = [];
  for (const g of document.querySelectorAll('svg.diagram g.decision')) {
    const r = g.querySelector('rect').getBBox(), t = g.querySelector('text').getBBox();
    if (t.x < r.x - 1 || t.x + t.width > r.x + r.width + 1)
      out.push(g.querySelector('title').textContent + ': ' + t.width.toFixed(0) + ' > ' + r.width.toFixed(0));
  }
  const svg = document.querySelector('svg.diagram').viewBox.baseVal;
  for (const t of document.querySelectorAll('svg.diagram .layer-label, svg.diagram .layer-sub')) {
    const b = t.getBBox();
    if (b.x + b.width > svg.width) out.push(t.textContent);
  }
  return out;
}"""


@pytest.mark.parametrize("lang", LANGS)
def test_the_lesson_page_in_the_language(server, browser, lang):
    ctx, pg = open_page(browser, extra_http_headers={"Accept-Language": lang})
    pg.goto(server + "/lessons/container-to-container/")
    pg.wait_for_selector("svg.diagram g.decision")
    assert pg.get_attribute("html", "lang") == lang
    assert pg.evaluate(FITS) == []
    shot(pg, f"i18n-lesson-{lang}")
    for url in ("/", "/sources/", "/join/", "/accounts/login/"):
        pg.goto(server + url)
        assert pg.get_attribute("html", "lang") == lang
    ctx.close()
    assert_clean(pg)
