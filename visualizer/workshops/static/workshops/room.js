// What the board adds up (pure, no imports: node --test loads it from tests/js/).
//
// The room view: per hook, how many learners' packets died there at their latest runs.
// board.state brings it as the server computed it (room.room() in workshops/room.py); a
// board.update brings one learner's row only, so the board counts again from its rows,
// the same way: latest cells only, most deaths first, ties in the order first seen.
export function roomOf(rows) {
  const counts = {};
  for (const row of rows) {
    for (const c of Object.values(row.cells || {})) {
      if (c.died_at) counts[c.died_at] = (counts[c.died_at] || 0) + 1;
    }
  }
  return Object.fromEntries(Object.entries(counts).sort((a, b) => b[1] - a[1]));
}

// The hot-start line: one board.lab per web process with learners of the room (each its
// own lab), summed. Returns a message id of S.board and its parameters, or null.
export function preparedLine(preparing, labs) {
  const sum = (k) => labs.reduce((n, l) => n + (l[k] || 0), 0);
  let line = preparing ? { id: "preparing", vars: { lesson: preparing.lesson, count: preparing.count } } : null;
  if (labs.length && sum("target") === 0) {
    line = { id: "noLearners", vars: { capacity: sum("capacity") } };
  } else if (labs.length) {
    line = { id: labs.length === 1 ? "readyOne" : "readyMany",
      vars: { ready: sum("ready"), target: sum("target"), lesson: labs[0].lesson,
        servers: labs.length, capacity: sum("capacity") } };
  }
  const errors = labs.filter((l) => l.error).map((l) => l.error);
  return errors.length ? { ...line, errors: errors.join("; ") } : line;
}

// A learner's state now, as roomview.learner_state() works it out on the server (the two
// are held to the same cases by tests): done (passed the step they are on: cell.done), stuck (that
// step not passed after `stuck_fails` failed runs since its reset, or `stuck_s` seconds
// on it), idle (nothing heard for `idle_s` seconds), else working. `nowMs`: Date.now().
export function learnerState(row, nowMs, th) {
  const cell = (row.cells || {})[`${row.lesson}:${row.step}`];
  const counted = cell && !cell.before_reset ? cell : null;
  const ts = (iso) => (iso ? Date.parse(iso) / 1000 : null);
  const now = nowMs / 1000;
  let since = ts(row.arrived);
  if (cell && cell.since) since = Math.max(since || 0, ts(cell.since));
  const active = ts(row.active);
  const idle_s = active ? Math.floor(now - active) : null;
  const on_step_s = since ? Math.floor(now - since) : null;
  let state = "working", why = null;
  if (counted && counted.done) state = "done";
  else if (counted && (counted.failed || 0) >= th.stuck_fails) { state = "stuck"; why = "fails"; }
  else if (on_step_s != null && on_step_s >= th.stuck_s) { state = "stuck"; why = "time"; }
  else if (idle_s == null || idle_s >= th.idle_s) state = "idle";
  const seen = ts(row.socket_seen);
  const connected = !!row.sockets && seen != null && now - seen < th.connected_s;
  return { state, why, idle_s, on_step_s, connected };
}

// Per step ("lesson:step"), as roomview.summaries(): learners who ran it, passed, predicted,
// predicted right (latest attempts since a reset), the most common wrong prediction (each
// learner's latest wrong one; ties: the first seen) and where the packets died.
export function summaries(steps, rows) {
  const all = [...rows];           // rows may be an iterator (a Map's values)
  const out = {};
  for (const s of steps) {
    const key = `${s.lesson}:${s.step}`;
    const cells = all.map((r) => (r.cells || {})[key]).filter((c) => c && !c.before_reset);
    const tally = (f) => {
      const m = new Map();
      for (const c of cells) { const v = f(c); if (v) m.set(v, (m.get(v) || 0) + 1); }
      return [...m.entries()].sort((a, b) => b[1] - a[1]);
    };
    const wrong = tally((c) => c.wrong);
    out[key] = {
      ran: cells.length, passed: cells.filter((c) => c.done).length,
      predicted: cells.filter((c) => c.prediction_right != null).length,
      predicted_right: cells.filter((c) => c.prediction_right === true).length,
      wrong: wrong.length ? { text: wrong[0][0], n: wrong[0][1] } : null,
      died: Object.fromEntries(tally((c) => c.died_at)),
    };
  }
  return out;
}

// Joined learners (the rows) and those with a page open now.
export function counts(rows) {
  const all = [...rows];
  return { joined: all.length, connected: all.filter((r) => r.connected).length };
}
