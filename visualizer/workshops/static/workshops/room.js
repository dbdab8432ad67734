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
