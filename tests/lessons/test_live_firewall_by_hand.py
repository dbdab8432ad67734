"""Lesson firewall-by-hand, the facts its texts state (seed 001's own rules, no docker):
wan's curl to 8088 gets c1's page and to 8089 c2's, each DNATed in nat PREROUTING, with
no ip FORWARD event while no filter table exists; the host gets c1's page directly and a
reset on its own port 8088 (no nat PREROUTING for its packet); under FORWARD DROP with
the per-port ACCEPTs, c1's echo request leaves and its reply dies by the policy in
filter FORWARD (conntrack saw it: REPLIED); -o docker0 -j ACCEPT lets the reply in."""
from __future__ import annotations

import pytest

from tests.conftest import run_trace

pytestmark = pytest.mark.live
SLUG = "firewall-by-hand"


def _step(number):
    events, res, proc = run_trace(SLUG, "--step", str(number))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert res["grade"]["passed"] is not False, res["grade"]
    return events, res


def _journeys(res, proto, direction):
    return sorted((j for j in res["journeys"] if j["proto"] == proto
                   and j["direction"] == direction), key=lambda j: j["first_seq"])


def _at(events, journey, table, chain):
    return [e for e in events if e["journey"] == journey["id"] and e["table"] == table
            and e["chain"] == chain and e["source"] == "nftrace" and not e.get("probe")]


def test_each_published_port_reaches_its_own_container(live_lab):
    events, res = _step(1)
    one, two = res["items"]
    assert "hello from c1" in one["http_body"] and "hello from c2" in two["http_body"]
    syn = _journeys(res, "tcp", "request")[0]
    assert syn["path"][0] == ["ip", "prerouting"] and ["ip", "forward"] not in syn["path"]
    assert not [e for e in events if e["table"] == "filter" and e["family"] == "ip"]
    nats = {c["nat"] for c in res["conntrack"] if c["proto"] == "tcp"}
    assert nats == {"DNAT 203.0.113.10:8088 -> 172.17.0.2:80",
                    "DNAT 203.0.113.10:8089 -> 172.17.0.3:80"}


def test_the_host_reaches_c1_directly_but_not_its_own_port(live_lab):
    events, res = _step(2)
    direct, own = res["items"]
    assert direct["http_status"] == 200 and own["http_error"] == "refused"
    to_own = [j for j in _journeys(res, "tcp", "request") if j["dst"] == "203.0.113.10"]
    assert to_own and to_own[0]["path"][-1] == ["ip", "input"]
    assert not _at(events, to_own[0], "nat", "PREROUTING")
    assert any("RST" in (j["summary"]) for j in _journeys(res, "tcp", "reply"))


def test_the_ping_reply_dies_by_the_forward_policy_until_o_docker0(live_lab):
    events, res = _step(3)
    assert res["items"][0]["ok"] is False and res["items"][1]["ok"] is True
    request, reply = _journeys(res, "icmp", "request")[0], _journeys(res, "icmp", "reply")[0]
    assert request["outcome"] == "delivered" and reply["drop_at"] == "ip filter FORWARD"
    (drop,) = [e for e in _at(events, reply, "filter", "FORWARD") if e["verdict"] == "drop"]
    assert drop["type"] == "policy" and drop["iif"] == "eth0" and drop["oif"] == "docker0"
    (ct,) = [c for c in res["conntrack"] if c["proto"] == "icmp"]
    assert ct["state"] == "REPLIED" and "seen_reply" in ct["status"]
    events, res = _step(4)
    reply = _journeys(res, "icmp", "reply")[0]
    assert [e["rule"] for e in _at(events, reply, "filter", "FORWARD")] == [
        "-A FORWARD -o docker0 -j ACCEPT"]
    assert reply["outcome"] == "delivered"
