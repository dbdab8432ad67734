"""A journey's story: the few sentences that matter, in order.

How the packet entered, the decisions that moved it on (routing, the
bridge), what NAT and conntrack did to it, the verdict that decided, and the
outcome with its evidence.  Made when the run ends (``Tracker.summaries``)
from the explainer's notes of each journey (the same messages its hops
carry) and the journey's summary: its outcome (``outcome_msg``) and the
rewrites that only the conntrack table or a capture shows.
"""
from __future__ import annotations

from . import explain_text  # noqa: F401  (the field.* phrases)
from . import phrases

m = phrases.msg

phrases.define({
    "story.outcome": "Outcome ({outcome}): {detail}.",
    "story.nat_conntrack": "Its {field} went from {old} to {new} at {hook}, after the last hook "
                           "that reports it: conntrack's doing, from entry {ct} (read from the "
                           "entry's tuples; no chain dump shows it).",
    "story.nat_capture": "Its {field} went from {old} to {new} at {hook}: the capture on {seen} "
                         "shows it (no chain dump does).",
    "story.no_hook": "No netfilter hook reported it.",
    "story.flooded": "The bridge {bridge} floods it: a copy left by each of {ports} (derived: "
                     "the kernel reported this one packet at bridge {hook} once for each of "
                     "those ports). Its destination MAC {mac} is not a broadcast, and a bridge "
                     "floods such a frame only while it has not learnt which port {mac} is "
                     "behind.",
    "story.flooded_group": "The bridge {bridge} floods it: a copy left by each of {ports} "
                           "(derived: the kernel reported this one packet at bridge {hook} once "
                           "for each of those ports); its destination MAC {mac} is a broadcast "
                           "or multicast address.",
    "story.flooded_plain": "The bridge {bridge} floods it: a copy left by each of {ports} "
                           "(derived: the kernel reported this one packet at bridge {hook} once "
                           "for each of those ports).",
})

_MAX_DECISIONS = 3
# the sentences of one port a frame leaves the bridge by: a flood's story tells them as one
_BRIDGE_OUT = ("explain.where.bridge_forward", "explain.where.bridge_output",
               "explain.where.bridge_flood", "explain.where.bridge_flood_copy")


def tell(journeys: list[dict], explainer, conntrack: list[dict]) -> None:
    """Add ``story`` (texts) and ``story_msgs`` ({id, args}) to each journey summary."""
    for s in journeys:
        msgs = story(s, explainer.notes.get(s["id"]), explainer)
        s["story"] = [x.text() for x in msgs]
        s["story_msgs"] = [x.wire() for x in msgs]


def story(s: dict, notes, explainer) -> list:
    out: list = []
    if notes is None or notes.entered is None:
        out.append(m("story.no_hook"))
    else:
        out += _flood_told([notes.entered, *notes.decisions], s, explainer)[:1 + _MAX_DECISIONS]
        out += notes.nat
        if notes.ct is not None and notes.ct.id != "explain.ct.new":
            out.append(notes.ct)        # a later packet's or a reply's mapping
    told = {(_plain(x.args.get("old")), _plain(x.args.get("new"))) for x in out}
    for n in s.get("nat", []):
        if n.get("source") == "trace":
            continue
        if n["field"] in ("sport", "dport"):
            continue
        old, new = _with_port(s, n)
        if (old, new) in told or (n["old"], n["new"]) in told:
            continue
        told.add((old, new))
        fld = m(f"field.{n['field']}")
        hook = (n.get("hook") or ("POSTROUTING" if n["field"] == "src" else "PREROUTING")
                ).split(" ")[-1]
        if n.get("source") == "capture":
            out.append(m("story.nat_capture", field=fld, old=old, new=new, hook=hook,
                         seen=n.get("seen", "?")))
        elif s.get("flow") is not None:
            out.append(m("story.nat_conntrack", field=fld, old=old, new=new, hook=hook,
                         ct=s["flow"]))
    if notes is not None and notes.verdict is not None and notes.verdict not in out and (
            notes.dropped or not notes.verdict.id.startswith("explain.policy.")):
        out.append(notes.verdict)
    if notes is not None and notes.fix is not None and notes.fix not in out:
        out.append(notes.fix)       # what would let it through, where a lesson teaches it
    detail = s.get("outcome_msg")
    detail = phrases.from_wire(detail) if detail else s.get("outcome_detail") or ""
    out.append(m("story.outcome", outcome=s.get("outcome") or "?", detail=detail))
    return out


def _with_port(s: dict, n: dict):
    """An address rewrite with its port's, when the same entry rewrote both."""
    pf = "sport" if n["field"] == "src" else "dport"
    port = next((x for x in s.get("nat", []) if x["field"] == pf and x.get("at") == n.get("at")
                 and x.get("source") == n.get("source")), None)
    if port:
        return f"{n['old']}:{port['old']}", f"{n['new']}:{port['new']}"
    return n["old"], n["new"]


def _plain(v):
    """An argument as a set can hold it (a phrase by its text)."""
    return v.text() if isinstance(v, phrases.Msg) else v


def _flood_told(said: list, s: dict, explainer) -> list:
    """The entry and decisions, with a frame's ports told as one flood when it left the
    bridge by two ports or more (the summary's ``left_by``)."""
    ports = s.get("left_by") or []
    if len(ports) < 2:
        return said
    j = explainer.journey(s.get("id"))
    mac = ((j.mac_out if j else None) or "?").lower()
    hook = next((h.upper() for f, h in s.get("path", []) if f == "bridge"
                 and h in ("forward", "output")), "OUTPUT")
    bridge = explainer.masters.get(ports[0]) or "?"
    if mac == "?":          # no link-layer header in its bridge events: no word on the MAC
        flood = m("story.flooded_plain", bridge=bridge, ports=ports, hook=hook)
    else:
        group = int(mac.split(":")[0], 16) & 1
        flood = m("story.flooded_group" if group else "story.flooded", bridge=bridge,
                  ports=ports, hook=hook, mac=mac)
    out: list = []
    for x in said:
        if x.id not in _BRIDGE_OUT:
            out.append(x)
        elif flood is not None:
            out.append(flood)
            flood = None
    return out
