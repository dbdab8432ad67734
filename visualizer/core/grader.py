"""The grader: does a run show what its lesson step expects?  Pure: events in, grade out.

A step's ``expect`` table (keys in ``EXPECT_KEYS``, documented in
docs/lessons.md) becomes an ``Expectation``; ``grade`` checks each key
against the kernel's events and the run's result and says, for each, what
was expected and what the kernel showed.  The lab puts the grade in every
run's result; ``manage.py verify_lessons`` and the live lesson tests use the
same code.  Every sentence a check says is a catalogue message (``phrases``): the
wire carries its English (``expected``, ``observed``, ``note``) and its ``{id, args}``
(``expected_msg``, ``observed_msg``, ``note_msg``) for the page to say in its language.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from . import gradepath, phrases
from .phrases import Msg

EXPECT_KEYS = ("ok", "path", "reply_path", "drop", "last", "hit", "hit_rule", "nat",
               "nat_field", "nat_new", "nat_first_only", "no_family", "conntrack", "arp_seen",
               "nflog", "hooks", "no_nflog", "icmp_error", "ct_related", "refused", "left_by",
               "http_status", "http_body")


phrases.define({
    "grade.note.nothing_expected": "this step expects nothing: what happens is the learner's "
                                   "rule's doing",
    "grade.note.user_rules": "graded against the step's expectations, with your rules applied",
    "grade.and": "{first}; {rest}",
    "grade.none_seen.request": "no {proto} request (journeys: {seen})",
    "grade.none_seen.reply": "no {proto} reply (journeys: {seen})",
    "grade.none_seen.nothing": "no {proto} {direction} (journeys: none)",
    "grade.ok.want_through": "the traffic gets through",
    "grade.ok.want_fails": "the traffic fails",
    "grade.ok.got_through": "ok ({received}/{transmitted} answered)",
    "grade.ok.got_failed": "failed ({received}/{transmitted} answered)",
    "grade.path.want.request": "first request follows {key}: {hops}",
    "grade.path.want.reply": "first reply follows {key}: {hops}",
    "grade.path.hops": "{hops}",
    "grade.hooks.want": "first request visits {specs}",
    "grade.hooks.visited": "visited {path}",
    "grade.hooks.visited_missing": "visited {path}; missing {missing}",
    "grade.drop.want": "dropped in {spec}",
    "grade.drop.want_by": "dropped in {spec} by {by}",
    "grade.drop.by.rule": "the rule",
    "grade.drop.by.policy": "the policy",
    "grade.drop.by.other": "the {type}",
    "grade.drop.by_rule": "the rule ({rule})",
    "grade.drop.got": "dropped in {where} by {by}",
    "grade.drop.none_there": "no drop there; drops seen: {others}",
    "grade.drop.none_at_all": "no drop there; drops seen: none",
    "grade.hit.want": "a rule matches in {spec}",
    "grade.hit.want_text": "a rule matches in {spec} containing {text}",
    "grade.hit.none": "no rule matched in {spec}",
    "grade.hit.matched": "matched: {texts}",
    "grade.nat.want": "first request's {field} rewritten to {new} at {spec}",
    "grade.nat.rewrite": "{field} {old} → {new} at {at}",
    "grade.nat.no_rewrite": "no rewrite",
    "grade.nat.no_rule": "no NAT rule matched in {spec}; {seen}",
    "grade.nat_first.want": "nat chains run for the flow's first packet only",
    "grade.nat_first.also": "nat chains also ran for: {others}",
    "grade.nat_first.only": "only the first request",
    "grade.family.want": "no {family} event at all",
    "grade.family.stray": "{n} {family} events, e.g. {first}",
    "grade.family.none": "no {family} event",
    "grade.ct.want_entry": "an entry for {proto} to {dst}",
    "grade.ct.want_none": "no entry for {proto} to {dst}",
    "grade.ct.entries": "{n} entries",
    "grade.ct.no_entry": "no entry",
    "grade.arp.want_seen": "ARP frames seen",
    "grade.arp.want_none": "no ARP frame",
    "grade.arp.seen": "ARP seen",
    "grade.arp.none": "no ARP",
    "grade.nflog.want": "logged: {prefixes}",
    "grade.nflog.got": "logged: {got}",
    "grade.nflog.got_missing": "logged: {got}; missing {missing}",
    "grade.nflog.nothing": "logged: nothing",
    "grade.nflog.nothing_missing": "logged: nothing; missing {missing}",
})


def say(m: Msg | str) -> str:
    return m.text() if isinstance(m, Msg) else m


def joined(msgs: list[Msg]) -> Msg:
    """Clauses as one sentence: "a; b; c" in English, each language its own way."""
    return msgs[0] if len(msgs) == 1 else phrases.msg("grade.and", first=msgs[0],
                                                      rest=joined(msgs[1:]))


@dataclass
class Check:
    """One expect key's verdict.  ``expected``/``observed`` may be given as messages:
    they are kept as ``*_msg`` and read as their English."""
    key: str
    expected: str
    observed: str
    ok: bool
    expected_msg: Msg | None = None
    observed_msg: Msg | None = None

    def __post_init__(self):
        if isinstance(self.expected, Msg):
            self.expected_msg, self.expected = self.expected, self.expected.text()
        if isinstance(self.observed, Msg):
            self.observed_msg, self.observed = self.observed, self.observed.text()

    def as_dict(self) -> dict:
        return {"key": self.key, "expected": self.expected, "observed": self.observed,
                "ok": self.ok, "expected_msg": _wire(self.expected_msg),
                "observed_msg": _wire(self.observed_msg)}


def _wire(m: Msg | None) -> dict | None:
    return m.wire() if m else None


@dataclass
class Grade:
    checks: list[Check] = field(default_factory=list)
    note: str | Msg = ""

    @property
    def passed(self) -> bool | None:
        """True or False; None when the step expects nothing (a try-it step)."""
        return all(c.ok for c in self.checks) if self.checks else None

    def as_dict(self) -> dict:
        note = self.note
        return {"passed": self.passed, "checks": [c.as_dict() for c in self.checks],
                "note": say(note), "note_msg": _wire(note if isinstance(note, Msg) else None)}

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
            g.note = phrases.msg("grade.note.nothing_expected")
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

    def none_seen(self, direction: str) -> Msg:
        seen = [j["summary"] for j in self.result.get("journeys", [])][:6]
        if not seen:
            return phrases.msg("grade.none_seen.nothing", proto=self.proto, direction=direction)
        return phrases.msg(f"grade.none_seen.{direction}", proto=self.proto, seen=seen)


def first_journey(result: dict, proto: str | None, direction: str) -> dict | None:
    """The run's first journey of ``proto`` going ``direction`` (request or reply)."""
    js = [j for j in result.get("journeys", [])
          if j.get("proto") == proto and j.get("direction") == direction]
    return min(js, key=lambda j: j.get("first_seq", 0)) if js else None


def in_chain(e: dict, spec: str) -> bool:
    """The event happened in ``<family> <table> <CHAIN>`` (user chains count for their base)."""
    fam, table, chain = spec.split()
    return (e["family"], e["table"]) == (fam, table) and chain in (e.get("base_chain"), e["chain"])


def path_problem(journey: dict, key: str, events: list[dict]) -> str | None:
    """None if the journey's hooks follow model.PATHS[key]; else what is wrong, in English."""
    m = path_problem_msg(journey, key, events)
    return m.text() if m else None


def path_problem_msg(journey: dict, key: str, events: list[dict]) -> Msg | None:
    """None if the journey follows model.PATHS[key] (``gradepath.problem``: the hook
    order, a flooded frame's copies, a hairpin); else what is wrong."""
    return gradepath.problem(journey, key, events)


hooks_seen = gradepath.hooks_seen
_hops = gradepath.hops_text


# -- the checks, one per key ------------------------------------------------
def _ok(e: Expectation, run: _Run, want) -> Check:
    r = run.result
    got = phrases.msg("grade.ok.got_through" if r.get("ok") else "grade.ok.got_failed",
                      received=r.get("received", 0), transmitted=r.get("transmitted", 0))
    return Check("ok", phrases.msg("grade.ok.want_through" if want else "grade.ok.want_fails"),
                 got, bool(r.get("ok")) is bool(want))


def _path(direction: str, key_name: str):
    def check(e: Expectation, run: _Run, key) -> Check:
        want = phrases.msg(f"grade.path.want.{direction}", key=key, hops=gradepath.wanted(key))
        j = run.first(direction)
        if j is None:
            return Check(key_name, want, run.none_seen(direction), False)
        problem = path_problem_msg(j, key, run.events)
        return Check(key_name, want, problem or phrases.msg(
            "grade.path.hops", hops=_hops([tuple(h) for h in j["path"]])), problem is None)
    return check


def _hooks(e: Expectation, run: _Run, specs) -> Check:
    want = phrases.msg("grade.hooks.want", specs=list(specs))
    j = run.first("request")
    if j is None:
        return Check("hooks", want, run.none_seen("request"), False)
    path = [f"{f}:{h}" for f, h in j["path"]]
    missing = [s for s in specs if s not in path]
    got = (phrases.msg("grade.hooks.visited_missing", path=path, missing=missing) if missing
           else phrases.msg("grade.hooks.visited", path=path))
    return Check("hooks", want, got, not missing)


def _by_kind(kind: str) -> Msg:
    if kind in ("rule", "policy"):
        return phrases.msg(f"grade.drop.by.{kind}")
    return phrases.msg("grade.drop.by.other", type=kind)


def _drop(e: Expectation, run: _Run, spec) -> Check:
    last = e.expect.get("last")
    want = (phrases.msg("grade.drop.want_by", spec=spec, by=_by_kind(last)) if last
            else phrases.msg("grade.drop.want", spec=spec))
    drops = [ev for ev in run.kernel if ev["verdict"] == "drop" and in_chain(ev, spec)]
    if not drops:
        others = sorted({f"{ev['family']} {ev['table']} {ev['chain']}" for ev in run.kernel
                         if ev["verdict"] == "drop"})
        return Check("drop", want, phrases.msg("grade.drop.none_there", others=others) if others
                     else phrases.msg("grade.drop.none_at_all"), False)
    d = drops[0]
    by = (phrases.msg("grade.drop.by_rule", rule=d["rule"]) if d["type"] == "rule"
          else _by_kind(d["type"]))
    ok = last is None or d["type"] == last
    return Check("drop", want, phrases.msg(
        "grade.drop.got", where=f"{d['family']} {d['table']} {d['chain']}", by=by), ok)


def _hit(e: Expectation, run: _Run, spec) -> Check:
    text = e.expect.get("hit_rule")
    want = (phrases.msg("grade.hit.want_text", spec=spec, text=repr(text)) if text
            else phrases.msg("grade.hit.want", spec=spec))
    there = [ev for ev in run.kernel if ev["type"] == "rule" and in_chain(ev, spec)]
    if not there:
        return Check("hit", want, phrases.msg("grade.hit.none", spec=spec), False)
    texts = sorted({ev["rule"] or "?" for ev in there})
    ok = text is None or any(text.lower() in t.lower() for t in texts)
    return Check("hit", want, phrases.msg("grade.hit.matched", texts="; ".join(texts[:4])), ok)


def _nat(e: Expectation, run: _Run, spec) -> Check:
    fld, new = e.expect.get("nat_field"), e.expect.get("nat_new")
    want = phrases.msg("grade.nat.want", field=fld, new=new, spec=spec)
    j = run.first("request")
    if j is None:
        return Check("nat", want, run.none_seen("request"), False)
    mine = [ev for ev in run.kernel if ev["journey"] == j["id"]]
    rules = [ev for ev in mine if ev["type"] == "rule" and in_chain(ev, spec)
             and any(t in (ev["rule"] or "") for t in ("NAT", "MASQUERADE"))]
    rewrites = [n for n in j["nat"] if n["field"] == fld]
    each = [phrases.msg("grade.nat.rewrite", field=n["field"], old=n["old"], new=n["new"],
                        at=n["at"]) for n in j["nat"]]
    seen = joined(each) if each else phrases.msg("grade.nat.no_rewrite")
    if not rules:
        return Check("nat", want, phrases.msg("grade.nat.no_rule", spec=spec, seen=seen), False)
    placed = [n["at"] for n in rewrites if n["new"] == new and n["at"] not in ("?", "conntrack")]
    ok = any(n["new"] == new for n in rewrites) and all(at == spec for at in placed)
    return Check("nat", want, seen, ok)


def _nat_first_only(e: Expectation, run: _Run, want) -> Check:
    j = run.first("request")
    nat_journeys = {ev["journey"] for ev in run.events if ev["family"] == "ip" and ev["table"] == "nat"}
    others = [x["summary"] for x in run.result.get("journeys", []) if x["id"] in nat_journeys
              and (j is None or x["id"] != j["id"])]
    ok = j is not None and (nat_journeys == {j["id"]}) is bool(want)
    return Check("nat_first_only", phrases.msg("grade.nat_first.want"),
                 phrases.msg("grade.nat_first.also", others=others) if others
                 else phrases.msg("grade.nat_first.only"), ok)


def _no_family(e: Expectation, run: _Run, fam) -> Check:
    stray = [f"{ev['family']} {ev['table']} {ev['chain']}" for ev in run.events if ev["family"] == fam]
    return Check("no_family", phrases.msg("grade.family.want", family=fam),
                 phrases.msg("grade.family.stray", n=len(stray), family=fam, first=stray[0])
                 if stray else phrases.msg("grade.family.none", family=fam), not stray)


def _conntrack(e: Expectation, run: _Run, want) -> Check:
    entries = [c for c in run.result.get("conntrack", [])
               if c["proto"] == e.proto and c["orig"]["dst"] == e.dst]
    return Check("conntrack", phrases.msg("grade.ct.want_entry" if want else "grade.ct.want_none",
                                          proto=e.proto, dst=e.dst),
                 phrases.msg("grade.ct.entries", n=len(entries)) if entries
                 else phrases.msg("grade.ct.no_entry"), bool(entries) is bool(want))


def _arp_seen(e: Expectation, run: _Run, want) -> Check:
    seen = any(ev.get("proto") == "arp" for ev in run.events) or any(
        p.get("proto") == "arp" for pkts in run.result.get("captures", {}).values() for p in pkts)
    return Check("arp_seen", phrases.msg("grade.arp.want_seen" if want else "grade.arp.want_none"),
                 phrases.msg("grade.arp.seen" if seen else "grade.arp.none"), seen is bool(want))


def _nflog(e: Expectation, run: _Run, prefixes) -> Check:
    got = sorted({ev["prefix"] for ev in run.events if ev["source"] == "nflog"})
    missing = [p for p in prefixes if p not in got]
    if got:
        said = (phrases.msg("grade.nflog.got_missing", got=got, missing=missing) if missing
                else phrases.msg("grade.nflog.got", got=got))
    else:
        said = (phrases.msg("grade.nflog.nothing_missing", missing=missing) if missing
                else phrases.msg("grade.nflog.nothing"))
    return Check("nflog", phrases.msg("grade.nflog.want", prefixes=list(prefixes)), said,
                 not missing)


_CHECKS = {"ok": _ok, "path": _path("request", "path"), "reply_path": _path("reply", "reply_path"),
           "hooks": _hooks, "drop": _drop, "hit": _hit, "nat": _nat,
           "nat_first_only": _nat_first_only, "no_family": _no_family, "conntrack": _conntrack,
           "arp_seen": _arp_seen, "nflog": _nflog}

from . import gradecapture, gradekeys  # noqa: E402  (their checks use Check, defined above)

EXPECT_KEYS += gradecapture.KEYS
_CHECKS.update(gradekeys.CHECKS)
_CHECKS.update(gradecapture.CHECKS)
