// The room at a glance on the board (room.js learnerState, summaries, counts) works out
// what the server's workshops/roomview.py does: the same rows, the same answers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT } from "./fixtures.mjs";

const { learnerState, summaries, counts } = await import(
  pathToFileURL(join(ROOT, "visualizer", "workshops", "static", "workshops", "room.js")).href);

const TH = { idle_s: 180, stuck_fails: 3, stuck_s: 480, connected_s: 150 };
const NOW = Date.parse("2026-12-02T20:00:00+00:00");
const ago = (s) => new Date(NOW - s * 1000).toISOString().replace("Z", "+00:00");
const cell = (status, extra = {}) => ({ status, failed: 0, wrong: null, prediction_right: null,
  died_at: null, ...extra });
const row = (learner, cells, extra = {}) => ({ learner, lesson: "a", step: 1, cells,
  active: ago(10), arrived: ago(60), sockets: 1, socket_seen: ago(30), ...extra });
const STEPS = [{ lesson: "a", step: 1 }, { lesson: "a", step: 2 }];
const ROWS = [
  row(1, { "a:1": cell("failed", { failed: 3, wrong: "gets through", prediction_right: false,
    died_at: "ip filter FORWARD" }) }),
  row(2, { "a:1": cell("passed", { done: true, prediction_right: true, died_at: "ip filter FORWARD" }) }),
  row(3, {}, { active: ago(400), sockets: 0 }),
  row(4, {}, { arrived: ago(500) }),
  row(5, { "a:1": cell("failed", { failed: 1, wrong: "gets through", prediction_right: false }) }),
  row(6, { "a:1": cell("reset", { failed: 0, before_reset: true, since: ago(5), attempts: 4 }) },
    { arrived: ago(900) }),
  row(7, {}, { active: null }),
  row(8, {}, { sockets: 2, socket_seen: ago(200) }),   // its process died: no longer said open
];
// counts() reads the state learnerState() gave each row, as the board keeps it
for (const r of ROWS) r.connected = learnerState(r, NOW, TH).connected;

test("each learner's state: stuck by failed runs or by time, idle, done, working", () => {
  const got = ROWS.map((r) => { const s = learnerState(r, NOW, TH); return [s.state, s.why]; });
  assert.deepEqual(got, [["stuck", "fails"], ["done", null], ["idle", null], ["stuck", "time"],
    ["working", null], ["working", null], ["idle", null], ["working", null]]);
  assert.deepEqual(ROWS.map((r) => learnerState(r, NOW, TH).connected),
    [true, true, false, true, true, true, true, false]);
  assert.equal(learnerState(ROWS[2], NOW, TH).idle_s, 400);
  assert.equal(learnerState(ROWS[5], NOW, TH).on_step_s, 5);     // a reset restarts the clock
});

test("per-step summaries and counts", () => {
  const s = summaries(STEPS, ROWS)["a:1"];
  assert.deepEqual(s, { ran: 3, passed: 1, predicted: 3, predicted_right: 1,
    wrong: { text: "gets through", n: 2 }, died: { "ip filter FORWARD": 2 } });
  assert.deepEqual(summaries(STEPS, ROWS)["a:2"], { ran: 0, passed: 0, predicted: 0,
    predicted_right: 0, wrong: null, died: {} });
  assert.deepEqual(counts(ROWS), { joined: 8, connected: 6 });
  // the board passes its Map's values: an iterator, read once for every step
  const map = new Map(ROWS.map((r) => [r.learner, r]));
  assert.deepEqual(summaries(STEPS, map.values()), summaries(STEPS, ROWS));
});

function server() {
  const py = join(ROOT, ".venv", "bin", "python");
  if (!existsSync(py)) return null;
  const code = "import json, os, sys; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'visualizer.project.settings');"
    + " import django; django.setup(); from visualizer.workshops import roomview as v;"
    + " d = json.load(sys.stdin);"
    + " print(json.dumps({'states': [v.learner_state(r, d['now']) for r in d['rows']],"
    + " 'summaries': v.summaries(d['steps'], d['rows']), 'counts': v.counts(d['rows'])}))";
  const r = spawnSync(py, ["-c", code], { cwd: ROOT, encoding: "utf8", timeout: 60000,
    input: JSON.stringify({ rows: ROWS, steps: STEPS, now: NOW / 1000 }) });
  return r.status === 0 ? JSON.parse(r.stdout) : null;
}

test("the board works it out as the server does", (t) => {
  const got = server();
  if (!got) return t.skip("the project's Python is not there");
  assert.deepEqual(ROWS.map((r) => learnerState(r, NOW, TH)), got.states);
  assert.deepEqual(summaries(STEPS, ROWS), got.summaries);
  assert.deepEqual(counts(ROWS), got.counts);
});
