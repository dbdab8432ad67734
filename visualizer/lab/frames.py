"""The bytes of each captured frame, kept beside its PKT summary for the pcap-ng export.

A run's captures (``session.Reader``) summarise each frame for the page; the
export (``core/pcapng.py``) needs the frame itself and the kernel's time of it.
Bounded: the Reader keeps at most CAPTURE_MAX frames per interface, and of
each the first SNAP_LEN bytes (its length on the wire is kept too, so a reader
sees it was cut).  They travel to the web process in RESULT ``frames`` and are
stored with the recorded run, never sent to the browser.
"""
from __future__ import annotations

import base64
import socket
import struct
import time

from ..core.pcapexport import SNAP_LEN
from .sandbox import SO_TIMESTAMPNS

STAMP_SPACE = socket.CMSG_SPACE(16)


def kernel_stamp_ns(ancdata) -> int | None:
    """The SO_TIMESTAMPNS of a received frame (nanoseconds of the wall clock), if any."""
    for level, kind, data in ancdata:
        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(data) >= 16:
            sec, nsec = struct.unpack_from("=qq", data)
            return sec * 1_000_000_000 + nsec
    return None


def record(data: bytes, stamp_ns: int | None) -> dict:
    """FRAME: {"ns": the kernel's timestamp (ns of the wall clock; when the lab read it
    if the kernel gave none, "t_kernel" false), "len": its length on the wire,
    "data": its first SNAP_LEN bytes, base64}."""
    return {"ns": stamp_ns if stamp_ns is not None else time.time_ns(),
            "t_kernel": stamp_ns is not None, "len": len(data),
            "data": base64.b64encode(data[:SNAP_LEN]).decode("ascii")}
