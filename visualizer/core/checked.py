"""Checked, not matched: the rules a packet was tested against and failed, derived.

The kernel reports a rule only when the packet matched it (and a chain's policy,
or a user chain's end, when none did).  The rest is worked out from the loaded
ruleset's order: within one visit of a chain (one trace id; a jump into a user
chain starts a fresh visit of it), every rule after the last one that matched
and before the one that matched now was checked and failed; when the policy or
the chain's end decided, every remaining rule was.  So each such event gets
``checked``, marked in ``derived``.

Where the packet's own fields at this chain decide a failed match, ``why`` says
so ("`-i docker0`: it came in on eth0"; ``core/matchwhy.py``); where they cannot
(``-m limit``, a mark), ``why`` is None.

A trace starts at the rule that sets the packet's trace bit (``-j TRACE``,
``meta nftrace set 1``): the rules before it in that chain ran untraced, so for a
packet's first traced rule nothing before it is claimed.
"""
from __future__ import annotations

from dataclasses import dataclass

from .matchwhy import Host, reason
from .records import Event
from .topology import Topology

MEMO_MAX = 4096                  # memoized checked entries a run keeps
_TERMINAL = {"accept", "drop", "queue", "stolen", "stop"}


def starts_trace(text: str | None) -> bool:
    """A rule that turns tracing on: rules before it ran untraced."""
    t = text or ""
    return t.endswith("-j TRACE") or "nftrace set 1" in t


@dataclass
class Visit:
    """One visit of one chain by one trace id: the last rule that matched in it."""

    key: tuple
    last: int = 0
    pending: str | None = None       # a jump's target: the next chain entered is a fresh visit
    returned: bool = False           # a RETURN in a base chain: the policy decides, nothing checked
    lost: bool = False               # a rule the index does not know: positions unknown


class Checker:
    """Keeps each trace id's visits; ``mark(ev)`` fills ``ev.checked``."""

    def __init__(self, rules, topology: Topology | None = None):
        self.rules = rules               # events.RuleLookup: chain_rules(family, table, chain)
        self.host = Host(topology or Topology())
        self._stacks: dict[int, list[Visit]] = {}
        self._journeys: set = set()                    # journeys seen (trace events)
        self._memo: dict[tuple, dict] = {}

    def mark(self, ev: Event) -> None:
        """Fill ``ev.checked`` (marked derived) for a rule, policy or return event, and a
        rule event's ``origin``, from the same listing."""
        w, v = ev.where, ev.verdict
        if v.type not in ("rule", "policy", "return") or w.source != "nftrace":
            return
        first = ev.journey not in self._journeys       # the packet's first traced event
        self._journeys.add(ev.journey)
        stack = self._stacks.setdefault(w.trace_id, [])
        visit = _enter(stack, (w.family, w.table, w.chain))
        rules = self.rules.chain_rules(w.family, w.table, w.chain)
        lo, hi = visit.last, None
        if v.type == "rule":
            if v.rule_pos is None or v.rule_pos > len(rules):
                visit.lost = True
            else:
                self._origin(ev, rules[v.rule_pos - 1])
                lo = v.rule_pos - 1 if first and starts_trace(v.rule) else lo
            hi = v.rule_pos
        if rules and not visit.lost and not (v.type != "rule" and visit.returned):
            todo = rules[lo:hi - 1 if hi else None]
            if todo:
                f, p, ct = ev.ifaces, ev.packet, ev.ct
                fields = (w.family, f.iif, f.oif, p.src, p.dst, p.proto, p.sport, p.dport,
                          p.icmp_type, p.mac_src, p.mac_dst, ct.ct_state, ct.ct_direction)
                ev.checked = [dict(self._entry(fields, r, ev)) for r in todo]
            if ev.checked:
                ev.derived = (*ev.derived, "checked")
        self._after(stack, visit, ev)

    @staticmethod
    def _origin(ev: Event, r: dict) -> None:
        if r.get("origin"):
            ev.origin, ev.origin_msg = r["origin"], r["origin_msg"]
            ev.derived = (*ev.derived, "origin")

    def _entry(self, fields: tuple, r: dict, ev: Event) -> dict:
        """One checked rule; memoized by the rule and the packet's fields that decide
        its reason (a flow's packets meet the same rules with the same fields)."""
        key = (r["pos"], r["text"], fields)
        entry = self._memo.get(key)
        if entry is None:
            if len(self._memo) > MEMO_MAX:
                self._memo.clear()
            msg = reason(fields[0], r["text"], ev, self.host)
            entry = self._memo[key] = {
                "pos": r["pos"], "rule": r["text"], "why": msg.text() if msg else None,
                "why_msg": msg.wire() if msg else None, "probe": bool(r.get("probe"))}
        return entry

    def _after(self, stack: list, visit: Visit, ev: Event) -> None:
        v = ev.verdict
        if v.type == "rule" and v.rule_pos is not None:
            visit.last = v.rule_pos
        if v.type == "policy" or v.verdict in _TERMINAL:
            stack.clear()
        elif v.verdict in ("jump", "goto") and v.target:
            visit.pending = v.target
            if v.verdict == "goto" and len(stack) > 1:
                stack.remove(visit)
                stack[-1].pending = v.target
        elif v.verdict == "return":
            if len(stack) > 1:
                stack.pop()
            else:
                visit.returned = True


def _enter(stack: list, key: tuple) -> Visit:
    """The visit an event of chain ``key`` belongs to: the current one, a fresh one
    after a jump to it, the caller's after a return, or a fresh base chain."""
    top = stack[-1] if stack else None
    if top is not None and top.pending is not None:
        target, top.pending = top.pending, None
        if target == key[2]:
            stack.append(Visit(key))
            return stack[-1]
    if top is not None and top.key == key:
        return top
    for i in range(len(stack) - 1, -1, -1):
        if stack[i].key == key:
            del stack[i + 1:]
            return stack[i]
    stack[:] = [Visit(key)]
    return stack[0]
