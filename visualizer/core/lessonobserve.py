"""What an experiment's run observed, as a lesson step's ``expect``.  Pure.

"Save as lesson" (``core/lessonexport.py``) turns a run into a lesson whose
expectations are what the kernel showed.  Each key is read off the run (the
journeys' outcomes, hooks and rewrites, the kernel's drop events, the conntrack
table), then graded with the product's own grader against the same run: a key the
grader would not pass on the run it came from is left out, so ``verify_lessons``
asks only what this run showed.  Only keys of ``grader.EXPECT_KEYS`` are written.
"""
from __future__ import annotations

from . import grader, model
from .traffic import Traffic

# keys that qualify another: kept or left out with it
_WITH = {"drop": ("last",), "nat": ("nat_field", "nat_new"), "hit": ("hit_rule",)}
# keys whose check reads which hooks report in the run: they must pass against every
# event of it too (an item's slice here may start a little before the lab's)
_VISIBLE = ("path", "reply_path", "hooks")


def item_slices(items: tuple[Traffic, ...], result: dict, events: list) -> list[tuple]:
    """Each traffic item's (result part, events): from its first request journey's first
    event to the next item's, with the journeys those events belong to (as the lab's
    ``grade_items`` cuts a run, which knows where each item started)."""
    if len(items) == 1:
        return [(result, events)]
    starts, after = [], -1
    for t in items:
        js = [j["first_seq"] for j in result.get("journeys", [])
              if j.get("direction") == "request" and j.get("proto") == t.proto
              and j.get("dst") == t.dst and j.get("first_seq", 0) > after]
        after = min(js) if js else after + 1
        starts.append(max(after, 0))
    starts[0] = 0
    parts = []
    per_item = result.get("items") or [{}] * len(items)
    for n, first in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(events)
        mine = events[first:end]
        ids = {e.get("journey") for e in mine}
        own = per_item[n] if n < len(per_item) else {}
        part = {**result, **{k: own.get(k) for k in ("ok", "transmitted", "received",
                                                     "refused", "http_status", "http_body",
                                                     "http_error")},
                "journeys": [j for j in result.get("journeys", []) if j.get("id") in ids]}
        parts.append((part, mine))
    return parts


def path_key(journey: dict | None, events: list) -> str | None:
    """The ``model.PATHS`` key the journey went the whole way along (its last hop is
    the path's last), or None: a packet that stopped short follows no path."""
    if not journey or not journey.get("path"):
        return None
    last = tuple(journey["path"][-1])
    # a key of model.PATH_KIND first: "hairpin" is also "bridged", the more telling
    for key in sorted(model.PATHS, key=lambda k: k not in model.PATH_KIND):
        if tuple(model.PATHS[key][-1]) == last and grader.path_problem(journey, key, events) is None:
            return key
    return None


def _first_drop(events: list) -> dict | None:
    drops = [e for e in events if e.get("source") == "nftrace" and not e.get("probe")
             and e.get("verdict") == "drop"]
    return drops[0] if drops else None


def candidates(t: Traffic, part: dict, events: list) -> dict:
    """Every key this run's observations give a value for (before the grader's check)."""
    out: dict = {"ok": bool(part.get("ok"))}
    req = grader.first_journey(part, t.proto, "request")
    key = path_key(req, events)
    if key:
        out["path"] = key
    elif req and req.get("path"):
        out["hooks"] = [f"{f}:{h}" for f, h in req["path"]]
    reply = path_key(grader.first_journey(part, t.proto, "reply"), events)
    if reply:
        out["reply_path"] = reply
    drop = _first_drop(events)
    if drop:
        out["drop"] = f"{drop['family']} {drop['table']} {drop.get('base_chain') or drop['chain']}"
        if drop.get("type") in ("policy", "rule"):
            out["last"] = drop["type"]
    for n in (req or {}).get("nat", []):
        if n.get("at") not in (None, "?", "conntrack") and n.get("by") == "rule":
            out.update(nat=n["at"], nat_field=n["field"], nat_new=n["new"])
            break
    entries = [c for c in part.get("conntrack", []) if c.get("proto") == t.proto
               and c.get("orig", {}).get("dst") == t.dst]
    out["conntrack"] = bool(entries)
    return out


def observed(t: Traffic, part: dict, events: list, all_events: list) -> dict:
    """``expect`` for one traffic item: the candidates the grader passes on this run."""
    want = candidates(t, part, events)
    passed = _passing(want, t, part, events)
    visible = _passing({k: v for k, v in want.items() if k in _VISIBLE}, t, part, all_events)
    keep = {k for k in passed if k not in _VISIBLE or k in visible}
    out = {}
    for k, v in want.items():
        head = next((h for h, deps in _WITH.items() if k in deps), k)
        if head in keep and k in grader.EXPECT_KEYS:
            out[k] = v
    return out


def _passing(want: dict, t: Traffic, part: dict, events: list) -> set[str]:
    g = grader.Expectation(dict(want), t.proto, t.dst).grade(events, part)
    return {c.key for c in g.checks if c.ok}
