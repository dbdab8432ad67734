// Small DOM helpers: build elements, draw icons as SVG (no font glyphs), keep focus.

export const $ = (id) => document.getElementById(id);
export const SVGNS = "http://www.w3.org/2000/svg";

export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c != null) e.append(c);
  return e;
}

export function svgEl(tag, attrs = {}) {
  const e = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v != null) e.setAttribute(k, v);
  return e;
}

// Player icons as paths on a 16x16 grid: they render with any font (U+23F8 "pause" is not in DejaVu).
const ICONS = {
  play: "M4 2.5v11l9-5.5z",
  pause: "M3.5 2.5h3v11h-3zM9.5 2.5h3v11h-3z",
  back: "M12 2.5v11l-8-5.5z M2.5 2.5h1.8v11H2.5z",
  fwd: "M4 2.5v11l8-5.5z M11.7 2.5h1.8v11h-1.8z",
  first: "M2.5 2.5h1.8v11H2.5z M14 2.5v11l-4.5-5.5z M9 2.5v11L4.5 8z",
  last: "M11.7 2.5h1.8v11h-1.8z M2 2.5v11l4.5-5.5z M7 2.5v11L11.5 8z",
  plus: "M7 3h2v4h4v2H9v4H7V9H3V7h4z",
  minus: "M3 7h10v2H3z",
  fit: "M2 2h5v2H4v3H2zM9 2h5v5h-2V4H9zM2 9h2v3h3v2H2zM12 9h2v5H9v-2h3z",
  present: "M1.5 2.5h13v9h-13zM3 4v6h10V4zM5 13h6v1.5H5z",
};

export function icon(name) {
  const s = svgEl("svg", { class: `icon icon-${name}`, viewBox: "0 0 16 16", width: "16", height: "16",
    "aria-hidden": "true", focusable: "false" });
  s.append(svgEl("path", { d: ICONS[name] || "" }));
  return s;
}

// Re-render a container without losing the keyboard focus inside it: the element with the
// same key attribute gets the focus back (Enter on a journey keeps you on that journey).
export function keepFocus(container, key, render) {
  const active = document.activeElement;
  const had = active && container.contains(active) ? active.getAttribute(key) : null;
  render();
  if (had != null) {
    const again = container.querySelector(`[${key}="${CSS.escape(had)}"]`);
    if (again) again.focus({ preventScroll: true });
  }
}

// Scroll an element into view inside its scrolling parent only (not the page)
// (measured on screen: offsetTop depends on which ancestor is positioned, and the bench's
// panes are sticky)
export function scrollWithin(box, child, margin = 4) {
  if (!box || !child) return;
  const b = box.getBoundingClientRect(), c = child.getBoundingClientRect();
  const top = b.top + box.clientTop, bottom = top + box.clientHeight;
  if (c.top < top) box.scrollTop -= top - c.top + margin;
  else if (c.bottom > bottom) box.scrollTop += Math.min(c.bottom - bottom + margin, c.top - top - margin);
}

// Text that wraps between its tokens only: each run of non-spaces in a span that does not
// break (browsers break after a hyphen, so "veth-c2" or "DOCKER-USER" would split). Chinese
// and Japanese put no spaces between words: their runs stay plain text, which wraps anywhere.
const CJK = /([\u3000-\u30ff\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]+)/;

export function tokens(text) {
  return String(text ?? "").split(/(\s+)/).filter(Boolean).flatMap((part) => (/^\s+$/.test(part) ? [part]
    : part.split(CJK).filter(Boolean).map((p) => (CJK.test(p) ? p : el("span", { class: "tok", text: p })))));
}
