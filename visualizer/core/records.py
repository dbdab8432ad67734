"""Typed event records: one event is made of sections, as retis builds its events.

The kernel side hands the tracker decoded messages; the tracker builds an
``Event`` whose sections say where it happened (``Where``), what the rule
did (``Verdict``), the devices (``Ifaces``), the headers (``Packet``) and
conntrack (``Conntrack``).  Every value in a section is the kernel's value at
that chain, except the names listed in ``Event.derived``: those were worked
out by the engine (e.g. a bridge port copied onto an ip event, since nft
trace carries no physdev) and the UI shows them as such.

``Event.flat()`` is the documented wire form (``docs/engine-api.md``): one
flat dict with the keys in ``FIELDS``, plus ``derived``.  Fields are only
ever added to it, never renamed or nested.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields


@dataclass(slots=True)
class Where:
    source: str | None = None        # "nftrace" | "nflog"
    family: str | None = None
    table: str | None = None
    chain: str | None = None
    hook: str | None = None
    base_chain: str | None = None
    trace_id: int | None = None


@dataclass(slots=True)
class Verdict:
    type: str | None = None          # rule | policy | return | log
    verdict: str | None = None
    target: str | None = None
    rule: str | None = None
    rule_pos: int | None = None
    rule_handle: int | None = None
    probe: bool = False
    prefix: str | None = None


@dataclass(slots=True)
class Ifaces:
    iif: str | None = None
    oif: str | None = None
    physin: str | None = None
    physout: str | None = None


@dataclass(slots=True)
class Packet:
    mac_src: str | None = None
    mac_dst: str | None = None
    src: str | None = None
    dst: str | None = None
    proto: str | None = None
    sport: int | None = None
    dport: int | None = None
    icmp_type: int | None = None
    icmp_code: int | None = None
    icmp_id: int | None = None
    icmp_seq: int | None = None
    ip_id: int | None = None
    ttl: int | None = None
    tcp_flags: str | None = None


@dataclass(slots=True)
class Conntrack:
    ct_id: int | None = None
    ct_state: str | None = None
    ct_direction: str | None = None
    ct_status: list | None = None


HEADER_KEYS = tuple(f.name for f in fields(Packet))
CT_KEYS = tuple(f.name for f in fields(Conntrack))
IFACE_KEYS = tuple(f.name for f in fields(Ifaces))
_WHERE = tuple(f.name for f in fields(Where))
_VERDICT = tuple(f.name for f in fields(Verdict))
# The wire order of the flat event (docs/engine-api.md).  Never rename; only add.
FIELDS = ("journey", "seq", "t_ms", "source", "family", "table", "chain", "hook", "base_chain",
          "type", "verdict", "target", "rule", "rule_pos", "rule_handle", "probe", "iif", "oif",
          "physin", "physout", "mac_src", "mac_dst", "src", "dst", "proto", "sport", "dport",
          "icmp_type", "icmp_code", "icmp_id", "icmp_seq", "ip_id", "ttl", "tcp_flags",
          "ct_id", "ct_state", "ct_direction", "ct_status", "trace_id", "prefix", "text",
          "derived", "explain", "explain_msgs", "checked", "origin", "origin_msg")


@dataclass(slots=True)
class Event:
    where: Where
    verdict: Verdict
    ifaces: Ifaces = field(default_factory=Ifaces)
    packet: Packet = field(default_factory=Packet)
    ct: Conntrack = field(default_factory=Conntrack)
    journey: int | None = None
    seq: int | None = None
    t_ms: float | None = None
    derived: tuple[str, ...] = ()    # names of fields the engine worked out
    text: str = ""
    # What the engine says of the event, from the run's evidence (core/explain.py,
    # core/checked.py): every sentence a catalogue message (core/phrases.py).
    explain: str | None = None               # the hop's explanation, rendered
    explain_msgs: list = field(default_factory=list)    # [{id, args}] of the same
    checked: list = field(default_factory=list)   # [{pos, rule, why, why_msg}]: checked, no match
    origin: str | None = None                # what created the rule, rendered
    origin_msg: dict | None = None           # {id, args} of the same
    wire: dict | None = field(default=None, repr=False, compare=False)   # flat(), once built

    def flat(self) -> dict:
        """The wire form.  Read field by field (``dataclasses.asdict`` deep-copies and
        costs several times more: the lab flattens every event of a busy room)."""
        out = dict.fromkeys(FIELDS)
        for sec, names in ((self.where, _WHERE), (self.verdict, _VERDICT), (self.ifaces, IFACE_KEYS),
                           (self.packet, HEADER_KEYS), (self.ct, CT_KEYS)):
            for name in names:
                out[name] = getattr(sec, name)
        if out["ct_status"] is not None:
            out["ct_status"] = list(out["ct_status"])
        out.update(journey=self.journey, seq=self.seq, t_ms=self.t_ms, text=self.text,
                   derived=list(self.derived), explain=self.explain,
                   explain_msgs=list(self.explain_msgs), checked=list(self.checked),
                   origin=self.origin, origin_msg=self.origin_msg)
        return out
