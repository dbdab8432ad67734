"""Read the sandbox's conntrack table from the kernel with pyroute2."""
from __future__ import annotations

import socket

from pyroute2 import Conntrack

from . import netlink, netns

PROTO_NAMES = {socket.IPPROTO_ICMP: "icmp", socket.IPPROTO_TCP: "tcp", socket.IPPROTO_UDP: "udp"}


def _tuple(t) -> dict:
    return {"src": t.saddr, "dst": t.daddr, "sport": t.sport, "dport": t.dport}


def entry_dict(e) -> dict:
    """A ConntrackEntry as plain data, with the NAT it implies."""
    orig, reply = _tuple(e.tuple_orig), _tuple(e.tuple_reply)
    status = netlink.ct_status_names(e.status or 0)
    nat = []
    if reply["dst"] != orig["src"] or (orig["sport"] and reply["dport"] != orig["sport"]):
        nat.append(f"SNAT {orig['src']} -> {reply['dst']}")
    if reply["src"] != orig["dst"] or (orig["dport"] and reply["sport"] != orig["dport"]):
        nat.append(f"DNAT {orig['dst']}:{orig['dport'] or ''} -> {reply['src']}:{reply['sport'] or ''}"
                   .replace(": ->", " ->").rstrip(":"))
    state = None
    if e.protoinfo is not None:
        state = e.protoinfo.state_name()
    return {"id": e.id, "proto": PROTO_NAMES.get(e.tuple_orig.proto, str(e.tuple_orig.proto)),
            "state": state or ("ASSURED" if "assured" in status else
                               "REPLIED" if "seen_reply" in status else "UNREPLIED"),
            "timeout": e.timeout, "orig": orig, "reply": reply, "status": status,
            "nat": "; ".join(nat) or None}


def read(netns_name: str) -> list[dict]:
    """Every conntrack entry in ``netns_name`` (sync; call from a worker thread).

    The socket is opened by a thread inside the namespace, not by pyroute2's
    ``netns=``, which forks this (large) process for every socket: a room whose
    runs end together would fork the lab once a run."""
    def dump():
        ct = Conntrack()
        try:
            return [entry_dict(e) for e in ct.dump_entries()]
        finally:
            ct.close()
    return netns.in_netns(netns_name, dump)
