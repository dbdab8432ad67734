"""Lesson promiscuous-capture, the facts its texts state (seed 000's tcpdump on its
bridge): c3's echo requests to c4 die in ip filter FORWARD on the policy; the capture on
br-new has none of them (only the broadcast ARP request) until br-new is in promiscuous
mode (ip link set dev br-new promisc on, shown PROMISC), when it records both, and the
ARP reply, while veth-c4 still has none: each echo request then also visits bridge
INPUT, a copy the bridge passed up to the host."""
from __future__ import annotations

import pytest

from tests.conftest import run_trace

pytestmark = pytest.mark.live
SLUG = "promiscuous-capture"


def _step(number, *args):
    events, res, proc = run_trace(SLUG, "--step", str(number), *args)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return events, res


def _seen(res, dev, proto, summary=""):
    return [p for p in res["captures"][dev] if p["proto"] == proto
            and p["summary"].startswith(summary)]


def _requests(res):
    return [j for j in res["journeys"] if j["proto"] == "icmp" and j["direction"] == "request"]


def test_without_promiscuous_mode_the_bridge_capture_has_no_echo_request(live_lab):
    events, res = _step(1)
    assert res["ok"] is False and res["grade"]["passed"], res["grade"]
    assert not _seen(res, "br-new", "icmp") and not _seen(res, "veth-c4", "icmp")
    assert len([p for p in _seen(res, "veth-c3", "icmp") if p["direction"] == "in"]) == 2
    assert [p["direction"] for p in _seen(res, "br-new", "arp")] == ["in"]
    reqs = _requests(res)
    assert len(reqs) == 2 and all(["bridge", "input"] not in j["path"] for j in reqs)
    assert all(j["drop_at"] == "ip filter FORWARD" for j in reqs)


def test_in_promiscuous_mode_it_records_the_echo_requests_that_die_in_forward(live_lab):
    events, res = _step(2)
    assert res["ok"] is False and res["grade"]["passed"], res["grade"]
    assert "PROMISC" in " ".join(i["output"] for i in res["inspect"])
    icmp = _seen(res, "br-new", "icmp")
    assert len(icmp) == 2 and {p["direction"] for p in icmp} == {"in"}
    assert _seen(res, "br-new", "arp", "ARP 172.18.0.4 is-at")
    assert not _seen(res, "veth-c4", "icmp")
    for j in _requests(res):
        assert j["path"][-1] == ["bridge", "input"] and j["drop_at"] == "ip filter FORWARD"
        assert "copy of it went on" in j["outcome_detail"]


def test_with_a_forward_accept_c4_answers_and_the_bridge_capture_sees_it_all(live_lab):
    events, res = _step(3, "--rule", "-I FORWARD -m physdev --physdev-is-bridged -j ACCEPT")
    assert res["ok"] is True
    assert len([p for p in _seen(res, "veth-c4", "icmp", "172.18.0.3 >")
                if p["direction"] == "out"]) == 2
    assert len(_seen(res, "br-new", "icmp", "172.18.0.3 >")) == 2
