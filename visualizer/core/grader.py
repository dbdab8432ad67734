"""The grader: does a run show what its lesson step expects?  Pure: events in, grade out.

A step's ``expect`` table (keys in ``EXPECT_KEYS``, documented in
docs/lessons.md) becomes an ``Expectation``; ``grade`` checks each key
against the kernel's events and the run's result and says, for each, what
was expected and what the kernel showed.  The lab puts the grade in every
run's result; ``manage.py verify_lessons`` and the live lesson tests use the
same code.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from . import model

EXPECT_KEYS = ("ok", "path", "reply_path", "drop", "last", "hit", "hit_rule", "nat",
               "nat_field", "nat_new", "nat_first_only", "no_family", "conntrack", "arp_seen",
               "nflog", "hooks")


@dataclass
class Check:
    key: str
    expected: str
    observed: str
    ok: bool

    def as_dict(self) -> dict:
        return {"key": self.key, "expected": self.expected, "observed": self.observed,
                "ok": self.ok}


@dataclass
class Grade:
    checks: list[Check] = field(default_factory=list)
    note: str = ""

    @property
    def passed(self) -> bool | None:
        """True or False; None when the step expects nothing (a try-it step)."""
        return all(c.ok for c in self.checks) if self.checks else None

    def as_dict(self) -> dict:
        return {"passed": self.passed, "checks": [c.as_dict() for c in self.checks],
                "note": self.note}

    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]


@dataclass(frozen=True)
class Expectation:
    """What one step must show, with the traffic it runs."""

    expect: dict
    proto: str | None = None
    dst: str = ""

    @classmethod
    def of(cls, step) -> "Expectation":
        return cls(dict(step.expect), step.traffic.proto, step.traffic.dst)

    def grade(self, events: list[dict], result: dict) -> Grade:
        g = Grade()
        if not self.expect:
            g.note = "this step expects nothing: what happens is the learner's rule's doing"
            return g
        run = _Run(events, result, self.proto)
        for key in EXPECT_KEYS:
            if key in self.expect and key in _CHECKS:
                g.checks.append(_CHECKS[key](self, run, self.expect[key]))
        return g


def grade(step, events: list[dict], result: dict) -> Grade:
    return Expectation.of(step).grade(events, result)


# -- reading a run ----------------------------------------------------------
class _Run:
    def __init__(self, events, result, proto):
        self.events, self.result, self.proto = events, result, proto
        self.kernel = [e for e in events if e["source"] == "nftrace" and not e.get("probe")]

    def first(self, direction: str) -> dict | None:
        return first_journey(self.result, self.proto, direction)

    def none_seen(self, direction: str) -> str:
        seen = [j["summary"] for j in self.result.get("journeys", [])]
        return f"no {self.proto} {direction} (journeys: {', '.join(seen[:6]) or 'none'})"


def first_journey(result: dict, proto: str | None, direction: str) -> dict | None:
    """The run's first journey of ``proto`` going ``direction`` (request or reply)."""
    js = [j for j in result.get("journeys", [])
          if j.get("proto") == proto and j.get("direction") == direction]
    return min(js, key=lambda j: j.get("first_seq", 0)) if js else None


def in_chain(e: dict, spec: str) -> bool:
    """The event happened in ``<family> <table> <CHAIN>`` (user chains count for their base)."""
    fam, table, chain = spec.split()
    return (e["family"], e["table"]) == (fam, table) and chain in (e.get("base_chain"), e["chain"])


def hooks_seen(events: list[dict]) -> set[tuple[str, str]]:
    """(family, hook) where a table other than nat reported anything in this run."""
    return {(e["family"], e["hook"]) for e in events
            if e["source"] == "nftrace" and e["hook"] and e["table"] != "nat"}


def path_problem(journey: dict, key: str, events: list[dict]) -> str | None:
    """None if the journey's hooks follow model.PATHS[key]; else what is wrong.

    A hook may be absent only if nothing but a nat table could have reported
    it in this run: nat chains run for a connection's first packet alone, so
    a reply (or a later request) passes such a hook without any trace event.
    """
    expected = [tuple(h) for h in model.PATHS[key]]
    observed = [tuple(h) for h in journey["path"]]
    if not observed or observed[0] != expected[0]:
        return f"starts at {_hops(observed[:1]) or 'nothing'}, not {_hops(expected[:1])}"
    pos = 0
    for hop in observed:
        if hop not in expected[pos:]:
            return f"{_hops(observed)} is not in the order of {key}"
        pos = expected.index(hop, pos) + 1
    visible = hooks_seen(events)
    hidden = [h for h in expected if h not in observed and h in visible]
    if hidden:
        return f"{_hops(observed)} lacks {_hops(hidden)}, and those hooks do report in this run"
    return None


def _hops(hops) -> str:
    return " → ".join(f"{f} {h.upper()}" for f, h in hops)


# -- the checks, one per key ------------------------------------------------
def _ok(e: Expectation, run: _Run, want) -> Check:
    r = run.result
    got = f"{'ok' if r.get('ok') else 'failed'} ({r.get('received', 0)}/{r.get('transmitted', 0)} answered)"
    return Check("ok", "the traffic gets through" if want else "the traffic fails", got,
                 bool(r.get("ok")) is bool(want))


def _path(direction: str, key_name: str):
    def check(e: Expectation, run: _Run, key) -> Check:
        want = f"first {direction} follows {key}: {_hops(model.PATHS[key])}"
        j = run.first(direction)
        if j is None:
            return Check(key_name, want, run.none_seen(direction), False)
        problem = path_problem(j, key, run.events)
        return Check(key_name, want, problem or _hops([tuple(h) for h in j["path"]]),
                     problem is None)
    return check


def _hooks(e: Expectation, run: _Run, specs) -> Check:
    want = "first request visits " + ", ".join(specs)
    j = run.first("request")
    if j is None:
        return Check("hooks", want, run.none_seen("request"), False)
    path = [f"{f}:{h}" for f, h in j["path"]]
    missing = [s for s in specs if s not in path]
    return Check("hooks", want, "visited " + ", ".join(path) + (
        f"; missing {', '.join(missing)}" if missing else ""), not missing)


def _drop(e: Expectation, run: _Run, spec) -> Check:
    last = e.expect.get("last")
    want = f"dropped in {spec}" + (f" by the {last}" if last else "")
    drops = [ev for ev in run.kernel if ev["verdict"] == "drop" and in_chain(ev, spec)]
    if not drops:
        others = sorted({f"{ev['family']} {ev['table']} {ev['chain']}" for ev in run.kernel
                         if ev["verdict"] == "drop"})
        return Check("drop", want, f"no drop there; drops seen: {', '.join(others) or 'none'}", False)
    d = drops[0]
    by = f"{d['type']} ({d['rule']})" if d["type"] == "rule" else d["type"]
    ok = last is None or d["type"] == last
    return Check("drop", want, f"dropped in {d['family']} {d['table']} {d['chain']} by the {by}", ok)


def _hit(e: Expectation, run: _Run, spec) -> Check:
    text = e.expect.get("hit_rule")
    want = f"a rule matches in {spec}" + (f" containing {text!r}" if text else "")
    there = [ev for ev in run.kernel if ev["type"] == "rule" and in_chain(ev, spec)]
    if not there:
        return Check("hit", want, f"no rule matched in {spec}", False)
    texts = sorted({ev["rule"] or "?" for ev in there})
    ok = text is None or any(text.lower() in t.lower() for t in texts)
    return Check("hit", want, "matched: " + "; ".join(texts[:4]), ok)


def _nat(e: Expectation, run: _Run, spec) -> Check:
    fld, new = e.expect.get("nat_field"), e.expect.get("nat_new")
    want = f"first request's {fld} rewritten to {new} at {spec}"
    j = run.first("request")
    if j is None:
        return Check("nat", want, run.none_seen("request"), False)
    mine = [ev for ev in run.kernel if ev["journey"] == j["id"]]
    rules = [ev for ev in mine if ev["type"] == "rule" and in_chain(ev, spec)
             and any(t in (ev["rule"] or "") for t in ("NAT", "MASQUERADE"))]
    rewrites = [n for n in j["nat"] if n["field"] == fld]
    seen = "; ".join(f"{n['field']} {n['old']} → {n['new']} at {n['at']}" for n in j["nat"]) or "no rewrite"
    if not rules:
        return Check("nat", want, f"no NAT rule matched in {spec}; {seen}", False)
    placed = [n["at"] for n in rewrites if n["new"] == new and n["at"] not in ("?", "conntrack")]
    ok = any(n["new"] == new for n in rewrites) and all(at == spec for at in placed)
    return Check("nat", want, seen, ok)


def _nat_first_only(e: Expectation, run: _Run, want) -> Check:
    j = run.first("request")
    nat_journeys = {ev["journey"] for ev in run.events if ev["family"] == "ip" and ev["table"] == "nat"}
    others = [x["summary"] for x in run.result.get("journeys", []) if x["id"] in nat_journeys
              and (j is None or x["id"] != j["id"])]
    ok = j is not None and (nat_journeys == {j["id"]}) is bool(want)
    return Check("nat_first_only", "nat chains run for the flow's first packet only",
                 f"nat chains also ran for: {', '.join(others)}" if others
                 else "only the first request", ok)


def _no_family(e: Expectation, run: _Run, fam) -> Check:
    stray = [f"{ev['family']} {ev['table']} {ev['chain']}" for ev in run.events if ev["family"] == fam]
    return Check("no_family", f"no {fam} event at all",
                 f"{len(stray)} {fam} events, e.g. {stray[0]}" if stray else f"no {fam} event",
                 not stray)


def _conntrack(e: Expectation, run: _Run, want) -> Check:
    entries = [c for c in run.result.get("conntrack", [])
               if c["proto"] == e.proto and c["orig"]["dst"] == e.dst]
    return Check("conntrack", f"{'an' if want else 'no'} entry for {e.proto} to {e.dst}",
                 f"{len(entries)} entries" if entries else "no entry", bool(entries) is bool(want))


def _arp_seen(e: Expectation, run: _Run, want) -> Check:
    seen = any(ev.get("proto") == "arp" for ev in run.events) or any(
        p.get("proto") == "arp" for pkts in run.result.get("captures", {}).values() for p in pkts)
    return Check("arp_seen", "ARP frames seen" if want else "no ARP frame",
                 "ARP seen" if seen else "no ARP", seen is bool(want))


def _nflog(e: Expectation, run: _Run, prefixes) -> Check:
    got = {ev["prefix"] for ev in run.events if ev["source"] == "nflog"}
    missing = [p for p in prefixes if p not in got]
    return Check("nflog", "logged: " + ", ".join(prefixes),
                 "logged: " + (", ".join(sorted(got)) or "nothing")
                 + (f"; missing {', '.join(missing)}" if missing else ""), not missing)


_CHECKS = {"ok": _ok, "path": _path("request", "path"), "reply_path": _path("reply", "reply_path"),
           "hooks": _hooks, "drop": _drop, "hit": _hit, "nat": _nat,
           "nat_first_only": _nat_first_only, "no_family": _no_family, "conntrack": _conntrack,
           "arp_seen": _arp_seen, "nflog": _nflog}
