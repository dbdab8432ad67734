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
import collections
import selectors
import socket
import struct
from typing import Callable

from . import netlink

NFNLGRP_NFTABLES = 7
NEWGEN_MSG_TYPE = (10 << 8) | 15        # NFNL_SUBSYS_NFTABLES, NFT_MSG_NEWGEN
GETRULE_MSG_TYPE = (10 << 8) | 7
NEWRULE_MSG_TYPE = (10 << 8) | 6
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
NFTA_RULE_TABLE, NFTA_RULE_CHAIN, NFTA_RULE_HANDLE = 1, 2, 3
NFTA_GEN_PROC_NAME = 3


def open_socket() -> socket.socket:
    """A socket on the calling thread's namespace's nf_tables notifications."""
    return netlink.group_socket(NFNLGRP_NFTABLES, 1 << 20)


def newgen_names(data: bytes) -> list[str]:
    """The committing program's name (``NFTA_GEN_PROC_NAME``) of each
    NFT_MSG_NEWGEN message a datagram holds ("" if absent)."""
    out = []
    for mtype, raw in netlink.split(data):
        if mtype == NEWGEN_MSG_TYPE:
            attrs = {t: raw[a:b] for t, a, b in netlink.walk_attrs(raw, 20, len(raw))}
            out.append(attrs.get(NFTA_GEN_PROC_NAME, b"").rstrip(b"\0").decode(errors="replace"))
    return out


def count_newgen(data: bytes) -> int:
    """How many NFT_MSG_NEWGEN messages a datagram holds."""
    return len(newgen_names(data))


class CommitWatch:
    """Counts commits, and who made them, on a socket from ``open_socket``."""

    def __init__(self, sock: socket.socket | None):
        self.sock = sock
        self.by = collections.Counter()     # commits per committing program
        self.lost = False

    @property
    def seen(self) -> int:
        return sum(self.by.values())

    def read(self):
        while self.sock is not None and not self.lost:
            try:
                self.by.update(newgen_names(self.sock.recv(1 << 16)))
            except (BlockingIOError, InterruptedError):
                return
            except OSError:      # overrun: the count is lost
                self.lost = True
                return

    async def until(self, ready: Callable[["CommitWatch"], bool], jobs: list[asyncio.Future]):
        """Return once ``ready(self)`` holds, the count is lost, or every job has
        ended, whichever comes first; a job that ends in failure is re-raised at once."""
        loop = asyncio.get_running_loop()
        arrived = loop.create_future()

        def on_readable():
            self.read()
            if (self.lost or ready(self)) and not arrived.done():
                arrived.set_result(None)

        if self.sock is not None:
            on_readable()
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
                self.sock.setsockopt(netlink.SOL_NETLINK, netlink.NETLINK_DROP_MEMBERSHIP,
                                     NFNLGRP_NFTABLES)
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
    # selectors (epoll), not select.select: a lab holding many sandboxes has
    # descriptors above 1024, which select() cannot take.
    with selectors.DefaultSelector() as sel:
        sel.register(sock, selectors.EVENT_READ)
        while True:
            if not sel.select(2.0):
                raise TimeoutError("no answer to the nf_tables rule dump")
            if parse_rule_dump(sock.recv(1 << 20), seq, out):
                return out


def parse_rule_dump(data: bytes, seq: int, out: dict) -> bool:
    """Add one datagram of a rule dump to ``out``; True once the dump is complete."""
    for mtype, raw in netlink.split(data):
        if struct.unpack_from("=I", raw, 8)[0] != seq:
            continue
        if mtype == NLMSG_DONE:
            return True
        if mtype == NLMSG_ERROR:
            raise OSError(-struct.unpack_from("=i", raw, 16)[0], "nf_tables rule dump refused")
        if mtype == NEWRULE_MSG_TYPE:
            key, handle = _rule(raw)
            out.setdefault(key, []).append(handle)
    return False


def _rule(raw: bytes):
    attrs = {t: raw[a:b] for t, a, b in netlink.walk_attrs(raw, 20, len(raw))}
    text = (lambda b: b.rstrip(b"\0").decode())
    key = (netlink.NFPROTO.get(raw[16], str(raw[16])), text(attrs[NFTA_RULE_TABLE]),
           text(attrs[NFTA_RULE_CHAIN]))
    return key, struct.unpack(">Q", attrs[NFTA_RULE_HANDLE])[0]
