"""Every hop in words, from the run's evidence only.

An ``Explainer`` is made per run (the ``Tracker`` owns one) and is fed every
event in kernel order, before the event is flattened for the wire; it sets
``Event.explain`` (the text) and ``Event.explain_msgs`` (the catalogue
messages, ``{id, args}``).  Each event gets one to three sentences:

- where the packet is and why it got here (the routing decision, the bridge's
  decision, br_netfilter calling the ip hooks for a bridged frame), said at
  the first lesson event of each hop;
- what the rule's matches mean and what its verdict does next (a jump, the
  return to the calling chain, the policy);
- what conntrack and NAT did: the flow's first packet has its mapping
  recorded in the conntrack entry; later packets and replies get the
  mapping, or its reverse, without the nat chains;
- for a drop the lesson teaches, what would let the packet through.

The evidence is the event's kernel fields, the rule's text, the topology,
the conntrack fields on the event and the journey so far (its header
rewrites, ``Journey.nat``, recorded between chain dumps).  A sentence that
rests on anything else (an address from the topology, a hook worked out from
the kernel's design) says so.  The journey's story (``story.py``) is made
from the notes kept here.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from . import explain_text  # noqa: F401  (the sentences, defined at import)
from . import phrases
from .records import Event
from .hostnet import HostNet
from .hopwhere import BROADCAST as _BROADCAST
from .hopwhere import hop_sentence
from .rulewords import RuleWords, words
from .topology import Topology

m = phrases.msg


# hop sentences that are no decision of the story's (the bridge forwarding a frame is
# told once, at the bridge's hook)
_NOT_DECISIONS = ("explain.where.post", "explain.where.bridge_post", "explain.where.raw",
                  "explain.where.brnf_forward")
_BUDGET = 3
# display order of the kinds of sentence; the budget keeps them by priority
_ORDER = ("where", "seen", "rule", "record", "ct", "fix")
_PRIORITY = ("rule", "record", "fix", "seen", "ct", "where")


@dataclass
class Notes:
    """What the explainer keeps of one journey (the story is made from it)."""

    hop: tuple | None = None             # (family, hook, oif) of its last lesson event
    at: str | None = None                # "family table CHAIN" of its last lesson event
    at_hook: str | None = None           # and its hook
    raw_told: bool = False
    routed: str | None = None            # the device the routing decision at OUTPUT chose
    nat_seen: int = 0                    # Journey.nat entries already told
    ct_told: bool = False
    ports_out: set = field(default_factory=set)   # bridge ports it was seen leaving by
    entered: phrases.Msg | None = None
    decisions: list = field(default_factory=list)
    nat: list = field(default_factory=list)
    verdict: phrases.Msg | None = None   # the decisive accept, or the drop
    fix: phrases.Msg | None = None       # what would let it through
    ct: phrases.Msg | None = None        # what conntrack did with it
    dropped: bool = False


class Explainer:
    """Sets ``explain`` / ``explain_msgs`` on each event of one run, in kernel order."""

    def __init__(self, topology: Topology | None = None, journeys=None):
        self.topo = topology or Topology()
        self.journeys = journeys
        self.notes: dict[int, Notes] = {}
        self.flows: dict[int, dict] = {}        # ct id -> the NAT of its first packet
        self._stack: dict[tuple, list] = {}     # chain visit -> [(caller chain, rule pos)]
        self._visit: dict = {}                  # trace id -> its current chain visit
        self.net = HostNet(self.topo)           # what the topology says (derived facts)
        self.masters, self.macs = self.net.masters, self.net.macs

    # -- the entry point -----------------------------------------------------
    def explain(self, ev: Event) -> None:
        msgs = self.sentences(ev)
        ev.explain_msgs = [x.wire() for x in msgs]
        ev.explain = phrases.text_of(msgs) if msgs else None

    def sentences(self, ev: Event) -> list:
        notes = self.notes.setdefault(ev.journey, Notes()) if ev.journey is not None else Notes()
        w, v = ev.where, ev.verdict
        if w.source == "nflog":
            if w.hook:
                return [m("explain.log", family=w.family, hook=w.hook.upper(), prefix=v.prefix or "")]
            return [m("explain.log_unknown", prefix=v.prefix or "")]
        rw = words(w.family or "ip", v.rule)
        caller = self._follow(ev, rw)
        if v.probe:
            return [self._probe(ev, rw)]
        out: dict[str, phrases.Msg] = {}
        out["rule"] = self._rule(ev, rw, caller)
        record = self._nat_record(ev, rw)
        if record:
            out["record"] = record
        seen = self._rewrite_seen(ev, notes)
        if seen:
            out["seen"] = seen
        hop = (w.family, w.hook, ev.ifaces.oif)
        if hop != notes.hop:
            where = hop_sentence(self, ev, notes)
            if where:
                out["where"] = where
                if notes.entered is None:
                    notes.entered = where
                elif where.id not in _NOT_DECISIONS and where.id not in {
                        d.id for d in notes.decisions}:
                    notes.decisions.append(where)
            notes.hop = hop
        if not notes.ct_told and ev.ct.ct_id is not None:
            ct = self._ct(ev, brief="seen" in out)
            if ct:
                out["ct"] = ct
        elif (ev.ct.ct_id is None and ev.where.table == "raw" and ev.where.family == "ip"
              and not notes.raw_told):
            out["ct"] = m("explain.where.raw")
        fix = self._fix(ev, rw)
        if fix:
            out["fix"] = fix
        keep = [k for k in _PRIORITY if k in out][:_BUDGET]
        if "ct" in keep:
            if out["ct"].id == "explain.where.raw":
                notes.raw_told = True
            else:
                notes.ct_told, notes.ct = True, out["ct"]
        self._note(ev, notes, out)
        return [out[k] for k in _ORDER if k in keep]

    # -- notes for the story -------------------------------------------------
    def _note(self, ev: Event, notes: Notes, out: dict):
        v = ev.verdict
        notes.at = f"{ev.where.family} {ev.where.table} {ev.where.chain}"
        notes.at_hook = ev.where.hook
        told = {x.id for x in notes.nat}
        if out["rule"].id.startswith("explain.nat."):
            notes.nat.append(out["rule"])
        for k in ("record", "seen"):
            if k in out and out[k].id not in told and not (
                    k == "seen" and any(x.id.startswith("explain.nat.") for x in notes.nat
                                        if x.id not in ("explain.nat.applied",
                                                        "explain.nat.reversed"))):
                notes.nat.append(out[k])
        notes.fix = notes.fix or out.get("fix")
        if v.verdict == "drop" and not notes.dropped:
            notes.verdict, notes.dropped = out["rule"], True
        elif v.verdict == "accept" and not notes.dropped and not out["rule"].id.startswith(
                "explain.nat.") and (v.type == "rule" or notes.verdict is None):
            notes.verdict = out["rule"]

    # -- jumps and returns ---------------------------------------------------
    def _follow(self, ev: Event, rw: RuleWords):
        """The chain a return goes back to, from the jumps this visit made: (chain, pos)."""
        w, v = ev.where, ev.verdict
        visit = (w.family, w.table, w.base_chain, w.hook)
        tid = (w.trace_id, w.family)
        if self._visit.get(tid) != visit:
            self._visit[tid] = visit
            self._stack[tid] = []
        stack = self._stack[tid]
        if v.verdict == "jump" and v.target:
            stack.append((w.chain, v.rule_pos))
        elif v.verdict == "return" and stack:
            return stack.pop()
        return None

    # -- sentences -----------------------------------------------------------
    def _probe(self, ev: Event, rw: RuleWords) -> phrases.Msg:
        w, v = ev.where, ev.verdict
        if v.type == "policy":
            return m("explain.probe.policy", chain=f"{w.family} {w.table} {w.chain}")
        if rw.log:
            return m("explain.probe.log", prefix=rw.opts.get("--nflog-prefix")
                     or rw.opts.get("--log-prefix") or "")
        return m("explain.probe.trace", rule=v.rule or "nftrace")

    def _rule(self, ev: Event, rw: RuleWords, caller) -> phrases.Msg:
        w, v = ev.where, ev.verdict
        chain = f"{w.family} {w.table} {w.chain}"
        copy = (w.family == "bridge" and w.hook == "forward"
                and (ev.packet.mac_dst or "").lower() == _BROADCAST)
        if v.type == "policy":
            key = {"accept": "explain.policy.accept",
                   "drop": "explain.policy.drop_copy" if copy else "explain.policy.drop"}.get(
                       v.verdict)
            return m(key, chain=chain) if key else m("explain.policy.other", chain=chain,
                                                     verdict=str(v.verdict).upper())
        if v.type == "return" and v.rule is None:
            if caller and caller[1] is not None:
                return m("explain.rule.end_of_chain", chain=chain, caller=caller[0],
                         next=caller[1] + 1)
            return m("explain.rule.end_of_chain_unknown", chain=chain)
        if v.rule is None or v.rule_pos is None:
            return m("explain.rule.unknown", chain=chain, verdict=v.verdict)
        args = {"pos": v.rule_pos, "chain": chain, "matches": rw.phrases()}
        if rw.nat:
            return self._nat(ev, rw, args)
        verdict = v.verdict
        if verdict in ("jump", "goto") and v.target:
            if verdict == "goto":
                return m("explain.rule.goto", target=v.target, base=w.base_chain or w.chain, **args)
            return m("explain.rule.jump", target=v.target, next=v.rule_pos + 1, base=w.chain,
                     **args)
        if verdict == "accept":
            if w.base_chain and w.chain != w.base_chain:
                return m("explain.rule.accept_user", user=w.chain, base=w.base_chain, **args)
            return m("explain.rule.accept", **args)
        if verdict == "drop" and rw.target == "REJECT":
            return m("explain.rule.reject", **args)
        if verdict == "drop":
            return m("explain.rule.drop_copy" if copy else "explain.rule.drop", **args)
        if verdict == "return":
            if caller and caller[1] is not None:
                return m("explain.rule.return", caller=caller[0], next=caller[1] + 1, **args)
            return m("explain.rule.return_unknown", user=w.chain, **args)
        if rw.log:
            prefix = rw.opts.get("--nflog-prefix") or rw.opts.get("--log-prefix") or ""
            return m("explain.rule.log", prefix=prefix, **args)
        if verdict == "continue":
            return m("explain.rule.continue", **args)
        return m("explain.rule.other", verdict=verdict, **args)

    def _nat(self, ev: Event, rw: RuleWords, args: dict) -> phrases.Msg:
        p, kind = ev.packet, rw.nat
        if kind == "DNAT":
            new = rw.opts.get("--to-destination") or rw.opts.get("--to") or "?"
            old = _hostport(p.dst, p.dport if ":" in new else None)
            self._flow(ev, kind, "dst", old, new)
            return m("explain.nat.dnat", old=old, new=new, **args)
        if kind == "SNAT":
            new = rw.opts.get("--to-source") or rw.opts.get("--to") or "?"
            old = _hostport(p.src, p.sport if ":" in new else None)
            self._flow(ev, kind, "src", old, new)
            return m("explain.nat.snat", old=old, new=new, **args)
        if kind == "MASQUERADE":
            oif = ev.ifaces.oif
            addr = self.net.address(oif)
            self._flow(ev, kind, "src", p.src, addr or m("explain.nat.iface_address", oif=oif))
            if addr:
                return m("explain.nat.masquerade", old=p.src, new=addr, oif=oif, **args)
            return m("explain.nat.masquerade_noaddr", old=p.src, oif=oif or "?", **args)
        if kind == "REDIRECT":
            ports = rw.opts.get("--to-ports")
            old = _hostport(p.dst, p.dport)
            self._flow(ev, kind, "dst", old, m("explain.nat.the_host"))
            if ports:
                return m("explain.nat.redirect_port", old=old, ports=ports, **args)
            return m("explain.nat.redirect", old=old, **args)
        return m("explain.nat.other", target=kind, **args)

    def _flow(self, ev: Event, kind, fld, old, new):
        if ev.ct.ct_id is not None and ev.ct.ct_id not in self.flows:
            w = ev.where
            # conntrack rewrites a reply's source at POSTROUTING (INPUT for the host's own
            # connections), its destination at PREROUTING (OUTPUT): the reverse rewrite
            hook = {("dst", "output"): "INPUT", ("src", "input"): "OUTPUT"}.get(
                (fld, w.hook), "POSTROUTING" if fld == "dst" else "PREROUTING")
            self.flows[ev.ct.ct_id] = {"kind": kind, "field": fld, "old": old, "new": new,
                                       "at": f"{w.family} {w.table} {w.base_chain or w.chain}",
                                       "hook": hook}

    def _nat_record(self, ev: Event, rw: RuleWords) -> phrases.Msg | None:
        flow = self.flows.get(ev.ct.ct_id) if rw.nat and ev.ct.ct_state == "new" else None
        if not flow:
            return None
        if flow["field"] == "dst":
            return m("explain.nat.record_dnat", ct=ev.ct.ct_id, old=flow["old"], hook=flow["hook"])
        return m("explain.nat.record_snat", ct=ev.ct.ct_id, old=flow["old"], new=flow["new"],
                 hook=flow["hook"])

    def _rewrite_seen(self, ev: Event, notes: Notes) -> phrases.Msg | None:
        """A rewrite between the previous dump and this one (``Journey.nat`` grew)."""
        j = self.journey(ev.journey)
        if j is None or len(j.nat) <= notes.nat_seen:
            return None
        fresh, notes.nat_seen = j.nat[notes.nat_seen:], len(j.nat)
        addr = next((n for n in fresh if n["field"] in ("src", "dst")), fresh[0])
        fld = addr["field"] if addr["field"] in ("src", "dst") else (
            "src" if addr["field"] == "sport" else "dst")
        port = next((n for n in fresh if n["field"] == fld[0] + "port"), None)
        old, new = addr["old"], addr["new"]
        if port and addr is not port:
            old, new = f"{old}:{port['old']}", f"{new}:{port['new']}"
        chain = f"{ev.where.family} {ev.where.table} {ev.where.chain}"
        field_msg = m(f"field.{fld}")
        if addr["at"] != "conntrack":
            flow = self.flows.get(ev.ct.ct_id) or {}
            return m("explain.nat.seen", kind=flow.get("kind", "NAT"), at=addr["at"],
                     field=field_msg, old=old, new=new, chain=chain)
        if ev.ct.ct_id is None:
            return None
        prev = notes.at or "?"
        hook = (addr.get("hook") or notes.at_hook or "?").split(" ")[-1].upper()
        key = "explain.nat.reversed" if ev.ct.ct_direction == "reply" else "explain.nat.applied"
        return m(key, field=field_msg, old=old, new=new, prev=prev, ct=ev.ct.ct_id, hook=hook)

    def _ct(self, ev: Event, brief: bool = False) -> phrases.Msg | None:
        """The conntrack sentence; ``brief``: the rewrite it did is told already."""
        ct = ev.ct
        state = ct.ct_state or ""
        flow = self.flows.get(ct.ct_id)
        if "related" in state:
            return m("explain.ct.related", ct=ct.ct_id)
        if ct.ct_direction == "reply":
            if flow and not brief:
                desc = m("explain.nat.desc", kind=flow["kind"], old=flow["old"], new=flow["new"],
                         at=flow["at"])
                key = "explain.ct.reply_dnat" if flow["field"] == "dst" else "explain.ct.reply_snat"
                return m(key, ct=ct.ct_id, nat=desc, old=flow["old"], hook=flow["hook"])
            return m("explain.ct.reply", ct=ct.ct_id)
        if state == "new":
            return m("explain.ct.new", ct=ct.ct_id)
        if state == "established":
            if flow:
                desc = m("explain.nat.desc", kind=flow["kind"], old=flow["old"], new=flow["new"],
                         at=flow["at"])
                return m("explain.ct.established_nat", ct=ct.ct_id, nat=desc)
            return m("explain.ct.established", ct=ct.ct_id)
        return m("explain.ct.other", ct=ct.ct_id, state=state or "?")

    def _fix(self, ev: Event, rw: RuleWords) -> phrases.Msg | None:
        """What would let it through, where a lesson teaches it: FORWARD's DROP policy on
        a bridged frame (br_netfilter handed it to iptables); a loopback source DNATed
        at OUTPUT to an address behind a device (external-to-container steps 3 and 4)."""
        w, v, f = ev.where, ev.verdict, ev.ifaces
        if rw.nat == "DNAT" and w.hook == "output" and (ev.packet.src or "").startswith("127."):
            new = (rw.opts.get("--to-destination") or "").split(":")[0]
            dev = self.net.device_to(new)
            if dev:
                return m("explain.fix.localnet", src=ev.packet.src, dev=dev, new=new)
        if (w.family == "ip" and w.table == "nat" and w.hook == "postrouting"
                and v.type == "policy" and v.verdict == "accept" and ev.ct.ct_state == "new"
                and self.topo.role(f.oif) == "uplink"):
            bridge = self.net.device_to(ev.packet.src or "")
            if bridge and self.topo.role(bridge) == "bridge" and not self.net.routes_back(
                    f.oif, ev.packet.src):
                return m("explain.fix.masquerade", oif=f.oif, src=ev.packet.src, bridge=bridge,
                         net=self.net.network_of(bridge, ev.packet.src))
        if (v.type == "policy" and v.verdict == "drop" and w.family == "ip"
                and w.hook == "forward" and f.iif and f.iif == f.oif
                and self.topo.role(f.iif) == "bridge"):
            return m("explain.fix.bridged_forward")
        return None

    # -- lookups ---------------------------------------------------------------
    def journey(self, jid):
        if self.journeys is None or jid is None:
            return None
        alls = self.journeys.all
        return alls[jid - 1] if 0 < jid <= len(alls) and alls[jid - 1].id == jid else None


def _hostport(addr, port) -> str:
    return f"{addr}:{port}" if port is not None else str(addr)
