"""Build and tear down one sandbox: network namespaces wired as a topology.

Links, addresses and routes go through pyroute2 (``IPRoute(netns=...)``).
Sysctls and the raw capture sockets are made in a short-lived thread that
``setns()``-es into the namespace: a thread's network namespace decides where
a socket lives and which ``/proc/sys/net`` it sees.  Every name is prefixed
with the sandbox id, so many sandboxes coexist in the lab.
"""
from __future__ import annotations

import ctypes
import ipaddress
import os
import socket
import threading
from concurrent.futures import ThreadPoolExecutor

from pyroute2 import IPRoute

from . import netlink

CLONE_NEWNET = 0x40000000
MS_BIND = 4096
ETH_P_ALL_HOST = 0x0003   # Python's AF_PACKET address takes host order and converts
ETH_P_ALL = 0x0003
NETNS_DIR = "/run/netns"
_libc = ctypes.CDLL(None, use_errno=True)
NOISE_SYSCTLS = {  # keep the trace about the lesson: no IPv6 chatter
    "net.ipv6.conf.all.disable_ipv6": "1",
    "net.ipv6.conf.default.disable_ipv6": "1",
}


def in_new_thread(fn, *args):
    """Run ``fn(*args)`` in a thread of its own: namespace changes die with the thread."""
    box = {}

    def target():
        try:
            box["value"] = fn(*args)
        except BaseException as e:
            box["error"] = e

    t = threading.Thread(target=target)
    t.start()
    t.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


def in_netns(name: str, fn):
    """Run ``fn()`` in a new thread inside network namespace ``name``; return its result."""
    def enter_and_run():
        fd = os.open(f"{NETNS_DIR}/{name}", os.O_RDONLY)
        try:
            if _libc.setns(fd, CLONE_NEWNET) != 0:
                err = ctypes.get_errno()
                raise OSError(err, f"setns {name}: {os.strerror(err)}")
        finally:
            os.close(fd)
        return fn()

    return in_new_thread(enter_and_run)


class _PacketSocket(socket.socket):
    _bound = False


def _packet_socket():
    # Protocol 0: not hooked in until bind() names the interface and ETH_P_ALL;
    # rebinding a socket that already listens waits for synchronize_net() (~10 ms).
    s = _PacketSocket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    s.setblocking(False)
    return s


def write_sysctls(values: dict):
    for key, value in values.items():
        path = "/proc/sys/" + key.replace(".", "/")
        try:
            with open(path, "w") as f:
                f.write(str(value))
        except FileNotFoundError:
            if not key.startswith("net.ipv6"):
                raise


def _cidr(text: str):
    iface = ipaddress.ip_interface(text)
    return str(iface.ip), iface.network.prefixlen


class Sandbox:
    """One lesson's namespaces, their links, and the host's capture sockets."""

    def __init__(self, sid: str, topology: dict):
        self.sid = sid
        self.topology = topology
        self.built_step = -1
        self.namespaces: dict[str, str] = {}
        self.trace_sock: socket.socket | None = None
        self.nflog_sock: socket.socket | None = None
        self.packet_socks: dict[str, socket.socket] = {}
        self.ifnames: dict[int, str] = {}
        self.procs: list = []           # background programs (listeners)
        self.rule_index = None
        self.dirty = False              # rules changed since rule_index was loaded

    def ns(self, name: str) -> str:
        return self.namespaces.get(name) or f"{self.sid}-{name}"

    # -- building ---------------------------------------------------------
    def _create_ns(self, n: dict) -> dict:
        """In a fresh thread: a new netns, pinned at /run/netns/<name>, its sysctls,
        and the sockets that must be born inside it (rtnetlink for pyroute2,
        and on ``host``/``wan`` the capture sockets)."""
        full = f"{self.sid}-{n['name']}"
        path = f"{NETNS_DIR}/{full}"
        if _libc.unshare(CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNET)")
        open(path, "w").close()
        if _libc.mount(b"/proc/thread-self/ns/net", path.encode(), None, MS_BIND, None) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"bind mount {path}: {os.strerror(err)}")
        write_sysctls({**NOISE_SYSCTLS, **n.get("sysctls", {})})
        made = {"full": full, "rt": socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, 0).detach()}
        if n["name"] == "host":
            made.update(self._capture_sockets())
        if n["name"] == "wan":
            made["packet"] = {"wan:eth0": _packet_socket()}
        return made

    def build(self, upto_step: int = 0):
        """Create every element with ``step`` <= upto_step not built yet (sync)."""
        lo = self.built_step
        pick = (lambda items: [i for i in items if lo < int(i.get("step", 0)) <= upto_step])
        new_ns = pick(self.topology["ns"])
        os.makedirs(NETNS_DIR, exist_ok=True)
        rts: dict[str, IPRoute] = {}
        with ThreadPoolExecutor(max_workers=max(1, len(new_ns))) as pool:
            made = list(pool.map(lambda n: in_new_thread(self._create_ns, n), new_ns))
        for n, m in zip(new_ns, made):
            self.namespaces[n["name"]] = m["full"]
            # The socket was created inside the namespace, so pyroute2 talks to it.
            rts[n["name"]] = IPRoute(fileno=m["rt"])
            if "trace" in m:
                self.trace_sock, self.nflog_sock = m["trace"], m["nflog"]
            self.packet_socks.update(m.get("packet", {}))

        def ipr(name):
            if name not in rts:
                rts[name] = IPRoute(netns=self.ns(name))
            return rts[name]

        try:
            for n in new_ns:
                r = ipr(n["name"])
                r.link("set", index=r.link_lookup(ifname="lo")[0], state="up")
            for b in pick(self.topology["bridge"]):
                self._bridge(ipr(b["ns"]), b)
            for v in pick(self.topology["veth"]):
                self._veth(ipr(v["ns"]), ipr(v["peer_ns"]), v)
            for rt in pick(self.topology["route"]):
                self._route(ipr(rt["ns"]), rt)
            if "host" in rts or upto_step == 0:
                links = ipr("host").get_links()
                self.ifnames = {ln["index"]: ln.get_attr("IFLA_IFNAME") for ln in links}
        finally:
            for r in rts.values():
                r.close()
        self.built_step = max(self.built_step, upto_step)
        self._bind_packet_sockets()

    def _bridge(self, r, b):
        kw = {"address": b["mac"]} if b.get("mac") else {}
        r.link("add", ifname=b["name"], kind="bridge", **kw)
        idx = r.link_lookup(ifname=b["name"])[0]
        for a in b.get("addresses", []):
            ip, plen = _cidr(a)
            r.addr("add", index=idx, address=ip, prefixlen=plen)
        r.link("set", index=idx, state="up")

    def _veth(self, r, pr, v):
        peer = {"ifname": v["peer_name"], "net_ns_fd": self.ns(v["peer_ns"])}
        r.link("add", ifname=v["name"], kind="veth", peer=peer)
        idx = r.link_lookup(ifname=v["name"])[0]
        if v.get("mac"):
            r.link("set", index=idx, address=v["mac"])
        if v.get("master"):
            r.link("set", index=idx, master=r.link_lookup(ifname=v["master"])[0])
        for a in v.get("addresses", []):
            ip, plen = _cidr(a)
            r.addr("add", index=idx, address=ip, prefixlen=plen)
        r.link("set", index=idx, state="up")
        pidx = pr.link_lookup(ifname=v["peer_name"])[0]
        if v.get("peer_mac"):
            pr.link("set", index=pidx, address=v["peer_mac"])
        for a in v.get("peer_addresses", []):
            ip, plen = _cidr(a)
            pr.addr("add", index=pidx, address=ip, prefixlen=plen)
        pr.link("set", index=pidx, state="up")

    def _route(self, r, rt):
        kw = {"gateway": rt["gateway"]} if rt.get("gateway") else {}
        if rt.get("dev"):
            kw["oif"] = r.link_lookup(ifname=rt["dev"])[0]
        if rt.get("dst", "default") != "default":
            kw["dst"] = rt["dst"]
        r.route("add", **kw)

    def sysctl(self, ns: str, values: dict):
        in_netns(self.ns(ns), lambda: write_sysctls(values))

    # -- capture sockets --------------------------------------------------
    def _capture_sockets(self, nflog_group: int = 1) -> dict:
        """Trace and NFLOG netlink sockets plus one AF_PACKET socket per host
        interface (bound later, once the interfaces exist); called inside host."""
        tr = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 12)
        tr.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        tr.bind((0, 0))
        tr.setsockopt(270, 1, netlink.NFNLGRP_NFTRACE)  # NETLINK_ADD_MEMBERSHIP
        tr.setblocking(False)
        lg = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 12)
        lg.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2 << 20)
        lg.bind((0, 0))
        lg.send(netlink.nflog_bind(nflog_group))
        lg.recv(4096)  # the ack
        lg.setblocking(False)
        names = sorted({v["name"] for v in self.topology["veth"] if v["ns"] == "host"}
                       | {b["name"] for b in self.topology["bridge"] if b["ns"] == "host"})
        return {"trace": tr, "nflog": lg, "packet": {n: _packet_socket() for n in names}}

    def _bind_packet_sockets(self):
        """Bind each capture socket to its interface (resolved in the socket's own netns)."""
        for name, s in list(self.packet_socks.items()):
            if getattr(s, "_bound", False):
                continue
            try:
                s.bind((name.split(":")[-1], ETH_P_ALL_HOST))
                s._bound = True
            except OSError:
                pass   # the interface comes with a later step

    def drain(self):
        """Throw away anything captured before the run starts."""
        for s in [self.trace_sock, self.nflog_sock, *self.packet_socks.values()]:
            if s is None:
                continue
            try:
                while s.recv(65536):
                    pass
            except (BlockingIOError, OSError):
                pass

    # -- teardown ---------------------------------------------------------
    def close(self):
        from .commands import kill
        for p in self.procs:
            kill(p)
        self.procs.clear()
        for s in [self.trace_sock, self.nflog_sock, *self.packet_socks.values()]:
            if s is not None:
                s.close()
        self.packet_socks = {}
        self.trace_sock = self.nflog_sock = None
        for full in list(self.namespaces.values()):
            path = f"{NETNS_DIR}/{full}"
            _libc.umount2(path.encode(), 2)   # MNT_DETACH
            try:
                os.unlink(path)
            except OSError:
                pass
        self.namespaces.clear()
