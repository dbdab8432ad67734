"""Lesson log-host-and-wan, the facts its texts state: with an NFLOG rule first in every
iptables and ebtables chain, the host's ping to c1 logs the ip OUTPUT and POSTROUTING
chains before the bridge's (filter OUTPUT before nat OUTPUT), without an input
interface, and its reply logs bridge PREROUTING, ip PREROUTING, bridge INPUT and ip INPUT
(no FORWARD, no nat); wan's SYN to the published port logs its DNATed destination from
mangle FORWARD on and keeps IN=eth0 at POSTROUTING, and the SYN-ACK logs bridge INPUT,
then ip FORWARD, with no nat line and its source not yet rewritten at mangle POSTROUTING."""
from __future__ import annotations

import pytest

from tests.conftest import run_trace

pytestmark = pytest.mark.live
SLUG = "log-host-and-wan"


def _step(number):
    events, res, proc = run_trace(SLUG, "--step", str(number))
    assert proc.returncode == 0 and res is not None, proc.stderr[-2000:]
    return events, res


def _first(res, proto, direction):
    return min((j for j in res["journeys"] if j["proto"] == proto and j["direction"] == direction),
               key=lambda j: j["first_seq"])


def _lines(events, journey):
    """The journey's log lines in the order the kernel sent them: (prefix, ifaces, event)."""
    logged = sorted((e for e in events if e["source"] == "nflog" and e["journey"] == journey["id"]
                     and e["prefix"][:4] in ("ipt:", "ebt:")), key=lambda e: e["seq"])
    return [(e["prefix"], {k: e[k] for k in ("iif", "oif", "physin", "physout") if e.get(k)}, e)
            for e in logged]


HOST_REQUEST = ["ipt:raw:OUTPUT", "ipt:mangle:OUTPUT", "ipt:nat:OUTPUT", "ipt:filter:OUTPUT",
                "ipt:mangle:POSTROUTING", "ipt:nat:POSTROUTING", "ebt:filter:OUTPUT",
                "ebt:nat:OUTPUT", "ebt:nat:POSTROUTING"]
HOST_REPLY = ["ebt:nat:PREROUTING", "ipt:raw:PREROUTING", "ipt:mangle:PREROUTING",
              "ebt:filter:INPUT", "ipt:mangle:INPUT", "ipt:filter:INPUT"]
SYN = ["ipt:raw:PREROUTING", "ipt:mangle:PREROUTING", "ipt:nat:PREROUTING", "ipt:mangle:FORWARD",
       "ipt:filter:FORWARD", "ipt:mangle:POSTROUTING", "ipt:nat:POSTROUTING", "ebt:filter:OUTPUT",
       "ebt:nat:OUTPUT", "ebt:nat:POSTROUTING"]
SYN_ACK = ["ebt:nat:PREROUTING", "ipt:raw:PREROUTING", "ipt:mangle:PREROUTING",
           "ebt:filter:INPUT", "ipt:mangle:FORWARD", "ipt:filter:FORWARD",
           "ipt:mangle:POSTROUTING"]


def test_the_hosts_ping_logs_ip_output_first_and_its_reply_goes_up_through_input(live_lab):
    events, res = _step(1)
    assert res["ok"] is True
    request = _lines(events, _first(res, "icmp", "request"))
    assert [p for p, _, _ in request] == HOST_REQUEST
    assert all("iif" not in f and "physin" not in f for _, f, _ in request), request
    assert all(f["oif"] == "docker0" for _, f, _ in request)
    assert all(f.get("physout") == "veth-c1" for p, f, _ in request if p.startswith("ebt:"))
    reply = _lines(events, _first(res, "icmp", "reply"))
    assert [p for p, _, _ in reply] == HOST_REPLY
    assert all(f.get("iif") == "docker0" and f.get("physin") == "veth-c1" and "oif" not in f
               for _, f, _ in reply), reply


def test_wan_syn_logs_the_dnat_and_the_syn_ack_logs_bridge_input_then_ip_forward(live_lab):
    events, res = _step(2)
    assert res["ok"] is True
    syn = _lines(events, _first(res, "tcp", "request"))
    assert [p for p, _, _ in syn] == SYN
    dst = [(e["dst"], e["dport"]) for _, _, e in syn]
    assert dst[:3] == [("203.0.113.10", 8080)] * 3 and set(dst[3:]) == {("172.17.0.2", 80)}
    assert all(f.get("iif") == "eth0" for p, f, _ in syn if p.startswith("ipt:"))
    assert all(f.get("oif") == "docker0" for p, f, _ in syn[3:])
    ack = _lines(events, _first(res, "tcp", "reply"))
    assert [p for p, _, _ in ack] == SYN_ACK
    assert all(f.get("physin") == "veth-c1" and f.get("iif") == "docker0" for _, f, _ in ack)
    assert all(f.get("oif") == "eth0" for _, f, _ in ack[4:])
    assert ack[-1][2]["src"] == "172.17.0.2" and ack[-1][2]["sport"] == 80
    # conntrack rewrites it back after mangle POSTROUTING: it leaves eth0 from the published port
    out = [p for p in res["captures"]["eth0"] if p["direction"] == "out" and p.get("sport")]
    assert (out[0]["src"], out[0]["sport"]) == ("203.0.113.10", 8080), out
    # wan's ACK: no nat line, yet DNATed between mangle PREROUTING and mangle FORWARD
    later = _lines(events, [j for j in res["journeys"] if j["proto"] == "tcp"
                            and j["direction"] == "request"][1])
    assert not [p for p, _, _ in later if p.startswith("ipt:nat:")]
    assert [p for p, _, _ in later if p.startswith("ebt:nat:")]     # ebtables' nat: every frame
    dst = {p: (e["dst"], e["dport"]) for p, _, e in later}
    assert dst["ipt:mangle:PREROUTING"] == ("203.0.113.10", 8080)
    assert dst["ipt:mangle:FORWARD"] == ("172.17.0.2", 80)


def test_a_syn_dropped_in_docker_user_logs_up_to_filter_forward_and_its_retry_is_new(live_lab):
    events, res, proc = run_trace(SLUG, "--step", "3", "--rule",
                                  "-I DOCKER-USER -p tcp --dport 80 -j DROP")
    assert proc.returncode == 0 and res["ok"] is False, proc.stderr[-2000:]
    syns = [j for j in res["journeys"] if j["proto"] == "tcp" and j["direction"] == "request"]
    assert len(syns) >= 2
    for j in syns:
        assert [p for p, _, _ in _lines(events, j)] == SYN[:5]
