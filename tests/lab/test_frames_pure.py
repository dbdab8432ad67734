"""The frame records the Reader keeps for the pcap-ng export (lab/frames.py), without a kernel:
the SO_TIMESTAMPNS control message read to the nanosecond, the snap length, the wire length."""
import base64
import socket
import struct

from visualizer.lab import frames
from visualizer.lab.sandbox import SO_TIMESTAMPNS


def stamp(sec, nsec):
    return [(socket.SOL_SOCKET, SO_TIMESTAMPNS, struct.pack("=qq", sec, nsec))]


def test_the_kernels_time_is_kept_to_the_nanosecond():
    # a float of seconds would lose the last digits at this size (about 2**31 s)
    assert frames.kernel_stamp_ns(stamp(1_796_000_000, 123_456_789)) == 1_796_000_000_123_456_789
    assert frames.kernel_stamp_ns([]) is None
    assert frames.kernel_stamp_ns([(socket.SOL_SOCKET, SO_TIMESTAMPNS, b"short")]) is None


def test_a_record_keeps_the_snap_length_and_the_length_on_the_wire():
    data = bytes(range(256)) * 4            # 1024 bytes
    rec = frames.record(data, 5)
    assert rec["ns"] == 5 and rec["t_kernel"] is True and rec["len"] == 1024
    assert base64.b64decode(rec["data"]) == data[:frames.SNAP_LEN] and frames.SNAP_LEN == 512
    late = frames.record(b"\x00" * 60, None)    # no kernel time: when the lab read it, said so
    assert late["t_kernel"] is False and late["ns"] > 1_700_000_000 * 10**9
