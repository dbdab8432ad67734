"""Group kernel events into journeys: one per packet, in kernel order.

The nftables trace id usually follows a packet, but it can change between
the bridged and the routed part of its way.  So a new trace id is matched to
an open journey by packet identity (IP id, protocol, ICMP id/seq or TCP
seq/ack), which NAT does not change.  Requests and replies are separate
journeys, tied into a flow by the conntrack id.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from . import headers as hdr
from . import phrases
from .natevidence import add_conntrack_nat, from_captures

__all__ = ["Journey", "Journeys", "add_conntrack_nat"]

phrases.define({
    "outcome.dropped": "dropped in {at} by {by}",
    "outcome.dropped_policy": "dropped in {at} by the chain's policy",
    "outcome.dropped_copy_went_on": "dropped in {at} by {by}; a copy of it went on and was "
                                    "accepted in {accepted}",
    "outcome.seen": "seen on {ifaces}",
    "outcome.seen_unanswered": "seen on {ifaces}; nobody answered",
    "outcome.answered": "answered: its reply came back",
    "outcome.local": "delivered to the host (INPUT accepted it)",
    "outcome.only_logged": "no netfilter hook reported it; seen only in a log",
    "outcome.martian": "dropped by the kernel after the DNAT in {at}: the trace ends at that "
                       "rule's accept and no later hook reported the rewritten packet "
                       "(derived: its re-route failed, a martian)",
    "outcome.not_sent": "passed {where} toward {dev} but was never seen on {dev}: it was not sent",
    "outcome.no_carrier": "passed {where} toward {dev} but was never seen on {dev}: it was not "
                          "sent, {dev} has no carrier (the kernel's link state: a bridge with no "
                          "port), and the kernel counted {dropped} frames dropped on transmit "
                          "there during the run",
    "outcome.sent": "passed {where} toward {dev}; not seen on a wire",
    "outcome.stopped": "last seen at {where}; not seen leaving",
    "outcome.bridge_kept": "handed to the bridge {bridge} (seen leaving {bridge}) but never seen "
                           "leaving by any of its ports ({ports}): the bridge did not forward it",
    "outcome.bridge_hairpin": "handed to the bridge {bridge} (seen leaving {bridge}, to "
                              "{mac}) but never seen leaving by any of its ports ({ports}): "
                              "that MAC is its own sender's, behind {port}, the port it came in "
                              "by, and a bridge does not send a frame back out of its ingress "
                              "port (derived: no hairpin mode)",
})

# A changed trace id for the same packet shows up within microseconds of its
# last event, but events are timed when the lab reads them, and a busy machine
# may let the lab read them in bursts 100 ms or more late.  A packet with the
# same identity again is an ARP retry (1 s apart) or a TCP retransmission,
# which carries a new IP id.
MATCH_WINDOW_MS = 500.0


@dataclass
class Journey:
    id: int
    identity: tuple | None
    first_seq: int
    t_ms: float
    headers: dict = field(default_factory=dict)
    direction: str = "request"
    flow: int | None = None
    events: int = 0
    path: list = field(default_factory=list)
    nat: list = field(default_factory=list)
    last_verdict: tuple | None = None      # (verdict, where, rule) of the last non-probe accept/drop
    last_nat_at: str | None = None
    last_ms: float = 0.0
    physin: str | None = None
    physout: str | None = None
    last_hop: tuple | None = None          # (family, hook, iif, oif) of its last trace event
    local: bool = False                    # a local-delivery hook accepted it
    last_at: str | None = None             # "family table BASE" of its last non-probe event
    first_drop: tuple | None = None        # (where, rule) of its first drop: a copy may go on
    left_by: list = field(default_factory=list)   # bridge ports it left by: bridge FORWARD/OUTPUT oif
    mac_out: str | None = None             # its destination MAC as the bridge sent it

    @property
    def asks(self) -> bool:
        """A request that expects an answer of its own (ARP who-has, ICMP echo)."""
        return self.direction == "request" and (
            self.headers.get("arp_op") == "request" or self.headers.get("icmp_type") == 8)

    def add_hop(self, family: str, hook: str | None):
        if hook and (not self.path or self.path[-1] != [family, hook]):
            self.path.append([family, hook])

    def note_port(self, oif: str | None, mac: str | None):
        """A bridge FORWARD or OUTPUT event: the port it leaves by (each copy of a flooded
        frame meets these hooks with a port of its own)."""
        if oif and oif not in self.left_by:
            self.left_by.append(oif)
            self.mac_out = self.mac_out or mac

    def note_headers(self, h: dict, where_nat: str | None):
        """Record a header rewrite (NAT) seen between two hook dumps: ``after`` is the
        chain whose dump still showed the old value; ``note_event`` adds the chain whose
        dump first shows the new one (``shown_at``)."""
        keys = ("src", "dst", "sport", "dport")
        if self.headers:
            for k in keys:
                old, new = self.headers.get(k), h.get(k)
                if old is not None and new is not None and old != new:
                    self.nat.append({"at": where_nat or "conntrack", "field": k, "old": old, "new": new,
                                     "source": "trace", "after": self.last_at, "shown_at": None,
                                     **self.nat_kind(k, where_nat)})
        self.headers.update({k: v for k, v in h.items() if v is not None})

    def nat_kind(self, fld: str, where_nat: str | None) -> dict:
        """Who rewrote it: a nat rule (the flow's first packet), or conntrack applying
        the mapping it recorded for that packet, in reverse on a reply.  ``hook``: where
        the kernel's NAT does it (destinations at PREROUTING or OUTPUT, sources at
        POSTROUTING or INPUT), worked out, not reported: listed in ``derived``."""
        if where_nat:
            fam, _, chain = where_nat.split(" ", 2)
            return {"by": "rule", "reverse": False, "hook": f"{fam} {chain}", "derived": []}
        hops = {tuple(p) for p in self.path}
        if fld in ("dst", "dport"):
            hook = "OUTPUT" if ("ip", "output") in hops and ("ip", "prerouting") not in hops else "PREROUTING"
        else:
            hook = "INPUT" if self.local or ("ip", "input") in hops else "POSTROUTING"
        return {"by": "conntrack", "reverse": self.direction == "reply", "hook": f"ip {hook}",
                "derived": ["by", "reverse", "hook"]}

    def note_event(self, where, verdict, ifaces):
        """Evidence from one non-probe trace event (see ``outcome``)."""
        at = f"{where.family} {where.table} {where.base_chain or where.chain}"
        if verdict.verdict in ("accept", "drop"):
            self.last_verdict = (verdict.verdict, at, verdict.rule)
            if verdict.verdict == "drop" and self.first_drop is None:
                self.first_drop = (at, verdict.rule)
            if verdict.verdict == "accept" and where.hook == "input" and (
                    where.family == "ip" or self.headers.get("proto") == "arp"):
                self.local = True
        self.last_hop = (where.family, where.hook, ifaces.iif, ifaces.oif)
        self.last_at = at
        for n in self.nat:
            if n.get("source") == "trace" and n.get("shown_at", "") is None:
                n["shown_at"] = at      # the first dump that shows the rewritten value
                if n["by"] == "conntrack":
                    n["reverse"] = self.direction == "reply"

    def outcome(self, seen: list[str] | None = None, answered: bool = False,
                captured: set[str] | None = None, kept: dict | None = None,
                links: dict | None = None) -> tuple[str, str | None, phrases.Msg]:
        """(outcome, drop_at, detail), from evidence only: a drop verdict; where the
        packet was seen on a wire (``seen``: capture interfaces); a reply that
        answered it; the last hook and the device it left by.  ``captured``: the
        interfaces a capture ran on (not seeing a packet there is evidence too).
        ``kept``: the bridge that was seen sending it and none of whose captured
        ports did (``Journeys.summaries``): it never left the bridge.  ``links``: the
        host's link states at the end of the run (RESULT ``links``)."""
        m = phrases.msg
        if self.last_verdict and self.last_verdict[0] == "drop":
            at, rule = self.last_verdict[1], self.last_verdict[2]
            return "dropped", at, (m("outcome.dropped", at=at, by=rule) if rule
                                   else m("outcome.dropped_policy", at=at))
        if self.first_drop and not seen and not answered and self.last_verdict:
            # Dropped, then accepted elsewhere: the bridge floods a broadcast, and the
            # copy that went up to the host lived on while the forwarded one died.
            at, rule = self.first_drop
            return "dropped", at, m("outcome.dropped_copy_went_on", at=at,
                                    by=rule or "the chain's policy", accepted=self.last_verdict[1])
        if seen:
            return "delivered", None, m("outcome.seen_unanswered" if self.asks and not answered
                                        else "outcome.seen", ifaces=list(seen))
        if answered:
            return "delivered", None, m("outcome.answered")
        if self.local:
            return "local", None, m("outcome.local")
        if kept:
            if kept.get("mac") and kept["mac"] == kept.get("sender") and self.physin:
                return "lost", None, m("outcome.bridge_hairpin", bridge=kept["bridge"],
                                       mac=kept["mac"], ports=kept["ports"], port=self.physin)
            return "lost", None, m("outcome.bridge_kept", bridge=kept["bridge"], ports=kept["ports"])
        if self.last_hop is None:
            return "stopped", None, m("outcome.only_logged")
        if self._ends_at_its_dnat():
            at = self.last_verdict[1]
            return "dropped", at, m("outcome.martian", at=at)
        fam, hook, _iif, oif = self.last_hop
        dev = self.physout if fam == "ip" and oif and self.physout else oif
        # Past its last reporting hook with an out device: later hooks may hold only
        # nat chains, which report a connection's first packet alone.
        if hook in ("forward", "output", "postrouting") and dev:
            where = f"{fam} {hook.upper()}"
            if captured is not None and dev in captured:
                link = (links or {}).get(dev)
                if link and not link["carrier"]:
                    return "lost", None, m("outcome.no_carrier", where=where, dev=dev,
                                           dropped=link["tx_dropped"])
                return "lost", None, m("outcome.not_sent", where=where, dev=dev)
            return "sent", None, m("outcome.sent", where=where, dev=dev)
        return "stopped", None, m("outcome.stopped", where=f"{fam} {(hook or '?').upper()}")

    def _ends_at_its_dnat(self) -> bool:
        """The last thing the kernel said of it is the accept of a DNAT rule, at a hook
        before routing (PREROUTING, OUTPUT): past a DNAT the kernel routes the packet
        again, and every packet that goes on meets a later hook (the routing decision
        drops a martian, e.g. a loopback source bound for another device, silently)."""
        if not self.last_verdict or self.last_verdict[0] != "accept" or not self.last_hop:
            return False
        rule = self.last_verdict[2] or ""
        return (self.last_verdict[1] == self.last_at and "-j DNAT" in rule
                and self.last_hop[1] in ("prerouting", "output"))

    def summary(self, seen=None, answered=False, captured=None, kept=None, links=None) -> dict:
        outcome, drop_at, detail = self.outcome(seen, answered, captured, kept, links)
        return {"id": self.id, "direction": self.direction, "proto": self.headers.get("proto"),
                "summary": hdr.summary(self.headers), "outcome": outcome, "drop_at": drop_at,
                "outcome_detail": detail.text(), "outcome_msg": detail.wire(),
                "flow": self.flow, "first_seq": self.first_seq,
                "events": self.events, "path": [list(p) for p in self.path], "nat": list(self.nat),
                "src": self.headers.get("src"), "dst": self.headers.get("dst"),
                "sport": self.headers.get("sport"), "dport": self.headers.get("dport"),
                "seen": list(seen or []), "left_by": list(self.left_by)}


def _differs(a: tuple | None, b: tuple | None) -> bool:
    """Two complete packet identities that are not the same packet."""
    return a is not None and b is not None and None not in a and None not in b and a != b


class Journeys:
    """Assigns each event to a journey; keeps the journeys of one run."""

    def __init__(self, bridges: dict[str, tuple[str, ...]] | None = None):
        self.bridges = bridges or {}      # bridge -> its ports (the topology's)
        self.links: dict[str, dict] = {}  # the host's link states at the run's end (RESULT links)
        self.all: list[Journey] = []
        self._by_trace: dict[int, Journey] = {}
        self._by_identity: dict[tuple, Journey] = {}

    def for_trace(self, trace_id: int, h: dict, seq: int, t_ms: float,
                  fresh: bool = False) -> Journey:
        """The journey of a trace message.  ``fresh``: the message carries headers.

        The kernel derives the trace id from the skb's address, and skbs are
        reused: a known id with a different packet identity is a new packet.
        """
        j = self._by_trace.get(trace_id)
        if j is not None and not (fresh and _differs(hdr.identity(h), j.identity)):
            j.last_ms = t_ms
            return j
        j = self._match(h, t_ms) or self._new(h, seq, t_ms)
        self._by_trace[trace_id] = j
        return j

    def for_packet(self, h: dict, seq: int, t_ms: float) -> Journey:
        """A journey for an event without a trace id (NFLOG, capture)."""
        return self._match(h, t_ms) or self._new(h, seq, t_ms)

    def find(self, h: dict, t_ms: float) -> Journey | None:
        return self._match(h, t_ms)

    def nearest(self, h: dict, t_ms: float) -> Journey | None:
        """The journey of this packet identity that began nearest ``t_ms`` (end-of-run
        matching of a frame read before its packet's first trace message: a host's
        ARP retries share one identity, a second apart)."""
        ident = hdr.identity(h)
        same = [j for j in self.all if ident is not None and j.identity == ident]
        return min(same, key=lambda j: abs(j.t_ms - t_ms)) if same else None

    def _match(self, h: dict, t_ms: float) -> Journey | None:
        ident = hdr.identity(h)
        if ident is None:
            return None
        j = self._by_identity.get(ident)
        if j is not None and t_ms - j.last_ms <= MATCH_WINDOW_MS:
            j.last_ms = t_ms
            return j
        return None

    def _new(self, h: dict, seq: int, t_ms: float) -> Journey:
        ident = hdr.identity(h)
        j = Journey(id=len(self.all) + 1, identity=ident, first_seq=seq, t_ms=t_ms, last_ms=t_ms)
        if h.get("icmp_type") == 0 or (h.get("proto") == "arp" and h.get("arp_op") == "reply"):
            j.direction = "reply"
        self.all.append(j)
        if ident is not None:
            self._by_identity[ident] = j
        return j

    def summaries(self, captures: dict[str, list] | None = None,
                  links: dict | None = None) -> list[dict]:
        """Every journey with its outcome, judged on the run's captures (``{iface: [PKT]}``,
        PKT as ``session.Reader`` records them: ``journey``, ``direction``) and the
        host's link states (``{iface: {carrier, operstate, tx_dropped}}``)."""
        captures = captures or {}
        seen: dict[int, list[str]] = {}
        mine: dict[int, list[dict]] = {}
        for iface, pkts in captures.items():
            remote = ":" in iface       # a capture in another namespace: arriving there counts
            for p in pkts:
                if not p.get("journey"):
                    continue
                mine.setdefault(p["journey"], []).append(p)
                if p.get("direction") == ("in" if remote else "out"):
                    names = seen.setdefault(p["journey"], [])
                    if iface not in names:
                        names.append(iface)
        answered = _answered(self.all)
        captured = {name for name in captures if ":" not in name}
        links = self.links if links is None else links
        out = []
        for j in self.all:
            where, kept = self._left_the_bridge(j, seen.get(j.id) or [], mine.get(j.id, []), captured)
            s = j.summary(where, j.id in answered, captured, kept, links)
            s["nat"] += from_captures(j, mine.get(j.id, []))
            out.append(s)
        return out

    def _left_the_bridge(self, j: Journey, seen: list[str], pkts: list[dict], captured: set[str]):
        """A frame seen leaving a bridge device was handed to the bridge, not delivered:
        it left only if a port saw it go (when the ports are captured).  -> (the
        sightings that count, what kept it: the bridge, its ports, the frame's MACs)."""
        kept = None
        for bridge in [x for x in seen if x in self.bridges]:
            ports = [p for p in self.bridges[bridge] if p in captured]
            if not ports or any(p in seen for p in ports):
                continue
            seen = [x for x in seen if x != bridge]
            frame = next(p for p in pkts if p["iface"] == bridge and p["direction"] == "out")
            came = next((p for p in pkts if p["iface"] == j.physin and p["direction"] == "in"), None)
            kept = {"bridge": bridge, "ports": ports, "mac": frame.get("mac_dst"),
                    "sender": came.get("mac_src") if came else None}
        return seen, kept


def _answered(journeys: list[Journey]) -> set[int]:
    """Requests a reply answered: an ARP who-has by an is-at for its address; others
    by a reply of the same conntrack flow (ICMP by its sequence number)."""
    out = set()
    for i, j in enumerate(journeys):
        if j.headers.get("arp_op") == "request":
            if any(r.headers.get("arp_op") == "reply" and r.headers.get("src") == j.headers.get("dst")
                   for r in journeys[i + 1:]):
                out.add(j.id)
            continue
        if j.direction != "request" or j.flow is None:
            continue
        for r in journeys[i + 1:]:
            if r.direction == "reply" and r.flow == j.flow and (
                    j.headers.get("proto") != "icmp"
                    or r.headers.get("icmp_seq") == j.headers.get("icmp_seq")):
                out.add(j.id)
                break
    return out
