"""Turn decoded kernel messages into the events the product shows.

``Tracker`` takes decoded nftables trace and NFLOG messages, in the order
the kernel sent them, and returns flat event dicts (the CLI's ``--json``
and the websocket's ``trace.event``).  It fills in what one message lacks:
headers are dumped only once per hook, so later messages of the same trace
inherit them; a user-defined chain gets the hook of the base chain that
jumped to it; the rule handle becomes the rule's text and position.
"""
from __future__ import annotations

import re

from . import headers as hdr
from . import codes, model
from .journeys import Journeys

FIELDS = ("journey", "seq", "t_ms", "source", "family", "table", "chain", "hook", "base_chain",
          "type", "verdict", "target", "rule", "rule_pos", "rule_handle", "probe", "iif", "oif",
          "physin", "physout", "mac_src", "mac_dst", "src", "dst", "proto", "sport", "dport",
          "icmp_type", "icmp_code", "icmp_id", "icmp_seq", "ip_id", "ttl", "tcp_flags",
          "ct_id", "ct_state", "ct_direction", "ct_status", "trace_id", "prefix", "text")
HEADER_KEYS = ("mac_src", "mac_dst", "src", "dst", "proto", "sport", "dport", "icmp_type",
               "icmp_code", "icmp_id", "icmp_seq", "ip_id", "ttl", "tcp_flags")
NFLOG_HOOKS = {0: "prerouting", 1: "input", 2: "forward", 3: "output", 4: "postrouting"}
# A freshly upped bridge sends IGMP membership reports for a while; they are
# real but no lesson is about them, so they are left out of runs.
IGNORED_PROTOS = {"igmp"}


_NAT_TARGET = re.compile(r"-j (DNAT|SNAT|MASQUERADE|REDIRECT|NETMAP)\b|\b(dnat|snat|masquerade|redirect) ")


class RuleLookup:
    """What the tracker needs to know of the ruleset (see ``rules.RuleIndex``)."""

    def lookup(self, family, table, chain, handle):  # pragma: no cover - interface
        return None


class Tracker:
    """Builds events and journeys for one run."""

    def __init__(self, ifnames: dict[int, str], rules: RuleLookup | None = None,
                 t0: float = 0.0):
        self.ifnames = ifnames
        self.rules = rules or RuleLookup()
        self.t0 = t0
        self.seq = 0
        self.journeys = Journeys()
        self._headers: dict[int, dict] = {}     # trace id -> last headers
        self._hook: dict[tuple, tuple] = {}     # (trace id, family) -> (hook, base chain)
        self._ct: dict[int, dict] = {}          # trace id -> last ct fields
        self._ifs: dict[tuple, tuple] = {}      # (trace id, family, hook) -> (iif, oif)

    def _ifname(self, index):
        if index is None:
            return None
        return self.ifnames.get(index, f"if{index}")

    def on_trace(self, m: dict, now: float) -> dict | None:
        """One decoded NFT_MSG_TRACE -> an event, or None for noise."""
        tid = m.get("id")
        family = codes.NFPROTO.get(m.get("nfproto", m.get("nfgen_family")), "?")
        table, chain = m.get("table"), m.get("chain")
        ttype = codes.TRACE_TYPES.get(m.get("type"), "rule")
        handle = m.get("rule_handle")
        verdict_code = m.get("verdict_code")
        # The kernel's end-of-rules marker: no handle, verdict continue.
        hook, base = self._hook_for(tid, family, chain)
        if ttype == "rule" and handle is None and verdict_code == -1:
            if base == chain or model.hook_of(family, chain):
                return None
            ttype, verdict_code = "return", -5
        h = self._headers_for(tid, m)
        if h.get("proto") in IGNORED_PROTOS:
            return None
        ct = self._ct_for(tid, m)
        t_ms = (now - self.t0) * 1000.0
        fresh = "network_header" in m or "ll_header" in m
        j = self.journeys.for_trace(tid, h, self.seq, t_ms, fresh)
        if ttype == "policy":
            verdict = codes.VERDICTS.get(m.get("policy"), str(m.get("policy")))
        elif ttype == "return":
            verdict = "return"
        else:
            verdict = codes.VERDICTS.get(verdict_code, str(verdict_code))
        info = self.rules.lookup(family, table, chain, handle) if handle is not None else None
        ev = dict.fromkeys(FIELDS)
        ev.update(
            source="nftrace", family=family, table=table, chain=chain, hook=hook,
            base_chain=base, type=ttype, verdict=verdict, target=m.get("verdict_chain"),
            rule_handle=handle, trace_id=tid, t_ms=round(t_ms, 3),
            iif=self._ifname(m.get("iif")), oif=self._ifname(m.get("oif")),
        )
        key = (tid, family, hook)
        if "iif" in m or "oif" in m:
            self._ifs[key] = (ev["iif"], ev["oif"])
        else:
            ev["iif"], ev["oif"] = self._ifs.get(key, (None, None))
        if info:
            ev.update(rule=info["text"], rule_pos=info["pos"], probe=info["probe"])
        ev["probe"] = bool(ev["probe"] or table == model.TRACE_TABLE)
        self._fill(ev, h, ct, j)
        if "iif" in m or "oif" in m:
            if family == "bridge":
                j.physin = ev["iif"] or j.physin
                j.physout = ev["oif"] or j.physout
        if family == "ip" and ev["iif"] and self._bridge_port(ev["iif"]):
            ev["physin"] = j.physin
        if family == "ip" and ev["oif"] and self._bridge_port(ev["oif"]):
            ev["physout"] = j.physout
        self._track(j, ev, h)
        return self._finish(ev, j)

    def on_nflog(self, m: dict, now: float) -> dict | None:
        """One decoded NFLOG packet (e.g. ebtables ``--nflog-group``) -> a log event."""
        h = hdr.packet(m.get("hwheader"), m.get("payload"))
        if h.get("proto") in IGNORED_PROTOS:
            return None
        t_ms = (now - self.t0) * 1000.0
        j = self.journeys.for_packet(h, self.seq, t_ms)
        prefix = (m.get("prefix") or "").strip()
        family = "bridge" if m.get("nfgen_family") == 7 else "ip"
        parts = prefix.replace("/", ":").split(":")
        table = parts[1] if len(parts) >= 3 else None
        chain = parts[2] if len(parts) >= 3 else None
        ev = dict.fromkeys(FIELDS)
        ev.update(source="nflog", family=family, table=table, chain=chain,
                  hook=NFLOG_HOOKS.get(m.get("hook")), base_chain=chain, type="log",
                  verdict="log", prefix=prefix, t_ms=round(t_ms, 3), probe=False,
                  iif=self._ifname(m.get("ifindex_indev")), oif=self._ifname(m.get("ifindex_outdev")),
                  physin=self._ifname(m.get("ifindex_physindev")),
                  physout=self._ifname(m.get("ifindex_physoutdev")))
        self._fill(ev, h, {}, j)
        j.events += 1
        if not j.headers:
            j.note_headers(h, None)
        return self._finish(ev, j)

    # -- helpers -----------------------------------------------------------
    def _bridge_port(self, name: str) -> bool:
        return not name.startswith(("veth", "eth"))

    def _hook_for(self, tid, family, chain):
        hook = model.hook_of(family, chain or "")
        if hook:
            self._hook[(tid, family)] = (hook, chain)
            return hook, chain
        return self._hook.get((tid, family), (None, None))

    def _headers_for(self, tid, m) -> dict:
        if "network_header" in m or "ll_header" in m:
            h = hdr.packet(m.get("ll_header"), m.get("network_header"), m.get("transport_header"))
            h.pop("ethertype", None)
            prev = self._headers.get(tid, {})
            if "mac_src" not in h and prev.get("mac_src"):
                h["mac_src"], h["mac_dst"] = prev["mac_src"], prev["mac_dst"]
            self._headers[tid] = h
            return h
        return self._headers.get(tid, {})

    def _ct_for(self, tid, m) -> dict:
        if "ct_id" in m or "ct_state" in m:
            ct = {"ct_id": m.get("ct_id"),
                  "ct_state": ",".join(codes.ct_state_names(m.get("ct_state"))) or None,
                  "ct_direction": {0: "original", 1: "reply"}.get(m.get("ct_direction")),
                  "ct_status": codes.ct_status_names(m.get("ct_status"))}
            self._ct[tid] = ct
            return ct
        return self._ct.get(tid, {})

    def _fill(self, ev, h, ct, j):
        for k in HEADER_KEYS:
            if h.get(k) is not None:
                ev[k] = h[k]
        ev.update({k: v for k, v in ct.items() if v is not None})
        if ct.get("ct_id"):
            j.flow = ct["ct_id"]
            if ct.get("ct_direction") == "reply":
                j.direction = "reply"
        ev["journey"] = j.id

    def _track(self, j, ev, h):
        j.events += 1
        j.add_hop(ev["family"], ev["hook"])
        if h:
            where = j.last_nat_at
            j.note_headers({k: h.get(k) for k in ("src", "dst", "sport", "dport", "proto",
                                                 "icmp_type", "icmp_seq", "icmp_id", "arp_op",
                                                 "arp_sha", "tcp_flags")}, where)
        if ev["table"] == "nat" and not ev["probe"] and _NAT_TARGET.search(ev["rule"] or ""):
            j.last_nat_at = f"{ev['family']} nat {ev['base_chain'] or ev['chain']}"
        if not ev["probe"] and ev["verdict"] in ("accept", "drop"):
            j.last_verdict = (ev["verdict"], f"{ev['family']} {ev['table']} {ev['base_chain'] or ev['chain']}")

    def _finish(self, ev, j) -> dict:
        ev["seq"] = self.seq
        self.seq += 1
        ev["text"] = format_event(ev)
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
