"""Save as lesson, pure (``core/lessonexport.py``, ``lessonobserve.py``, ``tomlwrite.py``):
a constructed run's observations become the expectations the grader passes on that run,
the base's state becomes actions, and every file loads with the lesson loader."""
from __future__ import annotations

import tomllib

import pytest

from visualizer.core import experiment, grader, lessonexport, lessons, tomlwrite
from visualizer.core.lessonobserve import observed

ROOT = lessons.DEFAULT_DIR
KNOWN = lessons.all_lessons(ROOT)
BRIDGE_IN = [["bridge", "prerouting"], ["ip", "prerouting"], ["bridge", "input"]]
OUT = BRIDGE_IN + [["ip", "forward"], ["ip", "postrouting"]]


def ev(seq, journey, family, table, chain, hook, verdict="continue", type_="rule", rule=""):
    return {"seq": seq, "journey": journey, "source": "nftrace", "probe": False,
            "family": family, "table": table, "chain": chain, "base_chain": chain,
            "hook": hook, "verdict": verdict, "type": type_, "rule": rule, "proto": "udp"}


def journey(id_, proto, direction, path, first_seq, dst="203.0.113.1", nat=()):
    return {"id": id_, "proto": proto, "direction": direction, "path": path,
            "first_seq": first_seq, "dst": dst, "nat": list(nat), "summary": f"{proto} {id_}"}


MASQ = {"at": "ip nat POSTROUTING", "field": "src", "old": "172.17.0.3",
        "new": "203.0.113.10", "by": "rule"}


def udp_run():
    """UDP c2 -> wan: forwarded, masqueraded, refused (an ICMP error came back)."""
    events = [ev(i, 1, f, t, c, h) for i, (f, t, c, h) in enumerate([
        ("bridge", "filter", "PREROUTING", "prerouting"), ("ip", "raw", "PREROUTING", "prerouting"),
        ("bridge", "filter", "INPUT", "input"), ("ip", "filter", "FORWARD", "forward")])]
    events.append(ev(4, 1, "ip", "nat", "POSTROUTING", "postrouting",
                     rule="-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE"))
    result = {"ok": False, "transmitted": 2, "received": 0, "refused": 2, "docker": "27",
              "journeys": [journey(1, "udp", "request", OUT, 0, nat=[MASQ])],
              "conntrack": [{"proto": "udp", "orig": {"dst": "203.0.113.1"}}]}
    fields = {"traffic": [{"from": "c2", "to": "203.0.113.1", "proto": "udp", "port": 5353,
                           "count": 2}]}
    return experiment.check(fields, KNOWN, ROOT), result, events


def exported(exp, result, events):
    slug, files = lessonexport.files(exp, result, events, KNOWN, ROOT)
    return slug, files, tomllib.loads(files["lesson.toml"])


def test_a_plain_bridge_run_becomes_a_docker_bridge_lesson_expecting_what_it_saw():
    exp, result, events = udp_run()
    slug, files, data = exported(exp, result, events)
    assert slug == "experiment-udp-c2-to-203-0-113-1-5353"
    assert (data["topology"], data["rulesets"]) == ("docker-bridge", ["docker"])
    step = data["steps"][0]
    assert step["traffic"] == {"kind": "udp", "from": "c2", "to": "203.0.113.1", "count": 2,
                               "port": 5353}
    assert step["expect"] == {"ok": False, "path": "bridge-to-routed", "conntrack": True,
                              "nat": "ip nat POSTROUTING", "nat_field": "src",
                              "nat_new": "203.0.113.10", "refused": True,
                              "icmp_error": False, "ct_related": False}
    assert set(step["expect"]) <= set(grader.EXPECT_KEYS) and "actions" not in step
    before, after = lessons.split_text(files["step1.md"])
    assert "203.0.113.10" not in before and "bridge-to-routed" not in before   # no giveaway
    assert "it did not get through (0 of 2 answered)" in after and "2 ICMP errors" in after


def test_what_the_grader_would_not_pass_on_the_run_is_left_out():
    exp, result, events = udp_run()
    events = [e for e in events if e["table"] != "nat"]       # a rewrite, but no NAT rule seen
    result["journeys"][0]["path"] = OUT[:3]                   # stopped at bridge INPUT
    expect = exported(exp, result, events)[2]["steps"][0]["expect"]
    assert "nat" not in expect and "nat_new" not in expect and "path" not in expect
    assert expect["hooks"] == ["bridge:prerouting", "ip:prerouting", "bridge:input"]


def test_a_drop_is_expected_where_the_kernel_dropped_it():
    exp, result, events = udp_run()
    events[3] = ev(3, 1, "ip", "filter", "FORWARD", "forward", verdict="drop", type_="rule",
                   rule="-A FORWARD -p udp -j DROP")
    result["journeys"][0].update(path=OUT[:4], nat=[])
    t = exp.traffic[0]
    expect = observed(t, result, events[:4], events[:4])
    assert expect["drop"] == "ip filter FORWARD" and expect["last"] == "rule"


def test_a_lesson_base_brings_its_topology_up_to_the_step_and_its_actions():
    fields = {"base": "build-a-bridge:6", "rules": ["-I FORWARD -p icmp -j ACCEPT",
                                                     "ebtables -A FORWARD -p ARP -j ACCEPT",
                                                     "nft insert rule ip filter FORWARD counter"],
              "sysctls": [{"name": "net.bridge.bridge-nf-call-iptables", "value": 0}],
              "listeners": [{"ns": "c2", "proto": "udp", "port": 53}],
              "traffic": [{"from": "c1", "to": "203.0.113.1", "count": 1}], "docker": "28"}
    exp = experiment.check(fields, KNOWN, ROOT)
    result = {"ok": True, "transmitted": 1, "received": 1, "docker": "28", "journeys": []}
    slug, files, data = exported(exp, result, [])
    assert slug.endswith("from-build-a-bridge-6") and data["topology"] == "topology.toml"
    assert data["docker"] == "28" and data["rulesets"] == ["docker"]
    topo = tomllib.loads(files["topology.toml"])
    assert not any("step" in el for k in ("ns", "bridge", "veth", "route") for el in topo[k])
    assert any(r["dst"] == "default" and r["ns"] == "c1" for r in topo["route"])  # step 6's
    acts = data["steps"][0]["actions"]
    assert acts[0] == {"iptables": "-D FORWARD -i docker0 -o docker0 -j ACCEPT"}  # step 5's
    assert acts[-5:] == [{"sysctl": "net.bridge.bridge-nf-call-iptables", "value": "0"},
                         {"listen": "53", "ns": "c2", "proto": "udp"},
                         {"iptables": "-I FORWARD -p icmp -j ACCEPT"},
                         {"ebtables": "ebtables -A FORWARD -p ARP -j ACCEPT"},
                         {"nft": "insert rule ip filter FORWARD counter"}]
    lesson = lessonexport.check(slug, files, ROOT)
    assert lesson.docker == "28" and lesson.steps[0].actions[-4].value == "udp"


def test_an_early_step_leaves_later_elements_out():
    exp = experiment.check({"base": "build-a-bridge:2", "traffic": [
        {"from": "host", "to": "172.17.0.2", "count": 1}]}, KNOWN, ROOT)
    _, files, _ = exported(exp, {"ok": False, "journeys": []}, [])
    topo = tomllib.loads(files["topology.toml"])
    assert [b["name"] for b in topo["bridge"]] == ["docker0"] and \
        not any(v["name"].startswith("veth-c") for v in topo["veth"])


def then_a_ping(result, events, journey_id):
    """The UDP run followed by a ping item (its events and journey ``journey_id``, right
    after the run's events): the two-item experiment and all the events."""
    exp = experiment.check({"traffic": [
        {"from": "c2", "to": "203.0.113.1", "proto": "udp", "port": 5353, "count": 2},
        {"from": "c2", "to": "203.0.113.1", "proto": "icmp", "count": 1}]}, KNOWN, ROOT)
    first = len(events)
    icmp = [dict(e, seq=first + i, journey=journey_id, proto="icmp") for i, e in enumerate(events[:4])]
    result["journeys"].append(journey(journey_id, "icmp", "request", OUT, first))
    result["items"] = [{"ok": False, "transmitted": 2, "received": 0, "refused": 2},
                       {"ok": True, "transmitted": 1, "received": 1}]
    return exp, events + icmp


def test_several_items_each_expect_their_own_observations():
    _, result, events = udp_run()
    exp, events = then_a_ping(result, events, 2)
    _, files, data = exported(exp, result, events)
    first, second = data["steps"][0]["traffic"]
    assert "expect" not in data["steps"][0]
    assert first["expect"]["ok"] is False and first["expect"]["nat"] == "ip nat POSTROUTING"
    assert second["expect"] == {"ok": True, "path": "bridge-to-routed", "conntrack": False,
                                "icmp_error": False, "ct_related": False}
    assert "2. c2 pings 203.0.113.1 (count: 1): it got through" in files["step1.md"]


@pytest.mark.parametrize("text", ['a "quoted" \\ back\tslash', "new\nline", "del\x7f",
                                  "“unicode” 中文"])
def test_toml_strings_read_back(text):
    data = {"title": text, "steps": [{"actions": [{"iptables": text}], "n": 1, "ok": True}]}
    assert tomllib.loads(tomlwrite.dumps(data)) == data
