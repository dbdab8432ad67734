"""Journey outcomes and NAT from the run's other evidence (pure): a frame the bridge
kept, a link with no carrier, a rewrite only a capture shows (core/journeys.py,
core/natevidence.py).  The live tests in test_live_evidence.py check the same against
the kernel."""
from __future__ import annotations

from visualizer.core.journeys import Journeys

SYN = {"src": "172.17.0.2", "dst": "203.0.113.10", "sport": 40000, "dport": 8080, "proto": "tcp",
       "ip_id": 7, "tcp_seq": 1, "tcp_ack": 0, "tcp_flags": "SYN"}


def _pkt(iface, direction, journey, **h):
    return {"iface": iface, "direction": direction, "journey": journey, "proto": "tcp", **h}


def _hairpin():
    js = Journeys({"docker0": ("veth-c1", "veth-c2")})
    j = js.for_packet(SYN, 0, 0.0)
    j.note_headers(dict(SYN), None)
    j.physin, j.last_hop = "veth-c1", ("ip", "prerouting", "docker0", None)
    j.last_at = j.last_nat_at = "ip nat PREROUTING"
    j.last_verdict = ("accept", "ip nat PREROUTING", "-A DOCKER -p tcp -j DNAT --to-destination 172.17.0.2:80")
    caps = {"veth-c1": [_pkt("veth-c1", "in", j.id, mac_src="02:42:ac:11:00:02", **SYN)],
            "docker0": [_pkt("docker0", "out", j.id, mac_src="02:42:ac:11:00:02",
                             mac_dst="02:42:ac:11:00:02", **{**SYN, "dst": "172.17.0.2", "dport": 80})],
            "veth-c2": []}
    return js, caps


def test_seen_leaving_a_bridge_but_by_none_of_its_ports_is_lost():
    js, caps = _hairpin()
    s = js.summaries(caps)[0]
    assert (s["outcome"], s["outcome_msg"]["id"], s["seen"]) == ("lost", "outcome.bridge_hairpin", [])
    assert "veth-c1, the port it came in by" in s["outcome_detail"]
    nat = {(n["field"], n["new"], n["at"], n["source"], n["by"]) for n in s["nat"]}
    assert nat == {("dst", "172.17.0.2", "ip nat PREROUTING", "capture", "rule"),
                   ("dport", 80, "ip nat PREROUTING", "capture", "rule")}


def test_seen_leaving_by_a_port_too_is_delivered():
    js, caps = _hairpin()
    caps["veth-c1"].append(_pkt("veth-c1", "out", 1, **{**SYN, "dst": "172.17.0.2", "dport": 80}))
    s = js.summaries(caps)[0]
    assert s["outcome"] == "delivered" and sorted(s["seen"]) == ["docker0", "veth-c1"]


def test_toward_a_link_with_no_carrier():
    js = Journeys()
    j = js.for_packet({"src": "172.17.0.1", "dst": "172.17.0.2", "proto": "icmp", "icmp_type": 8,
                       "icmp_id": 1, "icmp_seq": 1, "ip_id": 3}, 0, 0.0)
    j.last_hop, j.last_at = ("ip", "postrouting", None, "docker0"), "ip nat POSTROUTING"
    caps = {"docker0": []}
    assert js.summaries(caps)[0]["outcome_msg"]["id"] == "outcome.not_sent"
    js.links = {"docker0": {"carrier": False, "operstate": "DOWN", "tx_dropped": 3}}
    s = js.summaries(caps)[0]
    assert s["outcome"] == "lost" and s["outcome_msg"] == {
        "id": "outcome.no_carrier", "args": {"where": "ip POSTROUTING", "dev": "docker0", "dropped": 3}}
