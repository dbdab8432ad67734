"""The sandbox's conntrack table, from the kernel's conntrack events.

The host namespace's socket on the conntrack event groups (opened with the
sandbox) hears every entry made, changed or destroyed, with the attributes a
table dump gives (tuples, status, protocol state, id; the timeout as of the
entry's last event).  A dump walks the kernel's one hash table of every
namespace (262,144 buckets here): when a room's runs end together, their dumps
were a tenth of the machine.  The dump stays for a socket that overflowed.
"""
from __future__ import annotations

import errno
import socket

from pyroute2 import Conntrack
from pyroute2.conntrack import ConntrackEntry
from pyroute2.netlink.nfnetlink.nfctsocket import IPCTNL_MSG_CT_DELETE, nfct_msg

from ..core.events import IGNORED_PROTOS
from . import netlink, netns

PROTO_NAMES = {socket.IPPROTO_ICMP: "icmp", socket.IPPROTO_TCP: "tcp", socket.IPPROTO_UDP: "udp",
               socket.IPPROTO_IGMP: "igmp"}


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
            "nat": "; ".join(nat) or None,
            # a flow whose packets the run leaves out of its hops (events.IGNORED_PROTOS)
            "hidden": PROTO_NAMES.get(e.tuple_orig.proto) in IGNORED_PROTOS}


CT_ATTRS = ("CTA_TUPLE_ORIG", "CTA_TUPLE_REPLY", "CTA_STATUS", "CTA_TIMEOUT",
            "CTA_PROTOINFO", "CTA_MARK", "CTA_ID", "CTA_USE", "CTA_ZONE")


def from_events(sock: socket.socket) -> list[dict] | None:
    """The table the events waiting on ``sock`` describe (entries in the order they
    were made); None if the socket overflowed and events were lost."""
    table: dict[int, tuple[int, dict]] = {}
    while True:
        try:
            data = sock.recv(1 << 16)
        except (BlockingIOError, InterruptedError):
            break
        except OSError as e:
            if e.errno == errno.ENOBUFS:
                return None
            raise
        for mtype, raw in netlink.split(data):
            if mtype >> 8 != netlink.NFNL_SUBSYS_CTNETLINK:
                continue
            msg = nfct_msg(raw)
            msg.decode()
            attrs = {k: msg.get_attr(k) for k in CT_ATTRS}
            cid = attrs["CTA_ID"]
            if mtype & 0xFF == IPCTNL_MSG_CT_DELETE:
                table.pop(cid, None)
                continue
            family, seen = table.get(cid, (msg["nfgen_family"], {}))
            seen.update({k: v for k, v in attrs.items() if v is not None})   # an update adds
            table[cid] = (family, seen)
    return [entry_dict(ConntrackEntry(family, *(a.get(k) for k in CT_ATTRS)))
            for family, a in table.values()]


def read(netns_name: str, events: socket.socket | None = None) -> list[dict]:
    """Every conntrack entry in ``netns_name`` (sync; call from a worker thread):
    from the sandbox's conntrack ``events`` socket, or by a dump.

    The socket is opened by a thread inside the namespace, not by pyroute2's
    ``netns=``, which forks this (large) process for every socket: a room whose
    runs end together would fork the lab once a run."""
    if events is not None:
        table = from_events(events)
        if table is not None:
            return table

    def dump():
        ct = Conntrack()
        try:
            return [entry_dict(e) for e in ct.dump_entries()]
        finally:
            ct.close()
    return netns.in_netns(netns_name, dump)
