"""The ``captured`` expect key (core/gradecapture.py) and the promiscuous-capture action
(``ip link set dev <device> promisc on|off``, core/lessons.py), on constructed results:
the count passes and fails saying what each capture saw; bad values fail to load."""
import pytest

from tests.test_gradekeys import _load
from visualizer.core import grader, lessons, phrases


def pkt(iface, dst="172.18.0.4", proto="icmp", direction="in", journey=1):
    return {"iface": iface, "src": "172.18.0.3", "dst": dst, "proto": proto,
            "direction": direction, "journey": journey}


RESULT = {"journeys": [{"id": 1, "proto": "icmp", "direction": "request", "first_seq": 0,
                        "path": [], "summary": "icmp", "nat": []}],
          "captures": {"br-new": [pkt("br-new"), pkt("br-new", journey=None),
                                  pkt("br-new", dst="172.18.0.3"), pkt("br-new", proto="arp")],
                       "veth-c3": [pkt("veth-c3")] * 2, "veth-c4": [pkt("veth-c4", proto="arp")]}}


def check(want, result=RESULT):
    (c,) = grader.Expectation({"captured": want}, "icmp", "172.18.0.4").grade([], result).checks
    for side in ("expected_msg", "observed_msg"):
        m = getattr(c, side)
        assert m.text() == getattr(c, side[:-4])
        for lang in ("ja", "zh-hans", "zh-hant"):
            assert phrases.render_in(lang, m) != m.text()
    return c


def test_counts_the_traffic_s_frames_to_its_destination():
    # br-new: one of the journey, one no trace event matched; not the reply, not the ARP
    assert check({"br-new": 2, "veth-c3": 2, "veth-c4": 0}).ok
    assert check({"br-new": True, "veth-c4": False}).ok
    c = check({"br-new": 0})
    assert not c.ok and "br-new: 2 (in)" in c.observed
    c = check({"veth-c4": True})
    assert not c.ok and c.observed == "veth-c4: none"


def test_a_frame_of_another_item_s_journey_does_not_count():
    other = {**RESULT, "journeys": [{**RESULT["journeys"][0], "id": 7}]}
    assert check({"br-new": 1, "veth-c3": 0}, other).ok


def test_a_device_without_a_capture_says_which_ran():
    c = check({"docker0": 0})
    assert not c.ok and "no capture ran on it" in c.observed and "br-new" in c.observed


@pytest.mark.parametrize("extra", [
    'captured = ["docker0"]', "captured = { docker0 = -1 }", 'captured = { docker0 = "2" }',
    "captured = { docker0 = 5000 }", "captured = {}", 'captured = { "a b" = 1 }'])
def test_bad_captured_values_fail_to_load(extra):
    with pytest.raises(lessons.LessonError, match="expect.captured"):
        _load(extra)


def test_good_captured_values_load():
    step = _load('captured = { docker0 = 2, "wan:eth0" = true, veth-c2 = 0 }').steps[0]
    assert step.expect["captured"] == {"docker0": 2, "wan:eth0": True, "veth-c2": 0}


def test_the_promiscuous_action():
    a = lessons._action({"ip": "link set dev docker0 promisc on"})
    assert lessons.tool_argv(a.kind, a.args) == ["ip", "link", "set", "dev", "docker0",
                                                 "promisc", "on"]
    for bad in ("link set dev docker0 down", "link set dev docker0 promisc yes",
                "link set dev docker0 promisc on mtu 9000", "link del dev docker0"):
        with pytest.raises(lessons.LessonError, match="link"):
            lessons.tool_argv("ip", bad)


def test_a_copy_for_another_host_s_mac_at_bridge_input_is_told_promiscuous():
    """The promiscuous bridge's copy (lesson promiscuous-capture step 2): bridge INPUT for
    a frame to c4's MAC says so, and that the mode and the owner are worked out."""
    from visualizer.core.explain import Explainer
    from visualizer.core.records import Conntrack, Event, Ifaces, Packet, Verdict, Where
    ex = Explainer(lessons.get("promiscuous-capture").topology)

    def said(mac, jid):
        e = Event(where=Where(source="nftrace", family="bridge", table="filter", chain="INPUT",
                              hook="input", base_chain="INPUT", trace_id=jid),
                  verdict=Verdict(type="policy", verdict="accept", probe=False),
                  ifaces=Ifaces(iif="veth-c3"), packet=Packet(proto="icmp", mac_dst=mac),
                  ct=Conntrack(), journey=jid)
        ex.explain(e)
        return [x["id"] for x in e.explain_msgs], e.explain

    ids, text = said("02:42:ac:12:00:04", 1)
    assert "explain.where.bridge_up_promisc" in ids
    assert "c4" in text and "veth-c4" in text and "promiscuous" in text and "worked out" in text
    assert "explain.where.bridge_up" in said("02:42:ac:12:00:01", 2)[0]
