"""The room at a glance: each learner's state (working, idle, stuck, done), each
step's summary, a cell's attempts, and predictions in words.

Everything here is computed from the database's rows (``Learner``, ``Run``) at the
moment it is asked, so any process computes the same.  The board's script
recomputes the time-based states and the summaries from the rows it holds
(``static/workshops/room.js`` mirrors :func:`learner_state` and :func:`summaries`;
``tests/js/test_room.mjs`` and ``tests/web/workshops/test_room_view.py`` hold the
two to the same cases).

Thresholds (documented in docs/workshops.md):

- **idle**: nothing heard from the learner (a run, a page report) for
  ``IDLE_S`` (3 minutes);
- **stuck**: on a step they have not passed, with ``STUCK_FAILS`` (3) failed runs
  there since it was last reset, or ``STUCK_S`` (8 minutes) since they came to it
  (or it was reset) without passing;
- **done**: passed the step they are on; else **working**.

A run *failed* when the step's grade says the kernel did not show what it expects,
or when its prediction was wrong (a graded step's own runs nearly always pass: what
a learner gets wrong there is the prediction).  A step is *passed* by a run whose
grade passed, or, on a step with no grade (most "try it" steps), a run whose
prediction was not wrong.
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone

from ..core import phrases

IDLE_S = 180
STUCK_FAILS = 3
STUCK_S = 480
ALIVE_S = 60                # an open workshop socket says so this often
CONNECTED_S = 150           # ... and counts as open this long after it last did
THRESHOLDS = {"idle_s": IDLE_S, "stuck_fails": STUCK_FAILS, "stuck_s": STUCK_S,
              "connected_s": CONNECTED_S}

phrases.define({
    "workshop.prediction.through": "gets through",
    "workshop.prediction.blocked": "does not get through",
    "workshop.prediction.dies_at": "dies in {where}",
    "workshop.prediction.not_dropped": "is not dropped anywhere",
    "workshop.prediction.hooks": "visits {hooks}",
    "workshop.prediction.nat": "carries {addr} after NAT",
    "workshop.prediction.nat_none": "has no address rewritten",
    "workshop.prediction.all": "{parts}",
    "workshop.prediction.skipped": "no prediction",
    "workshop.rules.none": "no rules",
})


def box_words(key) -> str:
    """A diagram box key (``ip:filter:forward``) as the board writes a hook
    (``ip filter FORWARD``, the way a journey names where it died)."""
    parts = str(key or "").split(":")
    if len(parts) != 3:
        return str(key or "")
    return f"{parts[0]} {parts[1]} {parts[2].upper()}"


def prediction_msg(pred) -> phrases.Msg:
    """A learner's PREDICTION (``core/predict.py``) in words, each part it has."""
    if not pred:
        return phrases.msg("workshop.prediction.skipped")
    parts = []
    if pred.get("through") is True:
        parts.append(phrases.msg("workshop.prediction.through"))
    elif pred.get("through") is False:
        parts.append(phrases.msg("workshop.prediction.blocked"))
    if "dies_at" in pred:
        parts.append(phrases.msg("workshop.prediction.dies_at", where=box_words(pred["dies_at"]))
                     if pred["dies_at"] else phrases.msg("workshop.prediction.not_dropped"))
    if pred.get("hooks"):
        parts.append(phrases.msg("workshop.prediction.hooks",
                                 hooks=[box_words(h) for h in pred["hooks"]]))
    if "nat_addr" in pred:
        parts.append(phrases.msg("workshop.prediction.nat", addr=pred["nat_addr"])
                     if pred["nat_addr"] else phrases.msg("workshop.prediction.nat_none"))
    if not parts:
        return phrases.msg("workshop.prediction.skipped")
    return phrases.msg("workshop.prediction.all", parts=parts)


def prediction_text(pred) -> str:
    return prediction_msg(pred).text()


def rules_text(rules, lang: str = "en") -> str:
    """A run's rules, one line each as the learner typed them after ``iptables``."""
    return "; ".join(f"iptables {r}" for r in rules or []) or \
        phrases.render_in(lang, phrases.msg("workshop.rules.none"))


def _ts(value) -> float | None:
    if not value:
        return None
    if isinstance(value, datetime):
        return value.timestamp()
    return datetime.fromisoformat(value).timestamp()


def iso(value: datetime | None) -> str | None:
    return value.astimezone(timezone.utc).isoformat() if value else None


def learner_state(row: dict, now: float) -> dict:
    """{state, why, idle_s, on_step_s, connected} of a board row at ``now`` (a POSIX
    time).  Connected: a workshop socket of the learner's is counted open and said so
    within ``CONNECTED_S``."""
    cell = row["cells"].get(f"{row['lesson']}:{row['step']}")
    counted = cell if cell and not cell.get("before_reset") else None
    active, since = _ts(row.get("active")), _ts(row.get("arrived"))
    if cell and cell.get("since"):
        since = max(since or 0, _ts(cell["since"]))
    idle_s = int(now - active) if active else None
    on_step_s = int(now - since) if since else None
    if counted and counted.get("done"):
        state, why = "done", None
    elif counted and counted.get("failed", 0) >= STUCK_FAILS:
        state, why = "stuck", "fails"
    elif on_step_s is not None and on_step_s >= STUCK_S:
        state, why = "stuck", "time"
    elif idle_s is None or idle_s >= IDLE_S:
        state, why = "idle", None
    else:
        state, why = "working", None
    seen = _ts(row.get("socket_seen"))
    connected = bool(row.get("sockets")) and seen is not None and now - seen < CONNECTED_S
    return {"state": state, "why": why, "idle_s": idle_s, "on_step_s": on_step_s,
            "connected": connected}


def summaries(steps: list[dict], rows: list[dict]) -> dict:
    """Per step (``lesson:step``): how many learners ran it, passed, predicted and
    predicted right (their latest attempts since any reset), the most common wrong
    prediction (each learner's latest wrong one) and where the room's packets died."""
    out = {}
    for s in steps:
        key = f"{s['lesson']}:{s['step']}"
        cells = [r["cells"][key] for r in rows
                 if key in r["cells"] and not r["cells"][key].get("before_reset")]
        wrong = Counter(c["wrong"] for c in cells if c.get("wrong"))
        died = Counter(c["died_at"] for c in cells if c.get("died_at"))
        top = wrong.most_common(1)
        out[key] = {
            "ran": len(cells), "passed": sum(bool(c.get("done")) for c in cells),
            "predicted": sum(c.get("prediction_right") is not None for c in cells),
            "predicted_right": sum(c.get("prediction_right") is True for c in cells),
            "wrong": {"text": top[0][0], "n": top[0][1]} if top else None,
            "died": dict(sorted(died.items(), key=lambda kv: -kv[1])),
        }
    return out


def counts(rows: list[dict]) -> dict:
    """Connected (a workshop socket open now) and joined learners."""
    return {"joined": len(rows), "connected": sum(1 for r in rows if r.get("connected"))}


def now() -> float:
    return datetime.now(timezone.utc).timestamp()


def attempt(run, n: int, reset_at: float | None) -> dict:
    """One attempt of a learner's step, for the board's attempts list and the CSV."""
    res = run.result or {}
    passed = (res.get("grade") or {}).get("passed")
    pg = res.get("prediction_grade")
    return {"n": n, "run": run.uid, "url": f"/runs/{run.uid}/", "created": iso(run.created),
            "status": "passed" if passed else "failed" if passed is False else "ran",
            "ok": bool(res.get("ok")), "rules": list(run.rules or []),
            "rules_text": rules_text(run.rules),
            "prediction": res.get("prediction"),
            "prediction_text": prediction_text(res.get("prediction")),
            # the same as {id, args}: the board says it in the instructor's language
            "prediction_msg": prediction_msg(res.get("prediction")).wire(),
            "prediction_right": (pg["right"] == pg["total"]) if pg else None,
            "died_at": died_at(res),
            "failed": passed is False or bool(pg and pg["right"] != pg["total"]),
            "before_reset": bool(reset_at and run.created.timestamp() < reset_at)}


def spotlit(run, lang: str = "en") -> dict:
    """A spotlit run's own prediction and rules, in words of ``lang`` (each learner's page
    renders it in its own language: the room's message carries English)."""
    return {"prediction_text": phrases.render_in(lang, prediction_msg((run.result or {}).get("prediction"))),
            "rules_text": rules_text(run.rules, lang)}


def died_at(res: dict) -> str | None:
    for j in res.get("journeys", []):
        if j.get("direction") == "request" and j.get("outcome") == "dropped":
            return j.get("drop_at")
    return None


def experiment_runs(workshop, runs) -> dict:
    """A learner's runs of an experiment since the room was sent its own
    (``Workshop.experiment_at``), as flat row fields (a run of an experiment is no
    lesson step's cell); none while the room is on a lesson step.  ``exp_outcome`` is
    the first request journey's (past the ARP that leads it), as the kernel's events
    showed it; ``exp_same``: the latest run is the experiment as sent (false: the
    learner changed it on the page)."""
    since = workshop.experiment_at if workshop.experiment else None
    mine = [r for r in runs if since and (r.result or {}).get("experiment")
            and r.created >= since]
    last = mine[-1] if mine else None
    res = (last.result or {}) if last else {}
    asked = [j for j in res.get("journeys", []) if j.get("direction") == "request"]
    first = next((j for j in asked if j.get("proto") != "arp"), asked[0] if asked else None)
    return {"exp_runs": len(mine), "exp_run": last.uid if last else None,
            "exp_ok": bool(res.get("ok")) if last else None,
            "exp_outcome": first.get("outcome") if first else None,
            "exp_died_at": died_at(res) if last else None,
            "exp_same": res.get("experiment") == workshop.experiment if last else None}


def attempts(learner, lesson: str, step: int) -> list[dict]:
    """A learner's attempts of one step, oldest first (every one is kept); an experiment
    run filed under its base step is not one (``experiment_attempts``)."""
    reset_at = _ts((learner.resets or {}).get(f"{lesson}:{step}"))
    runs = [r for r in learner.runs.filter(lesson=lesson, step=step).order_by("created", "pk")
            if not (r.result or {}).get("experiment")]
    return [attempt(run, i, reset_at) for i, run in enumerate(runs, 1)]


def experiment_attempts(learner) -> list[tuple[object, dict]]:
    """A learner's runs of experiments (the room's, or changed on the page), oldest first,
    each with its attempt (the CSV lists them after the steps, with the experiment)."""
    runs = [r for r in learner.runs.order_by("created", "pk")
            if (r.result or {}).get("experiment")]
    return [(run, attempt(run, i, None)) for i, run in enumerate(runs, 1)]
