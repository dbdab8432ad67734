"""Browser-side checks shared by the issue-10 tests: frames sent, geometry, type size, contrast."""
from __future__ import annotations

import json


def capture_runs(page) -> list[dict]:
    """Every lab.run the page sends on its websocket (filled in as they go)."""
    sent: list[dict] = []

    def on_ws(ws):
        def on_frame(payload):
            try:
                msg = json.loads(payload)
            except (TypeError, ValueError):
                return
            if isinstance(msg, dict) and msg.get("type") == "lab.run":
                sent.append(msg)
        ws.on("framesent", on_frame)
    page.on("websocket", on_ws)
    return sent


def box(page, selector: str) -> dict:
    return page.eval_on_selector(selector, "(e) => { const r = e.getBoundingClientRect(); "
                                           "return {x: r.x, y: r.y, w: r.width, h: r.height}; }")


def in_viewport(page, selector: str) -> bool:
    b = box(page, selector)
    vp = page.viewport_size
    return b["w"] > 0 and b["y"] >= 0 and b["y"] + b["h"] <= vp["height"] and b["x"] >= 0 \
        and b["x"] + b["w"] <= vp["width"]


# The NAT callouts against everything they must not cover (diagram coordinates).
CALLOUT_OVERLAPS_JS = """() => {
  const svg = document.querySelector('svg.diagram');
  const r = (e) => { const b = e.getBBox(); return {x: b.x, y: b.y, w: b.width, h: b.height, what: e.getAttribute('class') || e.tagName}; };
  const hit = (a, b) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
  const avoid = [...svg.querySelectorAll('.stage-bg, .decision rect, .iface rect, .layer-label, .layer-sub, .peer, [data-box] rect, .stage-name')]
    .filter((e) => e.getBBox().width > 0 && getComputedStyle(e).display !== 'none');
  const out = [];
  const callouts = [...svg.querySelectorAll('.nat-callout rect')];
  callouts.forEach((c, i) => {
    const cb = r(c);
    for (const o of avoid) if (hit(cb, r(o))) out.push(`${c.parentElement.dataset.natBox} covers ${r(o).what}`);
    callouts.slice(i + 1).forEach((d) => { if (hit(cb, r(d))) out.push('two callouts overlap'); });
  });
  return out;
}"""

# Visible text smaller than `min` px on screen (SVG text: its font size times the drawing's scale).
SMALL_TEXT_JS = """([root, min]) => {
  const small = [];
  for (const el of document.querySelectorAll(root + ' *')) {
    if (![...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())) continue;
    if (el.closest('.sr-only, [hidden]')) continue;
    const rect = el.getBoundingClientRect();
    if (!rect.width || !rect.height) continue;
    const cs = getComputedStyle(el);
    if (cs.display === 'none' || cs.visibility === 'hidden') continue;
    let px = parseFloat(cs.fontSize);
    if (el instanceof SVGElement) px *= el.getScreenCTM().a;
    if (px < min - 0.05) small.push(`${el.tagName}.${el.getAttribute('class') || ''} "${el.textContent.trim().slice(0, 24)}" ${px.toFixed(1)}px`);
  }
  return small;
}"""

# Text whose colour is below `min`:1 against what is drawn behind it, for the visible text of
# the viewport: HTML text against its nearest opaque background, SVG text against the shape
# under its middle (axe cannot judge SVG text: it reports it as "incomplete").
CONTRAST_JS = """(min) => {
  const parse = (c) => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number); return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1}; };
  const lum = (c) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
  const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
  const htmlBg = (el) => { for (let e = el; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor);
    if (c && c.a > 0.5) return c; } return {r: 255, g: 255, b: 255, a: 1}; };
  const svgBg = (el) => { const r = el.getBoundingClientRect();
    // a NAT callout's text is drawn on its own rect (the layer takes no pointer events, so
    // elementsFromPoint would look through it)
    const own = el.closest('.nat-callout'); if (own) { const c = parse(getComputedStyle(own.querySelector('rect')).fill); if (c) return c; }
    for (const under of document.elementsFromPoint(r.x + r.width / 2, r.y + r.height / 2)) {
      if (under === el || under.closest('text')) continue;
      if (under instanceof SVGElement && ['rect', 'circle'].includes(under.tagName)) {
        const c = parse(getComputedStyle(under).fill); if (c && c.a > 0.5 && getComputedStyle(under).fillOpacity > 0.5) return c; }
      if (!(under instanceof SVGElement)) return htmlBg(under);
    } return {r: 255, g: 255, b: 255, a: 1}; };
  const bad = [];
  const vh = innerHeight, vw = innerWidth;
  for (const el of document.querySelectorAll('body *')) {
    if (![...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())) continue;
    if (el.closest('.sr-only, [hidden], [aria-disabled=true], :disabled, option')) continue;
    const cs = getComputedStyle(el);
    if (cs.display === 'none' || cs.visibility === 'hidden' || Number(cs.opacity) === 0) continue;
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height || r.bottom < 0 || r.top > vh || r.right < 0 || r.left > vw) continue;
    const svg = el instanceof SVGElement;
    if (svg && el.closest('#token')) continue;
    // an SVG text's background is sampled at its centre: one cut by the viewport's edge has
    // nothing there to sample (elementsFromPoint is empty outside the viewport)
    if (svg && (r.y + r.height / 2 > vh || r.y + r.height / 2 < 0 || r.x + r.width / 2 > vw || r.x + r.width / 2 < 0)) continue;
    const fg = parse(svg ? cs.fill : cs.color);
    if (!fg) continue;
    const bg = svg ? svgBg(el) : htmlBg(el);
    const k = ratio(fg, bg);
    if (k < min) bad.push(`${el.tagName}.${el.getAttribute('class') || ''} "${el.textContent.trim().slice(0, 20)}" ${k.toFixed(2)}:1`);
  }
  return bad;
}"""


def small_text(page, root: str, min_px: float = 14) -> list[str]:
    return page.evaluate(SMALL_TEXT_JS, [root, min_px])


def low_contrast(page, min_ratio: float = 4.5) -> list[str]:
    return page.evaluate(CONTRAST_JS, min_ratio)
