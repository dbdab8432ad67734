"""The prediction grader's pure parts (core/predict.py): the NAT answer's forms, where
the traffic failed (request or reply), and a journey's drop_at as a diagram box."""
from __future__ import annotations

import pytest

from visualizer.core import predict


def test_the_nat_answer_takes_the_form_the_steps_use():
    assert predict.check({"nat_addr": " 172.17.0.2:80 "}) == {"nat_addr": "172.17.0.2:80"}
    assert predict.check({"nat_addr": "203.0.113.10"}) == {"nat_addr": "203.0.113.10"}
    for bad in ("172.17.0.2:", "172.17.0.2:0", "172.17.0.2:70000", "172.17.0.2:http", "300.1.1.1"):
        with pytest.raises(predict.PredictionError):
            predict.check({"nat_addr": bad})


def _j(id_, direction, outcome, drop_at=None, proto="icmp", nat=(), dport=None):
    return {"id": id_, "direction": direction, "proto": proto, "outcome": outcome,
            "drop_at": drop_at, "first_seq": id_ * 10, "summary": f"#{id_}", "path": [],
            "nat": list(nat), "dport": dport, "outcome_detail": "d"}


def test_the_traffic_failed_where_its_first_dropped_packet_died():
    result = {"journeys": [_j(1, "request", "delivered"), _j(2, "reply", "dropped", "ip filter FORWARD"),
                           _j(3, "request", "dropped", "ip filter INPUT")]}
    assert predict.failed_journey(result, "icmp")["id"] == 2
    # a ping that never left: the ARP it waited for died
    result = {"journeys": [_j(1, "request", "dropped", "bridge filter FORWARD", proto="arp")]}
    assert predict.failed_journey(result, "icmp")["id"] == 1
    assert predict.failed_journey({"journeys": [_j(1, "request", "delivered")]}, "icmp") is None


def test_a_drop_at_is_a_box_of_the_diagram():
    assert predict.box_of("ip filter FORWARD") == "ip:filter:forward"
    assert predict.box_of("bridge filter FORWARD") == "bridge:filter:forward"
    assert predict.box_of("ip nat OUTPUT") == "ip:nat:output"
    assert predict.box_of("nowhere") is None


class _Step:
    class traffic:
        proto = "tcp"


def test_the_nat_answer_with_a_port_is_graded_on_both():
    nat = [{"at": "ip nat PREROUTING", "field": "dst", "old": "203.0.113.10", "new": "172.17.0.2"},
           {"at": "ip nat PREROUTING", "field": "dport", "old": 8080, "new": 80}]
    result = {"journeys": [_j(1, "request", "delivered", proto="tcp", nat=nat, dport=80)]}
    for said, right in (("172.17.0.2:80", True), ("172.17.0.2", True), ("172.17.0.2:8080", False),
                        ("203.0.113.10:80", False)):
        g = predict.grade({"nat_addr": said}, _Step, [], result)
        assert g["parts"][0]["right"] is right, (said, g)


def test_a_rule_box_rule_may_be_an_ebtables_rule():
    """arp-and-capture step 4's box takes step 3's own rule: a rule naming ebtables is
    read (and applied) as ebtables reads it; anything else is iptables arguments."""
    from visualizer.core import rulecheck
    assert rulecheck.tool_of("ebtables -A FORWARD -p ARP -j DROP") == "ebtables"
    assert rulecheck.tool_of("-I FORWARD -j DROP") == "iptables"
    assert rulecheck.tool_of("iptables -I FORWARD -j DROP") == "iptables"
    assert rulecheck.check_list(["ebtables -A FORWARD -p ARP -j DROP"]) == [
        "ebtables -A FORWARD -p ARP -j DROP"]
    with pytest.raises(rulecheck.RuleRefused):     # ebtables' own file option, refused
        rulecheck.check_list(["ebtables --atomic-file /etc/passwd -L"])


def test_the_captures_prediction_is_checked_and_graded_per_interface():
    assert predict.check({"captures": {"veth-c1": ["request", "arp", "arp"], "veth-c2": []}}) == {
        "captures": {"veth-c1": ["arp", "request"], "veth-c2": []}}
    for bad in ({}, {"veth-c1": ["icmp"]}, {"veth-c1": "arp"}, ["veth-c1"]):
        with pytest.raises(predict.PredictionError):
            predict.check({"captures": bad})
    assert predict.parse_cli(["captures=veth-c1:arp+request,wan:eth0:"]) == {
        "captures": {"veth-c1": ["arp", "request"], "wan:eth0": []}}
    result = {"journeys": [_j(1, "request", "delivered"), _j(2, "reply", "dropped", "ip filter FORWARD")],
              "captures": {"veth-c1": [{"proto": "arp", "journey": None},
                                       {"proto": "icmp", "journey": 1}],
                           "veth-c2": [{"proto": "icmp", "journey": 1}, {"proto": "icmp", "journey": 2},
                                       {"proto": "igmp", "journey": None}]}}
    g = predict.grade({"captures": {"veth-c1": ["arp", "request"], "veth-c2": ["request"]}},
                      _Step, [], result)["parts"][0]
    assert not g["right"] and g["kernel"] == {"veth-c1": ["arp", "request"], "veth-c2": ["request", "reply"]}
    assert g["hint"] == "veth-c2: you said requests; its capture showed requests, replies"


def test_a_step_offers_the_captures_it_names():
    from visualizer.core import lessons
    steps = lessons.load_lesson(lessons.DEFAULT_DIR / "arp-and-capture").steps
    assert "captures" in predict.offered(steps[3]) and "captures" not in predict.offered(steps[0])
    assert steps[3].predict_captures == ("veth-c1", "docker0", "veth-c2")
    assert all("arp" in s.about for s in steps)
