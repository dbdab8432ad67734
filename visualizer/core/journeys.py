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
    last_verdict: tuple | None = None      # (verdict, where) of the last non-probe event
    last_nat_at: str | None = None
    last_ms: float = 0.0
    physin: str | None = None
    physout: str | None = None

    def add_hop(self, family: str, hook: str | None):
        if hook and (not self.path or self.path[-1] != [family, hook]):
            self.path.append([family, hook])

    def note_headers(self, h: dict, where_nat: str | None):
        """Record a header rewrite (NAT) seen between two hook dumps."""
        keys = ("src", "dst", "sport", "dport")
        if self.headers:
            for k in keys:
                old, new = self.headers.get(k), h.get(k)
                if old is not None and new is not None and old != new:
                    self.nat.append({"at": where_nat or "conntrack", "field": k, "old": old, "new": new,
                                     "source": "trace"})
        self.headers.update({k: v for k, v in h.items() if v is not None})

    def outcome(self) -> tuple[str, str | None]:
        if self.last_verdict and self.last_verdict[0] == "drop":
            return "dropped", self.last_verdict[1]
        hooks = {tuple(p) for p in self.path}
        if ("ip", "input") in hooks or ("bridge", "input") in hooks and ("ip", "forward") not in hooks:
            return ("local" if ("ip", "input") in hooks else "unknown"), None
        if hooks & {("ip", "postrouting"), ("bridge", "postrouting")}:
            return "delivered", None
        return "unknown", None

    def summary(self) -> dict:
        outcome, drop_at = self.outcome()
        return {"id": self.id, "direction": self.direction, "proto": self.headers.get("proto"),
                "summary": hdr.summary(self.headers), "outcome": outcome, "drop_at": drop_at,
                "flow": self.flow, "first_seq": self.first_seq, "events": self.events,
                "path": [list(p) for p in self.path], "nat": list(self.nat),
                "src": self.headers.get("src"), "dst": self.headers.get("dst")}


def _differs(a: tuple | None, b: tuple | None) -> bool:
    """Two complete packet identities that are not the same packet."""
    return a is not None and b is not None and None not in a and None not in b and a != b


class Journeys:
    """Assigns each event to a journey; keeps the journeys of one run."""

    def __init__(self):
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

    def summaries(self) -> list[dict]:
        return [j.summary() for j in self.all]
