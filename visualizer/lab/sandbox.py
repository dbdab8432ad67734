"""Build and tear down one sandbox: network namespaces wired as a topology.

Links, addresses and routes are pyroute2 rtnetlink messages, sent as one
batch per namespace (``rtnl``) on a socket born inside that namespace.
Sysctls and the raw capture sockets are made in a short-lived thread that
``setns()``-es into the namespace: a thread's network namespace decides where
a socket lives and which ``/proc/sys/net`` it sees.  Every name is prefixed
with the sandbox id, so many sandboxes coexist in the lab.
"""
from __future__ import annotations

import ctypes
import os
import socket
from concurrent.futures import ThreadPoolExecutor

from ..core.topology import Namespace, Topology
from . import commits, netlink, rtnl, rtquery
from .netns import CLONE_NEWNET, NETNS_DIR, libc, in_netns, in_new_thread

MS_BIND = 4096
ETH_P_ALL_HOST = 0x0003   # Python's AF_PACKET address takes host order and converts
SO_TIMESTAMPNS = 35       # <asm-generic/socket.h>; Python's socket module lacks it
FIRST_IFINDEX = 10        # a sandbox numbers its interfaces from here in each namespace
NOISE_SYSCTLS = {  # keep the trace about the lesson: no IPv6 chatter
    "net.ipv6.conf.all.disable_ipv6": "1",
    "net.ipv6.conf.default.disable_ipv6": "1",
}


class _PacketSocket(socket.socket):
    _bound = False


def _packet_socket():
    # Protocol 0: not hooked in until bind() names the interface and ETH_P_ALL;
    # rebinding a socket that already listens waits for synchronize_net() (~10 ms).
    s = _PacketSocket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    s.setblocking(False)
    s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)   # the kernel's time for each frame
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


class Sandbox:
    """One lesson's namespaces, their links, and the host's capture sockets."""

    def __init__(self, sid: str, topology: Topology):
        self.sid = sid
        self.topology = Topology.from_dict(topology)
        self.built_step = -1
        self.namespaces: dict[str, str] = {}
        self.events_sock: socket.socket | None = None    # trace and NFLOG messages
        self.ct_sock: socket.socket | None = None        # host's conntrack events
        self.commit_sock: socket.socket | None = None   # nf_tables commits in host
        self.loading: list = []         # rule-loading programs still finishing (see rules)
        self.packet_socks: dict[str, socket.socket] = {}
        self.ifnames: dict[int, str] = {}
        self.procs: list = []           # background programs (listeners)
        self.rule_index = None
        self.dirty = False              # rules changed since rule_index was loaded
        self.ifindex: dict[tuple[str, str], int] = {}   # (ns, ifname) -> index we gave it
        self._rt: dict[str, socket.socket] = {}        # rtnetlink sockets, during a build
        self._query: dict[str, socket.socket] = {}     # rtnetlink, a run's queries (see rtnl_sock)
        self._fd: dict[str, int] = {}                  # namespace fds, during a build
        self._new_ns: list[str] = []                   # namespaces made, not yet wired

    def ns(self, name: str) -> str:
        return self.namespaces.get(name) or f"{self.sid}-{name}"

    # -- building ---------------------------------------------------------
    def _create_ns(self, n: Namespace) -> dict:
        """In a fresh thread: a new netns, pinned at /run/netns/<name>, its sysctls,
        and the sockets that must be born inside it (rtnetlink for pyroute2,
        and on ``host``/``wan`` the capture sockets)."""
        full = f"{self.sid}-{n.name}"
        path = f"{NETNS_DIR}/{full}"
        if libc.unshare(CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNET)")
        open(path, "w").close()
        try:
            if libc.mount(b"/proc/thread-self/ns/net", path.encode(), None, MS_BIND, None) != 0:
                err = ctypes.get_errno()
                raise OSError(err, f"bind mount {path}: {os.strerror(err)}")
            write_sysctls({**NOISE_SYSCTLS, **dict(n.sysctls)})
        except BaseException:
            _unpin(path)
            raise
        made = {"full": full, "fd": os.open("/proc/thread-self/ns/net", os.O_RDONLY),
                "rt": socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, 0).detach(),
                "query": socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)}
        if n.name == "host":
            made.update(self._capture_sockets())
        if n.name == "wan":
            made["packet"] = {"wan:eth0": _packet_socket()}
        return made

    def build(self, upto_step: int = 0):
        """Create every element with ``step`` <= upto_step not built yet (sync)."""
        self.create_namespaces(upto_step)
        self.wire(upto_step)

    def create_namespaces(self, upto_step: int = 0, only: tuple[str, ...] | None = None):
        """The new namespaces (or those of them named in ``only``), each made in a
        thread of its own, all at once."""
        new_ns = [n for n in self.topology.added(self.built_step, upto_step).namespaces
                  if n.name not in self.namespaces and (only is None or n.name in only)]
        os.makedirs(NETNS_DIR, exist_ok=True)
        with ThreadPoolExecutor(max_workers=max(1, len(new_ns))) as pool:
            futures = [pool.submit(in_new_thread, self._create_ns, n) for n in new_ns]
        errors = [f.exception() for f in futures if f.exception()]
        for n, f in zip(new_ns, futures):
            if f.exception():
                continue
            m = f.result()
            self.namespaces[n.name] = m["full"]
            self._rt[n.name] = socket.socket(fileno=m["rt"])
            self._fd[n.name] = m["fd"]
            self._query[n.name] = m["query"]
            if "events" in m:
                self.events_sock = m["events"]
                self.commit_sock = m["commits"]
                self.ct_sock = m["conntrack"]
            self.packet_socks.update(m.get("packet", {}))
        self._new_ns += [n.name for n in new_ns if n.name in self.namespaces]
        if errors:
            raise errors[0]

    def _index(self, ns: str, name: str) -> int:
        """The ifindex this sandbox gives interface ``name`` in namespace ``ns``."""
        key = (ns, name)
        if key not in self.ifindex:
            taken = [i for (n, _), i in self.ifindex.items() if n == ns]
            self.ifindex[key] = max(taken, default=FIRST_IFINDEX - 1) + 1
        return self.ifindex[key]

    def _ns_fd(self, name: str) -> int:
        if name not in self._fd:
            self._fd[name] = os.open(f"{NETNS_DIR}/{self.ns(name)}", os.O_RDONLY)
        return self._fd[name]

    def _rt_sock(self, name: str) -> socket.socket:
        if name not in self._rt:
            self._rt[name] = in_netns(self.ns(name), lambda: socket.socket(
                socket.AF_NETLINK, socket.SOCK_DGRAM, 0))
        return self._rt[name]

    def wire(self, upto_step: int = 0):
        """Links, addresses and routes of steps built_step+1..upto_step: per namespace,
        one rtnetlink batch creates the links, then one adds addresses and routes."""
        new = self.topology.added(self.built_step, upto_step)
        links: dict[str, rtnl.Batch] = {}
        rest: dict[str, rtnl.Batch] = {}

        def first(ns):
            return links.setdefault(ns, rtnl.Batch())

        def then(ns):
            return rest.setdefault(ns, rtnl.Batch())

        try:
            for name in self._new_ns:
                first(name).up(1)
            for b in new.bridges:
                i = self._index(b.ns, b.name)
                first(b.ns).bridge(i, b.name, b.mac)
                for a in b.addresses:
                    first(b.ns).addr(i, a, f"on {b.name}")
            for v in new.veths:
                end, peer = v.end, v.peer
                i, p = self._index(end.ns, end.name), self._index(peer.ns, peer.name)
                master = self.ifindex[(end.ns, end.master)] if end.master else None
                first(end.ns).veth(i, end.name, p, peer.name, self._ns_fd(peer.ns),
                                   end.mac, peer.mac, master)
                for a in end.addresses:
                    first(end.ns).addr(i, a, f"on {end.name}")
                then(peer.ns).up(p, peer.name)
                for a in peer.addresses:
                    then(peer.ns).addr(p, a, f"on {peer.ns}:{peer.name}")
            for rt in new.routes:
                oif = self.ifindex[(rt.ns, rt.dev)] if rt.dev else None
                then(rt.ns).route(rt.dst, rt.gateway, oif)
            for stage in (links, rest):
                for ns, batch in stage.items():
                    batch.send(self._rt_sock(ns))
        finally:
            self._close_build_handles()
        self.ifnames = {1: "lo", **{i: n for (ns, n), i in self.ifindex.items() if ns == "host"}}
        self.built_step = max(self.built_step, upto_step)
        self._new_ns = []
        self._bind_packet_sockets()

    def _close_build_handles(self):
        """rtnetlink sockets and namespace fds hold their namespace: not past a build."""
        for s in self._rt.values():
            s.close()
        for fd in self._fd.values():
            os.close(fd)
        self._rt, self._fd = {}, {}

    def rtnl_sock(self, name: str) -> socket.socket:
        """Namespace ``name``'s query socket: born there at its creation, so a run's
        queries (links, neighbours) need no thread of their own and no setns.  They
        once took both, several times a run, queued on the loop's few workers: a
        burst of runs waited behind each other's queries for their first event.
        The queries still go to a worker (``asyncio.to_thread``): a dump waits for
        the kernel's rtnl lock while other sandboxes are being built."""
        return self._query[name]

    def forget_neighbours(self) -> int:
        """Drop every namespace's learnt neighbour entries (``rtnl.forget_neighbours``
        says why): after a run's result is made, before the sandbox is held idle."""
        return sum(rtquery.forget_neighbours(self.rtnl_sock(name)) for name in list(self._query))

    def incomplete(self) -> dict[str, list[tuple[int, int]]]:
        """Each namespace's neighbours being resolved (``rtquery.incomplete``), if any."""
        found = {name: rtquery.incomplete(s) for name, s in list(self._query.items())}
        return {name: e for name, e in found.items() if e}

    def probes_left(self, name: str, entries) -> list[tuple[int, int]]:
        """The ARP requests still to come for ``entries`` (``rtquery.probes_left``, in the namespace)."""
        return in_netns(self.ns(name), lambda: rtquery.probes_left(entries))

    def link_states(self) -> dict[str, dict]:
        """The host's interfaces' carrier, operstate and transmit drops (``rtquery.link_states``)."""
        return rtquery.link_states(self.rtnl_sock("host"))

    def sysctl(self, ns: str, values: dict):
        in_netns(self.ns(ns), lambda: write_sysctls(values))

    # -- capture sockets --------------------------------------------------
    def _capture_sockets(self, nflog_group: int = 1) -> dict:
        """One netlink socket for trace and NFLOG messages, plus one AF_PACKET
        socket per host interface (bound later, once the interfaces exist);
        called inside host.  One socket, because the kernel queues the two kinds
        in the order it made them: two sockets would lose that order, and an
        ebtables log event could come after the trace events that followed it."""
        ev = netlink.group_socket(netlink.NFNLGRP_NFTRACE, 4 << 20)
        ev.setblocking(True)
        ev.send(netlink.nflog_bind(nflog_group))
        ev.recv(4096)  # the ack
        ev.setblocking(False)
        names = sorted(set(self.topology.interfaces("host")))
        return {"events": ev, "commits": commits.open_socket(),
                "conntrack": netlink.conntrack_socket(1 << 20),
                "packet": {n: _packet_socket() for n in names}}

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
        # (not the conntrack events: the table holds what came before the run too)
        for s in [self.events_sock, *self.packet_socks.values()]:
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
        self._close_build_handles()
        for p in self.procs:
            kill(p)
        self.procs.clear()
        for s in [self.events_sock, self.commit_sock, self.ct_sock, *self.packet_socks.values(),
                  *self._query.values()]:
            if s is not None:
                s.close()
        self.packet_socks, self._query = {}, {}
        self.events_sock = self.commit_sock = self.ct_sock = None
        for full in list(self.namespaces.values()):
            _unpin(f"{NETNS_DIR}/{full}")
        self.namespaces.clear()


def _unpin(path: str):
    """Drop the bind mount that keeps a namespace alive, and its file."""
    libc.umount2(path.encode(), 2)   # MNT_DETACH
    try:
        os.unlink(path)
    except OSError:
        pass
