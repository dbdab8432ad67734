"""Turn decoded kernel messages into typed events (``records.Event``).

``Tracker`` takes decoded nftables trace and NFLOG messages, in the order the
kernel sent them.  For each chain a traced packet enters, the kernel dumps
the packet *as it is there* (devices, headers after any NAT, conntrack) in
the first message of that chain: a rule's message, or, when no rule matched,
the chain's end marker (a "rule" message with no handle and verdict
continue).  That dump is the truth for every event of that chain and of the
user chains it jumps to; the next chain's dump replaces it whole, so nothing
seen at one chain leaks into another (raw runs before conntrack, and its
dump carries no ct state).

What the kernel does not say, the tracker works out and lists in
``Event.derived``: the bridge port of an ip event (nft trace carries no
physdev; it is taken from the same packet's last bridge event, for
interfaces the topology says are bridges), the hook of a user chain, and the
rule's text and position.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import codes, model
from . import headers as hdr
from .checked import Checker
from .explain import Explainer
from .journeys import Journeys, add_conntrack_nat
from .story import tell
from .records import FIELDS, HEADER_KEYS, Conntrack, Event, Ifaces, Packet, Verdict, Where
from .topology import Topology

__all__ = ["FIELDS", "Tracker", "RuleLookup", "format_event"]

NFLOG_HOOKS = {0: "prerouting", 1: "input", 2: "forward", 3: "output", 4: "postrouting"}
# A freshly upped bridge sends IGMP membership reports for a while; they are
# real but no lesson is about them, so they are left out of runs.
IGNORED_PROTOS = {"igmp"}
_NAT_TARGET = re.compile(r"-j (DNAT|SNAT|MASQUERADE|REDIRECT|NETMAP)\b|\b(dnat|snat|masquerade|redirect) ")
_JOURNEY_KEYS = ("src", "dst", "sport", "dport", "proto", "icmp_type", "icmp_seq", "icmp_id",
                 "arp_op", "arp_sha", "tcp_flags")


class RuleLookup:
    """What the tracker needs to know of the ruleset (see ``rules.RuleIndex``)."""

    def lookup(self, family, table, chain, handle):  # pragma: no cover - interface
        return None

    def chain_rules(self, family, table, chain) -> list[dict]:  # pragma: no cover - interface
        """The chain's rules in order: [{pos, handle, text, probe, origin, origin_msg}]."""
        return []

    def hook_of(self, family, table, chain) -> str | None:  # pragma: no cover - interface
        """The hook of an nft base chain not named after it (docker's ``filter-FORWARD``)."""
        return None


@dataclass
class ChainDump:
    """The kernel's dump of a packet at one chain: the truth for that chain's events."""

    ifaces: Ifaces
    packet: Packet
    ct: Conntrack
    headers: dict = field(default_factory=dict)   # everything decoded (identity keys too)


def _dump(m: dict, ifname) -> ChainDump:
    h = hdr.packet(m.get("ll_header"), m.get("network_header"), m.get("transport_header"))
    h.pop("ethertype", None)
    ct = Conntrack()
    if "ct_id" in m or "ct_state" in m:
        ct = Conntrack(ct_id=m.get("ct_id"),
                       ct_state=",".join(codes.ct_state_names(m.get("ct_state"))) or None,
                       ct_direction=codes.CT_DIRECTIONS.get(m.get("ct_direction")),
                       ct_status=codes.ct_status_names(m.get("ct_status")))
    return ChainDump(ifaces=Ifaces(iif=ifname(m.get("iif")), oif=ifname(m.get("oif"))),
                     packet=Packet(**{k: h.get(k) for k in HEADER_KEYS}), ct=ct, headers=h)


def _carries_packet(m: dict) -> bool:
    return any(k in m for k in ("network_header", "ll_header", "iif", "oif"))


class Tracker:
    """Builds events and journeys for one run."""

    def __init__(self, ifnames: dict[int, str], rules: RuleLookup | None = None,
                 t0: float = 0.0, topology: Topology | dict | None = None):
        self.ifnames = ifnames
        self.rules = rules or RuleLookup()
        self.t0 = t0
        self.topology = Topology.from_dict(topology) if topology else Topology()
        self.seq = 0
        self.hidden: dict[str, int] = {}        # proto -> kernel messages left out (IGNORED_PROTOS)
        self.journeys = Journeys({b.name: tuple(ln.end.name for ln in self.topology.ports(b.name))
                                  for b in self.topology.bridges_in("host")})
        self.explainer = Explainer(self.topology, self.journeys)   # every event in words
        self.checker = Checker(self.rules, self.topology)   # checked, not matched
        self._at: dict[int, ChainDump] = {}      # trace id -> the dump of its current chain
        self._hook: dict[tuple, tuple] = {}     # (trace id, family) -> (hook, base chain)

    def _hide(self, proto: str) -> None:
        """Leave a message of an ignored protocol out, counted: the result says how
        many (``hidden``), so nothing the kernel reported goes unmentioned."""
        self.hidden[proto] = self.hidden.get(proto, 0) + 1

    def _ifname(self, index):
        if index is None:
            return None
        return self.ifnames.get(index, f"if{index}")

    # -- trace messages ------------------------------------------------------
    def on_trace(self, m: dict, now: float) -> Event | None:
        """One decoded NFT_MSG_TRACE -> an event, or None (a base chain's end marker,
        whose dump goes to the policy event that follows it)."""
        tid = m.get("id")
        family = codes.NFPROTO.get(m.get("nfproto", m.get("nfgen_family")), "?")
        table, chain = m.get("table"), m.get("chain")
        ttype = codes.TRACE_TYPES.get(m.get("type"), "rule")
        handle = m.get("rule_handle")
        verdict_code = m.get("verdict_code")
        hook, base = self._hook_for(tid, family, chain, table)
        fresh = _carries_packet(m)
        if fresh:
            self._at[tid] = _dump(m, self._ifname)
        at = self._at.get(tid) or ChainDump(Ifaces(), Packet(), Conntrack())
        if at.packet.proto in IGNORED_PROTOS:
            return self._hide(at.packet.proto)
        t_ms = (now - self.t0) * 1000.0
        j = self.journeys.for_trace(tid, at.headers, self.seq, t_ms,
                                    fresh and "network_header" in m)
        if fresh and family == "bridge":
            j.physin = at.ifaces.iif or j.physin
            j.physout = at.ifaces.oif or j.physout
        if fresh and at.headers:
            j.note_headers({k: at.headers.get(k) for k in _JOURNEY_KEYS}, j.last_nat_at)
        end_marker = ttype == "rule" and handle is None and verdict_code == -1
        if end_marker:
            if base == chain or model.hook_of(family, chain):
                return None
            ttype, verdict_code = "return", -5
        if ttype == "policy":
            verdict = codes.VERDICTS.get(m.get("policy"), str(m.get("policy")))
        elif ttype == "return":
            verdict = "return"
        else:
            verdict = codes.VERDICTS.get(verdict_code, str(verdict_code))
        info = self.rules.lookup(family, table, chain, handle) if handle is not None else None
        v = Verdict(type=ttype, verdict=verdict, target=m.get("verdict_chain"),
                    rule_handle=handle, probe=table == model.TRACE_TABLE)
        # The kernel said only "end of this user chain" (no rule, continue): that
        # the packet returns to the calling chain is our reading of it.
        derived = ["type", "verdict"] if end_marker else []
        if info:
            v.rule, v.rule_pos, v.probe = info["text"], info["pos"], bool(info["probe"] or v.probe)
            derived += ["rule", "rule_pos"]
        if hook and base != chain:
            derived.append("hook")
        ifaces = Ifaces(iif=at.ifaces.iif, oif=at.ifaces.oif)
        if family == "ip":
            if self.topology.role(ifaces.iif) == "bridge" and j.physin:
                ifaces.physin = j.physin
                derived.append("physin")
            if self.topology.role(ifaces.oif) == "bridge" and j.physout:
                ifaces.physout = j.physout
                derived.append("physout")
        ev = Event(where=Where(source="nftrace", family=family, table=table, chain=chain,
                               hook=hook, base_chain=base, trace_id=tid),
                   verdict=v, ifaces=ifaces, packet=at.packet, ct=at.ct, journey=j.id,
                   t_ms=round(t_ms, 3), derived=tuple(derived))
        self._track(j, ev)
        return self._finish(ev)

    # -- NFLOG messages ------------------------------------------------------
    def on_nflog(self, m: dict, now: float) -> Event | None:
        """One decoded NFLOG packet (e.g. ebtables ``--nflog-group``) -> a log event.
        Every device in it, the bridge ports included, is the kernel's."""
        h = hdr.packet(m.get("hwheader"), m.get("payload"))
        if h.get("proto") in IGNORED_PROTOS:
            return self._hide(h["proto"])
        t_ms = (now - self.t0) * 1000.0
        j = self.journeys.for_packet(h, self.seq, t_ms)
        prefix = (m.get("prefix") or "").strip()
        family = "bridge" if m.get("nfgen_family") == 7 else "ip"
        parts = prefix.replace("/", ":").split(":")
        table = parts[1] if len(parts) >= 3 else None
        chain = parts[2] if len(parts) >= 3 else None
        ev = Event(
            where=Where(source="nflog", family=family, table=table, chain=chain,
                        hook=NFLOG_HOOKS.get(m.get("hook")), base_chain=chain),
            verdict=Verdict(type="log", verdict="log", prefix=prefix, probe=False),
            ifaces=Ifaces(iif=self._ifname(m.get("ifindex_indev")),
                          oif=self._ifname(m.get("ifindex_outdev")),
                          physin=self._ifname(m.get("ifindex_physindev")),
                          physout=self._ifname(m.get("ifindex_physoutdev"))),
            packet=Packet(**{k: h.get(k) for k in HEADER_KEYS}), journey=j.id,
            t_ms=round(t_ms, 3), derived=("table", "chain") if table else ())
        j.events += 1
        if not j.headers:
            j.note_headers(h, None)
        return self._finish(ev)

    def summaries(self, captures: dict | None = None, conntrack: list | None = None) -> list[dict]:
        """The run's journeys (``Journeys.summaries``), with the NAT only the conntrack
        table shows (``add_conntrack_nat``) and each journey's story (``story.tell``)."""
        journeys = self.journeys.summaries(captures)
        if conntrack is not None:
            add_conntrack_nat(journeys, conntrack)
        tell(journeys, self.explainer, conntrack or [])
        return journeys

    # -- helpers -------------------------------------------------------------
    def _hook_for(self, tid, family, chain, table=None):
        named = getattr(self.rules, "hook_of", None)     # a test's lookup may lack it
        hook = model.hook_of(family, chain or "") or (named and named(family, table, chain))
        if hook:
            self._hook[(tid, family)] = (hook, chain)
            return hook, chain
        return self._hook.get((tid, family), (None, None))

    def _track(self, j, ev: Event):
        w, v = ev.where, ev.verdict
        if ev.ct.ct_id:
            j.flow = ev.ct.ct_id
            if ev.ct.ct_direction == "reply":
                j.direction = "reply"
        j.events += 1
        j.add_hop(w.family, w.hook)
        if w.family == "bridge" and w.hook in ("forward", "output"):
            j.note_port(ev.ifaces.oif, ev.packet.mac_dst)
        if not v.probe:
            j.note_event(w, v, ev.ifaces)
        if w.table == "nat" and not v.probe and _NAT_TARGET.search(v.rule or ""):
            j.last_nat_at = f"{w.family} nat {w.base_chain or w.chain}"

    def _finish(self, ev: Event) -> Event:
        ev.seq = self.seq
        self.seq += 1
        self.checker.mark(ev)           # the rule's origin, the rules checked before it
        self.explainer.explain(ev)
        ev.wire = ev.flat()
        ev.text = ev.wire["text"] = format_event(ev.wire)
        return ev


def format_event(ev: dict) -> str:
    """A seed-style line: ``ip filter FORWARD rule 3 accept IN=docker0 ... CT=new``."""
    if ev["type"] == "log":
        head = f'{ev["family"]} log "{ev["prefix"]}"'
    else:
        head = f'{ev["family"]} {ev["table"]} {ev["chain"]}'
        if ev["type"] == "rule":
            head += f' rule {ev["rule_pos"] if ev["rule_pos"] is not None else "?"} {ev["verdict"]}'
            if ev["target"]:
                head += f' {ev["target"]}'
        elif ev["type"] == "policy":
            head += f' policy {ev["verdict"]}'
        else:
            head += " return"
    parts = [head, f'IN={ev["iif"] or ""}', f'OUT={ev["oif"] or ""}']
    if ev["physin"]:
        parts.append(f'PHYSIN={ev["physin"]}')
    if ev["physout"]:
        parts.append(f'PHYSOUT={ev["physout"]}')
    if ev["mac_src"] and ev["family"] == "bridge":
        parts.append(f'MACSRC={ev["mac_src"]} MACDST={ev["mac_dst"]}')
    if ev["src"]:
        parts.append(f'SRC={ev["src"]} DST={ev["dst"]}')
    if ev["ip_id"] is not None:
        parts.append(f'TTL={ev["ttl"]} ID={ev["ip_id"]}')
    if ev["proto"]:
        parts.append(f'PROTO={ev["proto"].upper()}')
    if ev["proto"] == "icmp" and ev["icmp_type"] is not None:
        parts.append(f'TYPE={ev["icmp_type"]} CODE={ev["icmp_code"]}')
        if ev["icmp_id"] is not None:
            parts.append(f'ID={ev["icmp_id"]} SEQ={ev["icmp_seq"]}')
    if ev["sport"] is not None:
        parts.append(f'SPT={ev["sport"]} DPT={ev["dport"]}')
    if ev["tcp_flags"]:
        parts.append(ev["tcp_flags"].replace(",", " "))
    if ev["ct_state"]:
        parts.append(f'CT={ev["ct_state"]}')
        if ev["ct_direction"]:
            parts.append(f'CTDIR={ev["ct_direction"].upper()}')
    return " ".join(parts)
