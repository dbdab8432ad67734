"""The grader's path keys for flooded, hairpin and wan -> host traffic (core/gradepath.py),
on a captured run (tests/fixtures/run_bridge_flood.json: `manage.py trace bridge-flood
--step 2 --json` on kernel 6.18: the host's first echo request to c1 flooded out of both
veths, the second out of veth-c1 alone) and on events shaped like it; and the story of
a flooded frame (core/story.py), which says the bridge flooded it and that this is
derived from the ports the kernel's events name."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from visualizer.core import grader, gradepath, lessonobserve, lessons, model, phrases
from visualizer.core.explain import Explainer, Notes
from visualizer.core.journeys import Journeys
from visualizer.core.records import Conntrack, Event, Ifaces, Packet, Verdict, Where
from visualizer.core.story import story

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "run_bridge_flood.json"
C1_MAC = "02:42:ac:11:00:02"


def ev(journey, family, hook, oif=None, iif=None, table="filter", **kw):
    return {"source": "nftrace", "family": family, "table": table, "chain": hook.upper(),
            "base_chain": hook.upper(), "hook": hook, "journey": journey, "iif": iif,
            "oif": oif, "type": "policy", "verdict": "accept", "probe": False, **kw}


def flood_events(j=1, ports=("veth-c2", "veth-c1")):
    """The host's echo request as seed 004 logs it: ip OUTPUT and POSTROUTING once, then
    bridge OUTPUT and POSTROUTING for each port."""
    out = [ev(j, "ip", "output", "docker0"), ev(j, "ip", "postrouting", "docker0", table="nat")]
    for p in ports:
        out += [ev(j, "bridge", "output", p), ev(j, "bridge", "postrouting", p, table="nat")]
    return out


def journey(events, j=1):
    path = []
    for e in events:
        if e["journey"] == j and (not path or path[-1] != [e["family"], e["hook"]]):
            path.append([e["family"], e["hook"]])
    return {"id": j, "path": path}


def test_the_new_keys_are_known_and_documented():
    docs = (Path(__file__).resolve().parent.parent / "docs" / "lessons.md").read_text()
    for key in ("routed-to-local", "local-to-bridge-flooded", "routed-to-bridge-flooded",
                "bridged-flooded", "hairpin"):
        assert key in model.PATHS and f"| `{key}` |" in docs
    assert "There is no key yet" not in docs


def test_a_flooded_frame_follows_the_flooded_key_copy_by_copy():
    events = flood_events()
    j = journey(events)
    assert gradepath.copies(j["path"]) == (
        [("ip", "output"), ("ip", "postrouting")],
        [[("bridge", "output"), ("bridge", "postrouting")]] * 2)
    assert gradepath.out_ports(j, events) == ["veth-c2", "veth-c1"]
    assert grader.path_problem(j, "local-to-bridge-flooded", events) is None
    said = grader.path_problem(j, "local-to-bridge", events)
    assert "veth-c2" in said and "veth-c1" in said and "flooded" in said
    assert lessonobserve.path_key(j, events) == "local-to-bridge-flooded"


def test_one_port_is_not_a_flood_and_a_copy_out_of_order_is_still_wrong():
    one = flood_events(ports=("veth-c1",))
    j = journey(one)
    assert grader.path_problem(j, "local-to-bridge", one) is None
    assert "not flooded" in grader.path_problem(j, "local-to-bridge-flooded", one)
    assert lessonobserve.path_key(j, one) == "local-to-bridge"
    bad = flood_events()[:4] + [ev(1, "ip", "forward", "docker0")] + flood_events()[4:]
    assert "not in the order" in grader.path_problem(journey(bad), "local-to-bridge-flooded", bad)


def test_a_bridged_flood_repeats_the_bridge_and_ip_hooks_after_bridge_forward():
    before = [ev(3, "bridge", "prerouting", iif="veth-c1"), ev(3, "ip", "prerouting")]
    copies = [e for p in ("veth-c3", "veth-c2") for e in (
        ev(3, "bridge", "forward", p, "veth-c1"), ev(3, "ip", "forward", "docker0"),
        ev(3, "bridge", "postrouting", p), ev(3, "ip", "postrouting", "docker0", table="nat"))]
    events = before + copies
    j = journey(events, 3)
    assert len(gradepath.copies(j["path"])[1]) == 2
    assert grader.path_problem(j, "bridged-flooded", events) is None
    assert "flooded" in grader.path_problem(j, "bridged", events)
    assert lessonobserve.path_key(j, events) == "bridged-flooded"


def test_hairpin_and_wan_to_host():
    hops = [("bridge", "prerouting", None, "veth-c1"), ("ip", "prerouting", None, "docker0"),
            ("bridge", "forward", "veth-c1", "veth-c1"), ("ip", "forward", "docker0", "docker0"),
            ("bridge", "postrouting", "veth-c1", None), ("ip", "postrouting", "docker0", None)]
    events = [ev(1, f, h, oif=o, iif=i) for f, h, o, i in hops]
    j = journey(events)
    assert grader.path_problem(j, "hairpin", events) is None
    assert grader.path_problem(j, "bridged", events) is None
    assert lessonobserve.path_key(j, events) == "hairpin"
    other = [dict(e, oif="veth-c2") if e["hook"] == "forward" and e["family"] == "bridge" else e
             for e in events]
    said = grader.path_problem(journey(other), "hairpin", other)
    assert "from veth-c1 to veth-c2" in said
    assert lessonobserve.path_key(journey(other), other) == "bridged"
    wan = [ev(2, "ip", "prerouting", iif="eth0"), ev(2, "ip", "input", iif="eth0")]
    assert grader.path_problem(journey(wan, 2), "routed-to-local", wan) is None
    assert lessonobserve.path_key(journey(wan, 2), wan) == "routed-to-local"


def test_the_checks_say_it_in_every_language():
    events = flood_events()
    result = {"journeys": [{**journey(events), "proto": "icmp", "direction": "request",
                            "first_seq": 0}]}
    for key, ok in (("local-to-bridge-flooded", True), ("local-to-bridge", False)):
        g = grader.Expectation({"path": key}, "icmp", "172.17.0.2").grade(events, result)
        (c,) = g.checks
        assert c.ok is ok
        for side in ("expected_msg",) if ok else ("expected_msg", "observed_msg"):
            m = getattr(c, side)
            for lang in ("ja", "zh-hans", "zh-hant"):
                assert phrases.render_in(lang, m) != m.text()
    assert "once for each port" in grader.Expectation(
        {"path": "local-to-bridge-flooded"}, "icmp", "x").grade(events, result).checks[0].expected


@pytest.fixture(scope="module")
def captured():
    return json.loads(FIXTURE.read_text())


def _icmp_requests(res):
    return sorted((j for j in res["journeys"] if j["proto"] == "icmp"
                   and j["direction"] == "request"), key=lambda j: j["first_seq"])


def test_the_captured_flood_passes_and_the_learnt_ping_does_not_flood(captured):
    events, res = captured["events"], captured["result"]
    first, second = _icmp_requests(res)
    assert first["left_by"] == ["veth-c2", "veth-c1"] and second["left_by"] == ["veth-c1"]
    assert grader.path_problem(first, "local-to-bridge-flooded", events) is None
    assert "flooded" in grader.path_problem(first, "local-to-bridge", events)
    assert grader.path_problem(second, "local-to-bridge", events) is None
    assert "not flooded" in grader.path_problem(second, "local-to-bridge-flooded", events)
    assert lessonobserve.path_key(first, events) == "local-to-bridge-flooded"
    assert lessonobserve.path_key(second, events) == "local-to-bridge"
    told = [m["id"] for m in first["story_msgs"]]
    assert "story.flooded" in told and "explain.where.bridge_output" not in told
    assert "story.flooded" not in [m["id"] for m in second["story_msgs"]]


def test_the_lesson_steps_grade_the_captured_run(captured):
    step = lessons.get("bridge-flood").step(2)
    g = grader.grade(step, captured["events"], captured["result"])
    assert g.passed, [c.as_dict() for c in g.failures()]


# -- the story, on explained events ------------------------------------------------------
def test_a_flood_without_a_mac_in_its_events_is_told_without_one():
    js = Journeys()
    js._new({}, 0, 0.0)
    ex = Explainer(lessons.get("host-to-container").topology, js)
    for p in ("veth-c2", "veth-c1"):
        js.all[0].note_port(p, None)
    s = {**js.all[0].summary(), "id": 1, "path": [["bridge", "output"]]}
    notes = Notes(entered=phrases.msg("explain.where.bridge_output", bridge="docker0",
                                      port="veth-c2"))
    (first, *_) = story(s, notes, ex)
    assert first.id == "story.flooded_plain" and "MAC" not in first.text()


def _explain(ex, js, jid, family, hook, oif, table="filter"):
    e = Event(where=Where(source="nftrace", family=family, table=table, chain=hook.upper(),
                         hook=hook, base_chain=hook.upper(), trace_id=1),
              verdict=Verdict(type="policy", verdict="accept", probe=False),
              ifaces=Ifaces(oif=oif), packet=Packet(src="172.17.0.1", dst="172.17.0.2",
                                                    proto="icmp", mac_dst=C1_MAC),
              ct=Conntrack(), journey=jid)
    ex.explain(e)
    j = js.all[jid - 1]
    j.add_hop(family, hook)
    if family == "bridge" and hook in ("forward", "output"):
        j.note_port(oif, C1_MAC)


@pytest.mark.parametrize("ports,flooded", [(("veth-c2", "veth-c1"), True), (("veth-c1",), False)])
def test_the_story_says_flooded_and_derived_only_for_several_ports(ports, flooded):
    js = Journeys()
    js._new({}, 0, 0.0)
    ex = Explainer(lessons.get("host-to-container").topology, js)
    _explain(ex, js, 1, "ip", "output", "docker0")
    _explain(ex, js, 1, "ip", "postrouting", "docker0", table="nat")
    for p in ports:
        _explain(ex, js, 1, "bridge", "output", p)
        _explain(ex, js, 1, "bridge", "postrouting", p, table="nat")
    s = {**js.all[0].summary(seen=list(ports)), "id": 1}
    told = story(s, ex.notes[1], ex)
    ids = [x.id for x in told]
    if flooded:
        (f,) = [x for x in told if x.id == "story.flooded"]
        text = f.text()
        assert "docker0" in text and "veth-c2" in text and "veth-c1" in text
        assert "derived" in text and C1_MAC in text
        assert "explain.where.bridge_output" not in ids
        assert "explain.where.bridge_flood_copy" not in ids
    else:
        assert "story.flooded" not in ids and "explain.where.bridge_output" in ids
