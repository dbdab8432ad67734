"""A run's captures as one pcap-ng file, for Wireshark and tshark.

One interface block per captured device, named ``ns:dev`` (``host:docker0``,
``wan:eth0``), nanosecond timestamps (the kernel's SO_TIMESTAMPNS); one
enhanced packet block per captured frame, in the kernel's time order across the
devices, with its direction (epb_flags inbound/outbound, from the packet
socket's pkttype) and a comment naming its journey and its hop among that
journey's captures (its distinct kernel times, in order).  Built in memory
from RESULT ``captures`` (PKT), the run's FRAMEs (``lab/frames.py``, same
index) and ``journeys``.

Written with python-pcapng: its writer takes a stream and exactly these
blocks and options (if_name, if_tsresol, epb_flags, opt_comment) through its
public API.  scapy's writer would need its private methods overridden: it
opens a file by name only, always writes an unnamed interface first, declares
a device only at its first packet (a device that saw nothing would be missing)
and keeps microseconds.  The file's shape is checked by opening it with tshark
(``tests/web/learn/test_pcapng.py``).
"""
from __future__ import annotations

import base64
import io
import warnings

from pcapng import FileWriter, blocks

from . import phrases

LINKTYPE_ETHERNET = 1
EPB_INBOUND, EPB_OUTBOUND = 1, 2
APP = "Netfilter Visualizer"
MEDIA_TYPE = "application/x-pcapng"
SNAP_LEN = 512      # bytes the lab keeps of each frame (lab/frames.py): every header a lesson sends

phrases.define({
    "pcap.section": "recorded run {run}: lesson {lesson} step {step}, captured by the sandbox's "
                    "packet sockets",
    "pcap.section_cli": "manage.py trace: lesson {lesson} step {step}, captured by the sandbox's "
                        "packet sockets",
    "pcap.device": "{name}: a capture of the run's sandbox ({ns} namespace, device {dev})",
    "pcap.hop": "journey #{journey} ({direction}, {summary}; outcome {outcome}): hop {hop} of "
                "{hops} on the captures, {where} (the frame is matched to its journey by its "
                "headers and time: derived)",
    "pcap.no_journey": "no journey: no packet of the run's events has these headers (a protocol "
                       "no lesson is about, such as IGMP, is left out of them); {where}",
    "pcap.in": "arriving on {iface}",
    "pcap.out": "leaving by {iface}",
    "pcap.same_time": "{comment}; the kernel stamped the frame once, with the same time on "
                      "{others}: which capture saw it first is not known",
    "pcap.read_time": "{comment}; the time is when the lab read the frame (the kernel gave none)",
})


def device_name(iface: str) -> str:
    """``ns:dev``: a capture named without its namespace is the host's."""
    return iface if ":" in iface else f"host:{iface}"


def _ordered(captures: dict, frames: dict) -> list[tuple[int, str, dict, dict]]:
    """(ns, iface, PKT, FRAME) of every kept frame, in the kernel's time order."""
    rows = [(f["ns"], iface, rec, f)
            for iface, recs in captures.items()
            for rec, f in zip(recs, frames.get(iface) or [])]
    rows.sort(key=lambda r: r[0])
    return rows


def _hops(rows) -> dict:
    """{(journey, ns): K}: a journey's hops are its distinct kernel times, in order.  The
    kernel stamps a frame once as it comes in, so a bridge port and the bridge device
    show the same time: those captures share a hop (which came first is not known)."""
    times: dict = {}
    for ns, _, rec, _ in rows:
        times.setdefault(rec.get("journey"), [])
        if ns not in times[rec.get("journey")]:
            times[rec.get("journey")].append(ns)
    return {(jid, ns): (k, len(ts)) for jid, ts in times.items() for k, ns in enumerate(ts, 1)}


def _comments(rows, journeys: list) -> list[str]:
    by_id = {j.get("id"): j for j in journeys or []}
    hops = _hops(rows)
    at: dict = {}           # (journey, ns) -> the devices that saw it then
    for ns, iface, rec, _ in rows:
        at.setdefault((rec.get("journey"), ns), []).append(iface)
    out = []
    for ns, iface, rec, f in rows:
        where = phrases.msg("pcap.out" if rec.get("direction") == "out" else "pcap.in",
                            iface=device_name(iface)).text()
        jid = rec.get("journey")
        j = by_id.get(jid)
        if jid is None or j is None:
            text = phrases.msg("pcap.no_journey", where=where).text()
        else:
            hop, of = hops[(jid, ns)]
            text = phrases.msg("pcap.hop", journey=jid, direction=j.get("direction"),
                               summary=j.get("summary"), outcome=j.get("outcome"),
                               hop=hop, hops=of, where=where).text()
            same = [device_name(i) for i in at[(jid, ns)] if i != iface]
            if same:
                text = phrases.msg("pcap.same_time", comment=text, others=", ".join(same)).text()
        if not f.get("t_kernel", True):
            text = phrases.msg("pcap.read_time", comment=text).text()
        out.append(text)
    return out


def build(captures: dict, frames: dict, journeys: list, lesson: str, step: int,
          run: str | None = None) -> bytes:
    """The pcap-ng file of one run (bytes); ``run``: its uid, when recorded."""
    section = (phrases.msg("pcap.section", run=run, lesson=lesson, step=step) if run
               else phrases.msg("pcap.section_cli", lesson=lesson, step=step))
    shb = blocks.SectionHeader(options={"shb_userappl": APP, "opt_comment": section.text()})
    ids = {}
    for n, iface in enumerate(captures):
        name = device_name(iface)
        ns, dev = name.split(":", 1)
        shb.new_member(blocks.InterfaceDescription, link_type=LINKTYPE_ETHERNET,
                       snaplen=SNAP_LEN, options={
                           "if_name": name, "if_tsresol": b"\x09",
                           "if_description": phrases.msg("pcap.device", name=name, ns=ns,
                                                         dev=dev).text()})
        ids[iface] = n
    out = io.BytesIO()
    with warnings.catch_warnings():
        # python-pcapng declares if_tsresol without a type, and warns at each write of it
        warnings.filterwarnings("ignore", 'Field type should not be "None"', DeprecationWarning)
        _write(FileWriter(out, shb), shb, ids, captures, frames, journeys)
    return out.getvalue()


def _write(writer, shb, ids: dict, captures: dict, frames: dict, journeys: list) -> None:
    rows = _ordered(captures, frames)
    for (ns, iface, rec, f), comment in zip(rows, _comments(rows, journeys)):
        data = base64.b64decode(f["data"])
        writer.write_block(shb.new_member(
            blocks.EnhancedPacket, interface_id=ids[iface],
            timestamp_high=ns >> 32, timestamp_low=ns & 0xFFFFFFFF,
            packet_len=max(f.get("len", len(data)), len(data)), packet_data=data,
            options={"opt_comment": comment,
                     "epb_flags": EPB_OUTBOUND if rec.get("direction") == "out" else EPB_INBOUND}))
