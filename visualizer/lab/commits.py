"""nf_tables in a sandbox's ``host``, seen from the lab's own netlink socket.

Commits: every committed nf_tables transaction (one per ``COMMIT`` section of
iptables-restore or ebtables-restore, one per ``nft -f``) is announced as an
``NFT_MSG_NEWGEN`` message on the ``NFNLGRP_NFTABLES`` group of its
namespace.  The rules work from that moment on; the tool itself still waits
for an RCU grace period at exit, while the kernel frees the transaction.
``CommitWatch`` lets the sandbox go on when the commits it expects are in.

Rule handles: ``rule_handles`` dumps every rule's (family, table, chain,
handle), in chain order, on the same socket.  The socket stays open for the
sandbox's life: closing an nf_tables socket waits for an RCU grace period.
"""
from __future__ import annotations

import asyncio
import select
import socket
import struct

NETLINK_NETFILTER = 12
SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, NETLINK_DROP_MEMBERSHIP = 270, 1, 2
NFNLGRP_NFTABLES = 7
NEWGEN_MSG_TYPE = (10 << 8) | 15        # NFNL_SUBSYS_NFTABLES, NFT_MSG_NEWGEN
GETRULE_MSG_TYPE = (10 << 8) | 7
NEWRULE_MSG_TYPE = (10 << 8) | 6
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
NFTA_RULE_TABLE, NFTA_RULE_CHAIN, NFTA_RULE_HANDLE = 1, 2, 3
FAMILIES = {2: "ip", 7: "bridge", 10: "ip6", 1: "inet", 3: "arp", 5: "netdev"}


def open_socket() -> socket.socket:
    """A socket on the calling thread's namespace's nf_tables notifications."""
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.bind((0, 0))
    s.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, NFNLGRP_NFTABLES)
    s.setblocking(False)
    return s


def count_newgen(data: bytes) -> int:
    """How many NFT_MSG_NEWGEN messages a datagram holds."""
    n, off = 0, 0
    while off + 16 <= len(data):
        length, mtype = struct.unpack_from("=IH", data, off)
        if length < 16:
            break
        n += mtype == NEWGEN_MSG_TYPE
        off += (length + 3) & ~3
    return n


class CommitWatch:
    """Counts commits on a notification socket from ``open_socket``."""

    def __init__(self, sock: socket.socket | None):
        self.sock = sock
        self.seen = 0

    def read(self):
        while self.sock is not None:
            try:
                self.seen += count_newgen(self.sock.recv(1 << 16))
            except (BlockingIOError, InterruptedError):
                return
            except OSError:      # overrun: the count is lost, the tools' exits will do
                self.seen = -(1 << 30)
                return

    async def until(self, expected: int, jobs: list[asyncio.Future]):
        """Return once ``expected`` commits are in or every job has ended, whichever
        comes first; a job that ends in failure is re-raised at once."""
        loop = asyncio.get_running_loop()
        arrived = loop.create_future()

        def on_readable():
            self.read()
            if self.seen >= expected and not arrived.done():
                arrived.set_result(None)

        if self.sock is not None:
            loop.add_reader(self.sock.fileno(), on_readable)
        try:
            pending = set(jobs)
            while pending:
                if arrived.done():
                    return
                done, pending = await asyncio.wait(pending | {arrived},
                                                   return_when=asyncio.FIRST_COMPLETED)
                for fut in done - {arrived}:
                    fut.result()        # a program that failed raises here
                pending.discard(arrived)
        finally:
            if self.sock is not None:
                loop.remove_reader(self.sock.fileno())

    def stop(self):
        """No more notifications (the socket stays open: closing it waits for RCU)."""
        if self.sock is not None:
            try:
                self.sock.setsockopt(SOL_NETLINK, NETLINK_DROP_MEMBERSHIP, NFNLGRP_NFTABLES)
            except OSError:
                pass


def rule_handles(sock: socket.socket, seq: int = 0x5eed) -> dict[tuple, list[int]]:
    """{(family, table, chain): [handle, ...] in rule order}, from a kernel dump."""
    while True:                 # notifications left from the load are not the answer
        try:
            sock.recv(1 << 20, socket.MSG_DONTWAIT)
        except (BlockingIOError, InterruptedError):
            break
    sock.send(struct.pack("=IHHIIBBH", 20, GETRULE_MSG_TYPE, NLM_F_REQUEST | NLM_F_DUMP,
                          seq, 0, 0, 0, 0))
    out: dict[tuple, list[int]] = {}
    while True:
        if not select.select([sock], [], [], 2.0)[0]:
            raise TimeoutError("no answer to the nf_tables rule dump")
        if parse_rule_dump(sock.recv(1 << 20), seq, out):
            return out


def parse_rule_dump(data: bytes, seq: int, out: dict) -> bool:
    """Add one datagram of a rule dump to ``out``; True once the dump is complete."""
    off = 0
    while off + 16 <= len(data):
        length, mtype, _, mseq, _ = struct.unpack_from("=IHHII", data, off)
        if length < 16:
            break
        if mseq == seq:
            if mtype == NLMSG_DONE:
                return True
            if mtype == NLMSG_ERROR:
                err = -struct.unpack_from("=i", data, off + 16)[0]
                raise OSError(err, "nf_tables rule dump refused")
            if mtype == NEWRULE_MSG_TYPE:
                key, handle = _rule(data, off, length)
                out.setdefault(key, []).append(handle)
        off += (length + 3) & ~3
    return False


def _rule(data: bytes, off: int, length: int):
    family = data[off + 16]
    attrs, a, end = {}, off + 20, off + length
    while a + 4 <= end:
        alen, atype = struct.unpack_from("=HH", data, a)
        if alen < 4:
            break
        attrs[atype & 0x3FFF] = data[a + 4:a + alen]
        a += (alen + 3) & ~3
    text = (lambda b: b.rstrip(b"\0").decode())
    key = (FAMILIES.get(family, str(family)), text(attrs[NFTA_RULE_TABLE]),
           text(attrs[NFTA_RULE_CHAIN]))
    return key, struct.unpack(">Q", attrs[NFTA_RULE_HANDLE])[0]
