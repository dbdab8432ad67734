// Conventions of the front end: URLs and the hook model come from page_data, not from
// constants; every glyph the pages use renders with the fonts installed (Debian's
// DejaVu: "⏸" does not, so the player draws its icons as SVG).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "./fixtures.mjs";

const JS = join(ROOT, "static", "js");
// the workshop pages' scripts belong to the workshop feature, not to the lesson page
const LESSON_MODULES = readdirSync(JS).filter((f) => f.endsWith(".js") && !["board.js", "workshop.js"].includes(f));
const read = (f) => readFileSync(join(JS, f), "utf8");

test("no URL and no hook or chain name is written into the lesson page's scripts", () => {
  for (const f of LESSON_MODULES) {
    const code = read(f).replace(/^\s*\/\/.*$/gm, "");
    assert.doesNotMatch(code, /["'`]\/(runs|ws|lessons|static)\//, `${f} has a URL: take it from page_data.urls`);
    if (f === "strings.js") continue;
    assert.doesNotMatch(code, /["'`](PRE|POST)ROUTING|["'`](prerouting|postrouting|forward)["'`]/,
      `${f} names a hook: take it from page_data.model`);
  }
});

test("every module is an ES module imported by a relative path (no build step)", () => {
  for (const f of LESSON_MODULES) {
    for (const m of read(f).matchAll(/^import .* from "([^"]+)";$/gm)) assert.match(m[1], /^\.\/[a-z]+\.js$/, `${f}: ${m[1]}`);
  }
});

function glyphs(text) {
  return new Set([...text].filter((c) => c.codePointAt(0) > 0x7f && !/\s/.test(c)));
}

test("every glyph of the scripts and templates renders with an installed font", (t) => {
  if (spawnSync("fc-list", ["--version"]).status !== 0) return t.skip("fc-list is not installed");
  const files = LESSON_MODULES.map((f) => join(JS, f));
  for (const dir of [join(ROOT, "templates"), join(ROOT, "templates", "visualizer")]) {
    for (const f of readdirSync(dir)) if (f.endsWith(".html")) files.push(join(dir, f));
  }
  const all = new Set();
  for (const f of files) for (const c of glyphs(readFileSync(f, "utf8"))) all.add(c);
  const missing = [...all].filter((c) => {
    const hex = c.codePointAt(0).toString(16);
    const r = spawnSync("fc-list", [`:charset=${hex}`, "family"], { encoding: "utf8" });
    return !r.stdout.trim();
  });
  assert.deepEqual(missing, [], `no installed font has: ${missing.join(" ")}`);
});
