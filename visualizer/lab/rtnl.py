"""A sandbox's links, addresses and routes as rtnetlink batches.

Each request is one of pyroute2's rtnetlink message classes (``ifinfmsg``,
``ifaddrmsg``, ``rtmsg``); a namespace's requests go to the kernel in a
single ``sendmsg`` and every one is acknowledged.  Interfaces get their
index, MAC, master and up state in the message that creates them (a veth
peer gets its index and MAC, in its own namespace), so no request waits on a
lookup.
"""
from __future__ import annotations

import ipaddress
import os
import socket
import struct

from pyroute2.netlink import (NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REQUEST,
                              NLMSG_ERROR)
from pyroute2.netlink.rtnl import (RTM_NEWADDR,
                                   RTM_NEWLINK, RTM_NEWROUTE)
from pyroute2.netlink.rtnl.ifaddrmsg import ifaddrmsg
from pyroute2.netlink.rtnl.ifinfmsg import ifinfmsg
from pyroute2.netlink.rtnl.rtmsg import rtmsg

from . import netlink

IFF_UP = 0x1
CREATE = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL
SET = NLM_F_REQUEST | NLM_F_ACK
RT_TABLE_MAIN, RTPROT_BOOT, RT_SCOPE_UNIVERSE, RT_SCOPE_LINK, RTN_UNICAST = 254, 3, 0, 253, 1


class BatchError(OSError):
    """The kernel refused one request of a batch; says which."""


class Batch:
    """Requests for one network namespace, sent together."""

    def __init__(self):
        self.msgs: list[tuple[str, object]] = []

    def __len__(self):
        return len(self.msgs)

    def _add(self, what: str, msg, mtype: int, flags: int):
        msg["header"]["type"] = mtype
        msg["header"]["flags"] = flags
        self.msgs.append((what, msg))

    def up(self, index: int, what: str = "lo"):
        msg = ifinfmsg()
        msg["index"], msg["flags"], msg["change"] = index, IFF_UP, IFF_UP
        self._add(f"set {what} up", msg, RTM_NEWLINK, SET)

    def bridge(self, index: int, name: str, mac: str | None = None):
        msg = _link(index, name, mac)
        msg["attrs"].append(("IFLA_LINKINFO", {"attrs": [("IFLA_INFO_KIND", "bridge")]}))
        self._add(f"add bridge {name}", msg, RTM_NEWLINK, CREATE)

    def veth(self, index: int, name: str, peer_index: int, peer_name: str, peer_ns_fd: int,
             mac: str | None = None, peer_mac: str | None = None, master: int | None = None):
        msg = _link(index, name, mac)
        if master:
            msg["attrs"].append(("IFLA_MASTER", master))
        # The peer cannot come up in this message (veth_open needs both ends
        # linked): its namespace's batch sets it up.
        peer = {"index": peer_index, "attrs": [("IFLA_IFNAME", peer_name), ("IFLA_NET_NS_FD", peer_ns_fd)]
                + ([("IFLA_ADDRESS", peer_mac)] if peer_mac else [])}
        msg["attrs"].append(("IFLA_LINKINFO", {"attrs": [
            ("IFLA_INFO_KIND", "veth"),
            ("IFLA_INFO_DATA", {"attrs": [("VETH_INFO_PEER", peer)]})]}))
        self._add(f"add veth {name} (peer {peer_name})", msg, RTM_NEWLINK, CREATE)

    def addr(self, index: int, cidr: str, what: str = ""):
        iface = ipaddress.ip_interface(cidr)
        msg = ifaddrmsg()
        msg["family"], msg["prefixlen"], msg["index"] = socket.AF_INET, iface.network.prefixlen, index
        attrs = [("IFA_LOCAL", str(iface.ip)), ("IFA_ADDRESS", str(iface.ip))]
        if iface.network.prefixlen < 31:
            attrs.append(("IFA_BROADCAST", str(iface.network.broadcast_address)))
        msg["attrs"] = attrs
        self._add(f"add address {cidr} {what}".strip(), msg, RTM_NEWADDR, CREATE)

    def route(self, dst: str = "default", gateway: str | None = None, oif: int | None = None):
        msg = rtmsg()
        msg["family"], msg["table"], msg["proto"] = socket.AF_INET, RT_TABLE_MAIN, RTPROT_BOOT
        msg["type"] = RTN_UNICAST
        msg["scope"] = RT_SCOPE_UNIVERSE if gateway else RT_SCOPE_LINK
        attrs = []
        if dst != "default":
            net = ipaddress.ip_network(dst)
            msg["dst_len"] = net.prefixlen
            attrs.append(("RTA_DST", str(net.network_address)))
        if gateway:
            attrs.append(("RTA_GATEWAY", gateway))
        if oif:
            attrs.append(("RTA_OIF", oif))
        msg["attrs"] = attrs
        self._add(f"add route {dst}" + (f" via {gateway}" if gateway else ""),
                  msg, RTM_NEWROUTE, CREATE)

    def encode(self, seq0: int = 1) -> bytes:
        out = bytearray()
        for i, (_, msg) in enumerate(self.msgs):
            msg["header"]["sequence_number"] = seq0 + i
            msg.reset()
            msg.encode()
            out += msg.data
        return bytes(out)

    def send(self, sock: socket.socket, seq0: int = 1):
        """Send every request at once; raise on the first the kernel refused."""
        if not self.msgs:
            return
        sock.send(self.encode(seq0))
        pending = set(range(seq0, seq0 + len(self.msgs)))
        failed = []
        while pending:
            for mtype, raw in netlink.split(sock.recv(1 << 16)):
                seq = struct.unpack_from("=I", raw, 8)[0]
                if mtype == NLMSG_ERROR and seq in pending:
                    pending.discard(seq)
                    err = -struct.unpack_from("=i", raw, 16)[0]
                    if err:
                        failed.append((seq, err))
        if failed:
            seq, err = min(failed)
            what = self.msgs[seq - seq0][0]
            raise BatchError(err, f"{what}: {os.strerror(err)}")


def _link(index: int, name: str, mac: str | None):
    msg = ifinfmsg()
    msg["index"], msg["flags"], msg["change"] = index, IFF_UP, IFF_UP
    msg["attrs"] = [("IFLA_IFNAME", name)] + ([("IFLA_ADDRESS", mac)] if mac else [])
    return msg
