// Conventions of the front end, for the lesson page's modules (static/js/) and the
// workshop's (visualizer/workshops/static/workshops/): URLs and the hook model come from
// page_data, not from constants; native ES modules imported by relative path (no build
// step); every glyph the pages use renders with the fonts installed (Debian's DejaVu:
// "⏸" does not, so the player draws its icons as SVG).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "./fixtures.mjs";

// each folder as it is served under /static/ (the app serves the project's and each app's)
const SERVED = { js: join(ROOT, "static", "js"), workshops: join(ROOT, "visualizer", "workshops", "static", "workshops") };
const MODULES = Object.entries(SERVED).flatMap(([dir, path]) =>
  readdirSync(path).filter((f) => f.endsWith(".js")).map((f) => ({ dir, name: `${dir}/${f}`, path: join(path, f) })));
const TEMPLATES = [["templates"], ["templates", "registration"], ["visualizer", "learn", "templates", "learn"],
  ["visualizer", "workshops", "templates", "workshops"]].map((p) => join(ROOT, ...p));
const read = (m) => readFileSync(m.path, "utf8");

test("the modules of both pages are found", () => {
  for (const f of ["js/lesson.js", "js/dom.js", "workshops/board.js", "workshops/workshop.js"]) {
    assert.ok(MODULES.some((m) => m.name === f), f);
  }
});

test("no URL and no hook or chain name is written into the scripts", () => {
  for (const m of MODULES) {
    const code = read(m).replace(/^\s*\/\/.*$/gm, "");
    assert.doesNotMatch(code, /["'`]\/(runs|ws|lessons|static|workshops|join)\//, `${m.name} has a URL: take it from page_data`);
    assert.doesNotMatch(code, /["'`](PRE|POST)ROUTING|["'`](prerouting|postrouting|forward)["'`]/,
      `${m.name} names a hook: take it from page_data.model`);
  }
});

test("every module is an ES module imported by a relative path that exists (no build step)", () => {
  for (const m of MODULES) {
    for (const [, spec] of read(m).matchAll(/^import .* from "([^"]+)";$/gm)) {
      const rel = spec.match(/^\.\/([a-z]+(?:\.[a-z-]+)?\.js)$/) || spec.match(/^\.\.\/(js)\/([a-z]+\.js)$/);
      assert.ok(rel, `${m.name}: ${spec} (write ./x.js or ../js/x.js)`);
      const [dir, file] = rel.length === 3 ? [rel[1], rel[2]] : [m.dir, rel[1]];
      assert.ok(existsSync(join(SERVED[dir], file)), `${m.name}: ${spec} is not served`);
    }
  }
});

// one module owns each of these: the others import it (the workshop's scripts too)
const OWNED = [
  ["js/dom.js", "an element helper", /function el\(|const el = /],
  ["js/ws.js", "a websocket", /new WebSocket\(/],
  ["js/strings.js", "English text", /(textContent\s*=|text:|title:|confirm\(|alert\()\s*["'`][A-Za-z]/],
];

test("one DOM helper module, one websocket module, one message catalogue", () => {
  for (const m of MODULES) {
    const code = read(m).replace(/^\s*\/\/.*$/gm, "");
    for (const [owner, what, re] of OWNED) {
      if (m.name !== owner && !(owner === "js/strings.js" && /^js\/strings\.[a-z-]+\.js$/.test(m.name))) assert.doesNotMatch(code, re, `${m.name} has ${what} of its own: import ${owner}`);
    }
  }
});

function glyphs(text) {
  return new Set([...text].filter((c) => c.codePointAt(0) > 0x7f && !/\s/.test(c)));
}

test("every glyph of the scripts and templates renders with an installed font", (t) => {
  if (spawnSync("fc-list", ["--version"]).status !== 0) return t.skip("fc-list is not installed");
  const files = MODULES.map((m) => m.path);
  for (const dir of TEMPLATES) {
    const html = readdirSync(dir).filter((f) => f.endsWith(".html"));
    assert.ok(html.length, `no template in ${dir}`);
    for (const f of html) files.push(join(dir, f));
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
