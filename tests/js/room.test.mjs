// The board's sums (visualizer/workshops/static/workshops/room.js): the room view after a
// board.update is the server's own (workshops/room.py room()), and the hot-start line.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT } from "./fixtures.mjs";
import { S } from "../../static/js/strings.js";

const { roomOf, preparedLine } = await import(
  pathToFileURL(join(ROOT, "visualizer", "workshops", "static", "workshops", "room.js")).href);

const cell = (died_at) => ({ status: "passed", run: "r", died_at });
// rows as board.state / board.update carry them (only the fields room() reads)
const ROWS = [
  { learner: 1, cells: { "a:1": cell("ip filter FORWARD"), "a:2": cell(null) } },
  { learner: 2, cells: { "a:1": cell("ip filter INPUT"), "b:1": cell("ip filter FORWARD") } },
  { learner: 3, cells: { "a:1": cell("ip filter FORWARD"), "b:1": cell("ip nat PREROUTING") } },
  { learner: 4, cells: {} },
];

test("the room view counts the packets that died, most first, ties as first seen", () => {
  assert.deepEqual(Object.entries(roomOf(ROWS)),
    [["ip filter FORWARD", 3], ["ip filter INPUT", 1], ["ip nat PREROUTING", 1]]);
  assert.deepEqual(roomOf([]), {});
  assert.deepEqual(roomOf([{ learner: 1, cells: { "a:1": cell(null) } }]), {});
});

test("a learner's new row replaces their old one in the count", () => {
  const rows = new Map(ROWS.map((r) => [r.learner, r]));
  rows.set(2, { learner: 2, cells: { "a:1": cell(null) } });
  assert.deepEqual(roomOf(rows.values()), { "ip filter FORWARD": 2, "ip nat PREROUTING": 1 });
});

// the same rows through the server's room(), when the project's Python is there
function serverRoom(rows) {
  const py = join(ROOT, ".venv", "bin", "python");
  if (!existsSync(py)) return null;
  const code = "import json, os, sys; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'visualizer.project.settings');"
    + " import django; django.setup(); from visualizer.workshops.room import room;"
    + " print(json.dumps(room(json.load(sys.stdin))))";
  const r = spawnSync(py, ["-c", code], { cwd: ROOT, input: JSON.stringify(rows), encoding: "utf8", timeout: 60000 });
  return r.status === 0 ? JSON.parse(r.stdout) : null;
}

test("the board counts as the server does", (t) => {
  const server = serverRoom(ROWS);
  if (!server) return t.skip("the project's Python is not there");
  assert.deepEqual(Object.entries(roomOf(ROWS)), Object.entries(server));
});

test("the hot-start line adds up every web process's lab", () => {
  assert.equal(preparedLine(null, []), null);
  const asked = { lesson: "l", count: 3 };
  assert.deepEqual(preparedLine(asked, []), { id: "preparing", vars: { lesson: "l", count: 3 } });
  const lab = (ready, target, extra = {}) => ({ lesson: "l", ready, target, capacity: 8, ...extra });
  assert.deepEqual(preparedLine(asked, [lab(0, 0)]), { id: "noLearners", vars: { capacity: 8 } });
  assert.deepEqual(preparedLine(asked, [lab(2, 2)]),
    { id: "readyOne", vars: { ready: 2, target: 2, lesson: "l", servers: 1, capacity: 8 } });
  assert.deepEqual(preparedLine(asked, [lab(2, 2), lab(0, 1, { error: "no lab" }), lab(1, 1, { error: "full" })]),
    { id: "readyMany", vars: { ready: 3, target: 4, lesson: "l", servers: 3, capacity: 24 }, errors: "no lab; full" });
  for (const id of ["preparing", "noLearners", "readyOne", "readyMany", "labErrors"]) assert.ok(S.board[id], id);
});
