"""Run code inside one of the lab's network namespaces, from a thread of its own.

A thread's network namespace decides where the sockets it opens live, which
``/proc/sys/net`` it sees and where the programs it starts run, so work that
enters a namespace does it in a fresh thread that dies with the change.
"""
from __future__ import annotations

import ctypes
import os
import threading

CLONE_NEWNET = 0x40000000
NETNS_DIR = "/run/netns"
libc = ctypes.CDLL(None, use_errno=True)


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


def enter(name: str):
    """Move the calling thread into network namespace ``name`` (``/run/netns/<name>``)."""
    fd = os.open(f"{NETNS_DIR}/{name}", os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"setns {name}: {os.strerror(err)}")
    finally:
        os.close(fd)


def in_netns(name: str, fn):
    """Run ``fn()`` in a new thread inside network namespace ``name``; return its result."""
    def enter_and_run():
        enter(name)
        return fn()

    return in_new_thread(enter_and_run)
