"""What a run asks rtnetlink about a sandbox: its links' state and its neighbours.

Each namespace keeps one query socket, born in it (``Sandbox.rtnl_sock``), so a
query needs neither a thread of its own nor setns.  Requests are pyroute2's
message classes; replies are read with ``struct`` (``netlink.walk_attrs``), as
the trace decoder's fast path is: pyroute2's ``ifinfmsg`` decodes every
attribute of a link, ~0.6 ms a link, and a burst of 100 runs spent over a second
of the lab's loop there.  A test checks both decoders agree on captured replies.
"""
from __future__ import annotations

import socket
import struct

from pyroute2.netlink import NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST, NLMSG_DONE, NLMSG_ERROR
from pyroute2.netlink.rtnl import RTM_DELNEIGH, RTM_GETLINK, RTM_GETNEIGH, RTM_NEWLINK, RTM_NEWNEIGH
from pyroute2.netlink.rtnl.ifinfmsg import ifinfmsg
from pyroute2.netlink.rtnl.ndmsg import ndmsg

from . import netlink

NUD_INCOMPLETE, NUD_NOARP, NUD_PERMANENT = 0x01, 0x40, 0x80
IFLA_IFNAME, IFLA_OPERSTATE, IFLA_STATS64, IFLA_CARRIER = 3, 16, 23, 33
NDA_DST, NDA_PROBES = 1, 4
OPERSTATES = ("UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN", "TESTING", "DORMANT", "UP")
_IFINFO = struct.Struct("=BxHiII")     # family, type, index, flags, change
_NDMSG = struct.Struct("=BxxxiHBB")    # family, ifindex, state, flags, type
_U32 = struct.Struct("=I")
_TX_DROPPED = struct.Struct("=Q")      # rtnl_link_stats64's 8th field
TX_DROPPED_AT = 7 * 8


def _drain(sock: socket.socket):
    """Drop replies a failed earlier query left on a long-lived socket."""
    try:
        while sock.recv(1 << 16, socket.MSG_DONTWAIT):
            pass
    except (BlockingIOError, InterruptedError):
        pass


def dump(sock: socket.socket, req, reply_type: int):
    """Send a dump request; yield each raw reply of ``reply_type``."""
    req["header"]["flags"] = NLM_F_REQUEST | NLM_F_DUMP
    req["header"]["sequence_number"] = 1
    req.encode()
    _drain(sock)
    sock.send(req.data)
    done = False
    while not done:
        for mtype, raw in netlink.split(sock.recv(1 << 16)):
            if mtype in (NLMSG_DONE, NLMSG_ERROR):
                done = True
            elif mtype == reply_type:
                yield raw


def link_state(raw: bytes) -> tuple[str, dict]:
    """One RTM_NEWLINK: (ifname, {carrier, operstate, tx_dropped})."""
    name, out = None, {"carrier": False, "operstate": None, "tx_dropped": 0}
    for atype, a, b in netlink.walk_attrs(raw, 16 + _IFINFO.size, len(raw)):
        if atype == IFLA_IFNAME:
            name = raw[a:b].split(b"\0", 1)[0].decode()
        elif atype == IFLA_CARRIER:
            out["carrier"] = bool(raw[a])
        elif atype == IFLA_OPERSTATE:
            out["operstate"] = OPERSTATES[raw[a]] if raw[a] < len(OPERSTATES) else str(raw[a])
        elif atype == IFLA_STATS64 and b - a >= TX_DROPPED_AT + 8:
            out["tx_dropped"] = _TX_DROPPED.unpack_from(raw, a + TX_DROPPED_AT)[0]
    return name, out


def link_states(sock: socket.socket) -> dict[str, dict]:
    """Each interface's carrier, operstate and transmit drops, as the kernel counts
    them: a bridge with no port has no carrier (once its MAC is set, as docker and
    the sandbox do), and what it is asked to send is dropped before any capture."""
    req = ifinfmsg()
    req["header"]["type"] = RTM_GETLINK
    return dict(link_state(raw) for raw in dump(sock, req, RTM_NEWLINK))


def neighbour(raw: bytes) -> dict:
    """One RTM_NEWNEIGH: family, ifindex, state, and its NDA_DST and NDA_PROBES bytes."""
    family, ifindex, state, _flags, _type = _NDMSG.unpack_from(raw, 16)
    out = {"family": family, "ifindex": ifindex, "state": state, "dst": None, "probes": 0}
    for atype, a, b in netlink.walk_attrs(raw, 16 + _NDMSG.size, len(raw)):
        if atype == NDA_DST:
            out["dst"] = raw[a:b]
        elif atype == NDA_PROBES:
            out["probes"] = _U32.unpack_from(raw, a)[0]
    return out


def neighbours(sock: socket.socket) -> list[dict]:
    """The namespace's IPv4 neighbour entries (the sandboxes run no IPv6).  Asking
    for one family spares the kernel a walk of the other tables: each holds the
    entries of every namespace on the machine."""
    req = ndmsg()
    req["header"]["type"], req["family"] = RTM_GETNEIGH, socket.AF_INET
    return [neighbour(raw) for raw in dump(sock, req, RTM_NEWNEIGH)]


def incomplete(sock: socket.socket) -> list[tuple[int, int]]:
    """The entries being resolved (INCOMPLETE): (ifindex, NDA_PROBES, the requests
    sent so far).  Nearly always none."""
    return [(n["ifindex"], n["probes"]) for n in neighbours(sock) if n["state"] & NUD_INCOMPLETE]


def _neigh_parm(ifname: str, name: str, default: int) -> int:
    """A neighbour parameter of one interface, from the calling thread's namespace's
    /proc/sys (``/proc/sys/net`` follows the reading thread's netns)."""
    try:
        with open(f"/proc/sys/net/ipv4/neigh/{ifname}/{name}") as f:
            return int(f.read())
    except (OSError, ValueError):
        return default


def probes_left(entries: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The ARP requests the kernel will still send for ``incomplete``'s entries:
    (probes left, ms between two).  The kernel starts an entry's count at
    ucast_solicit, sends one broadcast request every retrans_time_ms and gives up
    (FAILED) at ucast_solicit + app_solicit + mcast_solicit (NDA_PROBES is that
    count).  Call it in the namespace's own thread (the interface names and the
    parameters are read from its /proc/sys)."""
    out = []
    for ifindex, sent in entries:
        try:
            dev = socket.if_indextoname(ifindex)
        except OSError:
            continue
        most = sum(_neigh_parm(dev, k, d) for k, d in
                   (("ucast_solicit", 3), ("app_solicit", 0), ("mcast_solicit", 3)))
        left = most - sent
        if left > 0:
            out.append((left, _neigh_parm(dev, "retrans_time_ms", 1000)))
    return out


def forget_neighbours(sock: socket.socket) -> int:
    """Delete the neighbour entries the namespace has learnt; returns how many.

    The kernel keeps one neighbour table for every network namespace of the machine,
    and past ``gc_thresh3`` (1,024 by default, a host setting we never touch) it
    refuses new entries: a thousand held sandboxes each keeping the entries of
    their last run filled it, and later runs' pings failed.  A held sandbox needs
    none of them (a re-run builds a fresh one), so a run's entries go with it."""
    out = []
    for n in neighbours(sock):
        if n["state"] & (NUD_PERMANENT | NUD_NOARP) or not n["dst"]:
            continue
        d = ndmsg()
        d["family"], d["ifindex"] = n["family"], n["ifindex"]
        d["attrs"] = [("NDA_DST", socket.inet_ntop(socket.AF_INET, n["dst"]))]
        d["header"]["type"], d["header"]["flags"] = RTM_DELNEIGH, NLM_F_REQUEST | NLM_F_ACK
        d["header"]["sequence_number"] = 2 + len(out)
        d.encode()
        out.append(d.data)
    if out:
        sock.send(b"".join(out))
        left = len(out)
        while left:             # the acks (an entry gone meanwhile says ENOENT: fine)
            left -= sum(1 for mtype, _ in netlink.split(sock.recv(1 << 16))
                        if mtype == NLMSG_ERROR)
    return len(out)
