"""Save as lesson writes the newer expect keys (``core/observekeys.py``): an ICMP error
and its kind, ct related, refused, the NFLOG prefixes logged and those of the loaded
rules never logged, the bridge ports a frame left by; each kept only where the grader
passes it on the run, a negative only where the whole run agrees."""
from __future__ import annotations

from tests.lessons.test_lessonexport import (ROOT, ev, exported, journey, then_a_ping,
                                             udp_run)
from visualizer.core import lessonexport, observekeys

RULE = '-A FORWARD -j NFLOG --nflog-prefix "fwd-seen" --nflog-group 1'
NEVER = "-A INPUT -j NFLOG --nflog-prefix never-hit --nflog-group 1"


def refused_run():
    """UDP c2 -> wan: wan's port unreachable comes back (journey 2, related), logged by
    an NFLOG rule in FORWARD; another NFLOG rule (INPUT) never logs; the sandbox's probe
    logs too (its prefix is not the lesson's)."""
    exp, result, events = udp_run()
    err = [dict(ev(5 + i, 2, f, "filter", c, h), proto="icmp", icmp_type=3, icmp_code=3,
                ct_state="related", oif=oif)
           for i, (f, c, h, oif) in enumerate([("ip", "FORWARD", "forward", "docker0"),
                                               ("bridge", "OUTPUT", "output", "veth-c2"),
                                               ("bridge", "POSTROUTING", "postrouting", "veth-c2")])]
    log = {**ev(8, 1, "ip", "filter", "FORWARD", "forward", type_="log"), "source": "nflog",
           "prefix": "fwd-seen"}
    result["journeys"][0]["icmp_errors"] = [2]
    result["journeys"].append({**journey(2, "icmp", "reply", [], 5, dst="172.17.0.3"),
                               "caused_by": 1})
    result["chains"] = {"ip filter FORWARD": [{"pos": 1, "rule": RULE}],
                        "ip filter INPUT": [{"pos": 1, "rule": NEVER}],
                        "ip trace PREROUTING": [{"pos": 1, "rule": '--nflog-prefix "probe"',
                                                 "probe": True}]}
    probe = {**log, "seq": 9, "prefix": "probe"}          # the sandbox's own bridge tracing
    return exp, result, events + err + [log, probe]


def test_the_error_its_kind_related_refused_logged_and_the_ports_are_expected():
    exp, result, events = refused_run()
    expect = exported(exp, result, events)[2]["steps"][0]["expect"]
    assert expect["icmp_error"] == "port-unreachable" and expect["ct_related"] is True
    assert expect["refused"] is True and expect["nflog"] == ["fwd-seen"]
    assert expect["no_nflog"] == ["never-hit"]           # the probe's own prefix: neither
    assert expect["left_by"] == ["veth-c2"]
    lessonexport.check(exported(exp, result, events)[0], exported(exp, result, events)[1], ROOT)


def test_two_kinds_of_error_expect_one_without_naming_it():
    exp, result, events = refused_run()
    events.append({**events[-3], "seq": 10, "icmp_code": 13})    # and an admin prohibited
    assert exported(exp, result, events)[2]["steps"][0]["expect"]["icmp_error"] is True


def test_a_negative_the_whole_run_contradicts_is_left_out():
    """Two items: the UDP one gets its error, the ping after it none. The ping's slice
    alone shows no error and nothing related, but the lab cuts a list of items its own
    way: "no error" and "nothing related" are asked of the ping only if the whole run
    says so, and here it does not."""
    _, result, events = refused_run()
    exp, events = then_a_ping(result, events, 3)
    first, second = exported(exp, result, events)[2]["steps"][0]["traffic"]
    assert first["expect"]["icmp_error"] == "port-unreachable"
    assert "icmp_error" not in second["expect"] and "ct_related" not in second["expect"]
    assert "refused" not in second["expect"]              # a ping is not refused or not
    assert second["expect"]["no_nflog"] == ["never-hit"]  # never logged in the whole run


def test_only_what_the_grader_passes_is_kept():
    exp, result, events = refused_run()
    t = exp.traffic[0]
    want = observekeys.values(t, result, events)
    assert want["left_by"] == ["veth-c2"]
    events = [e for e in events if e.get("hook") not in ("output", "postrouting")]
    assert "left_by" not in observekeys.observed(t, result, events, events)
