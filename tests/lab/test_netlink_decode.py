"""Decoder tests on real netlink bytes captured from this kernel (no root needed)."""
import base64
import json
from pathlib import Path

import pytest

from visualizer.core import headers, lessons
from visualizer.lab import netlink
from visualizer.core.events import Tracker, format_event

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "netlink_container_to_container.json"


@pytest.fixture(scope="module")
def capture():
    return json.loads(FIXTURE.read_text())


def messages(capture, key, mtype):
    for blob in capture[key]:
        for t, raw in netlink.split(base64.b64decode(blob)):
            if t == mtype:
                yield raw


def test_trace_messages_decode(capture):
    decoded = [netlink.decode_trace(r) for r in messages(capture, "trace", netlink.TRACE_MSG_TYPE)]
    assert len(decoded) > 100
    assert {d["nfproto"] for d in decoded} == {2, 7}          # ip and bridge
    first = decoded[0]
    assert first["table"] == "trace" and first["chain"] == "prerouting"
    assert first["type"] == 3 and first["verdict_code"] == -1  # rule, continue
    jumps = [d for d in decoded if d.get("verdict_code") == -3]
    assert {d["verdict_chain"] for d in jumps} >= {"DOCKER-USER", "DOCKER-ISOLATION-STAGE-1"}
    with_ct = [d for d in decoded if "ct_id" in d]
    assert with_ct and {d["ct_state"] for d in with_ct} == {8, 2}  # new, established
    assert {d["ct_direction"] for d in with_ct} == {0, 1}


def test_nflog_messages_decode(capture):
    decoded = [netlink.decode_nflog(r) for r in messages(capture, "nflog", netlink.NFLOG_MSG_TYPE)]
    assert decoded
    prefixes = {d["prefix"] for d in decoded}
    assert {"eb:nat:PREROUTING", "eb:filter:FORWARD", "eb:nat:POSTROUTING"} <= prefixes
    fwd = next(d for d in decoded if d["prefix"] == "eb:filter:FORWARD")
    assert fwd["hook"] == 2 and fwd["nfgen_family"] == 7 and fwd["group"] == 1
    h = headers.packet(fwd["hwheader"], fwd["payload"])
    assert (h["src"], h["dst"], h["proto"], h["icmp_type"]) == ("172.17.0.2", "172.17.0.3", "icmp", 8)


def test_nflog_bind_message_roundtrip():
    raw = netlink.nflog_bind(7)
    msg = netlink.nflog_config_msg(raw)
    msg.decode()
    assert msg["header"]["type"] == netlink.NFLOG_CONFIG_TYPE
    assert msg["res_id"] == 7
    assert msg.get_attr("NFULA_CFG_CMD")["command"] == netlink.NFULNL_CFG_CMD_BIND


def track(capture):
    topo = lessons.get("container-to-container").topology
    t = Tracker({int(k): v for k, v in capture["ifnames"].items()}, topology=topo)
    events = []
    for raw in messages(capture, "trace", netlink.TRACE_MSG_TYPE):
        ev = t.on_trace(netlink.decode_trace(raw), 0.0)
        if ev:
            events.append(ev.flat())
    return t, events


def test_each_chain_shows_the_packet_as_the_kernel_dumped_it_there(capture):
    """The chain's dump (often on its end marker) is the truth for its events:
    nat POSTROUTING has oif docker0, nat PREROUTING the new conntrack entry,
    and raw PREROUTING (before conntrack) no ct state at all."""
    _, events = track(capture)
    first = next(e for e in events if e["proto"] == "icmp" and e["family"] == "ip")["journey"]
    mine = [e for e in events if e["journey"] == first and e["family"] == "ip"]
    by_chain = {(e["table"], e["chain"]): e for e in mine}
    assert by_chain[("nat", "POSTROUTING")]["oif"] == "docker0"
    assert by_chain[("nat", "PREROUTING")]["ct_state"] == "new"
    assert by_chain[("nat", "PREROUTING")]["iif"] == "docker0"
    raw = by_chain[("raw", "PREROUTING")]
    assert raw["ct_state"] is None and raw["ct_id"] is None
    for e in events:          # nothing of a later chain's conntrack reaches raw
        if e["table"] == "raw":
            assert e["ct_state"] is None, e["text"]


def test_derived_fields_say_so(capture):
    _, events = track(capture)
    fwd = next(e for e in events if e["family"] == "ip" and e["chain"] == "FORWARD")
    assert fwd["physin"] == "veth-c1" and "physin" in fwd["derived"]
    assert "iif" not in fwd["derived"] and "src" not in fwd["derived"]
    user = next(e for e in events if e["chain"] == "DOCKER-USER")
    assert "hook" in user["derived"]
    # the end of a user chain: the kernel sends a rule message with no handle; "return"
    # is the tracker's reading of it, and says so
    ends = [e for e in events if e["type"] == "return" and e["rule_handle"] is None]
    assert ends and all({"type", "verdict"} <= set(e["derived"]) for e in ends)
    assert not any("verdict" in e["derived"] for e in events if e["rule_handle"] is not None)


def test_tracker_tells_the_first_request_journey(capture):
    t, events = track(capture)
    journeys = t.journeys.summaries()
    first = next(j for j in journeys if j["proto"] == "icmp" and j["direction"] == "request")
    assert first["path"] == [["bridge", "prerouting"], ["ip", "prerouting"], ["bridge", "forward"],
                             ["ip", "forward"], ["bridge", "postrouting"], ["ip", "postrouting"]]
    evs = [e for e in events if e["journey"] == first["id"]]
    user_chain = next(e for e in evs if e["chain"] == "DOCKER-USER")
    assert user_chain["hook"] == "forward" and user_chain["base_chain"] == "FORWARD"
    fwd = [e for e in evs if e["family"] == "ip" and e["chain"] == "FORWARD"]
    assert fwd[0]["physin"] == "veth-c1" and fwd[0]["iif"] == "docker0"
    assert fwd[-1]["verdict"] == "accept"
    reply = next(j for j in journeys if j["proto"] == "icmp" and j["direction"] == "reply")
    assert reply["flow"] == first["flow"]
    line = format_event(fwd[-1])
    assert line.startswith("ip filter FORWARD rule ? accept IN=docker0 OUT=docker0 PHYSIN=veth-c1")
    assert "PROTO=ICMP TYPE=8" in line and "CT=new" in line


def test_decoder_is_fast_enough_to_keep_up(capture):
    """Sanity only; the number lives in bench/ (events/s)."""
    raws = list(messages(capture, "trace", netlink.TRACE_MSG_TYPE))
    for r in raws:
        netlink.decode_trace(r)


def test_fast_decoder_agrees_with_the_pyroute2_message_class(capture):
    raws = list(messages(capture, "trace", netlink.TRACE_MSG_TYPE))
    for raw in raws:
        slow = netlink.decode_trace(raw)
        slow.pop("pad", None)
        assert netlink.decode_trace_fast(raw) == slow


def test_fast_nflog_decoder_agrees_with_the_pyroute2_message_class(capture):
    raws = list(messages(capture, "nflog", netlink.NFLOG_MSG_TYPE))
    assert raws
    for raw in raws:
        slow = netlink.decode_nflog(raw)
        slow.pop("n", None)     # NFULA_L2HDR (21), not in our map: pyroute2 keeps it as UNKNOWN
        assert netlink.decode_nflog_fast(raw) == slow
