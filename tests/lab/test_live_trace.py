"""Live lab: real namespaces, real rules, the kernel's own trace events."""
import os
import pwd

import pytest

from tests.conftest import ROOT, hook_path, journey_events, require, run_trace

pytestmark = pytest.mark.live
BRIDGED = [("bridge", "prerouting"), ("ip", "prerouting"), ("bridge", "forward"),
           ("ip", "forward"), ("bridge", "postrouting"), ("ip", "postrouting")]


def icmp_journeys(result, direction):
    return [j for j in result["journeys"] if j["proto"] == "icmp" and j["direction"] == direction]


def test_container_to_container(live_lab):
    events, result, proc = run_trace("container-to-container", "--step", "1")
    assert proc.returncode == 0, proc.stderr
    assert result["ok"] and result["transmitted"] == 3 and result["received"] == 3
    requests, replies = icmp_journeys(result, "request"), icmp_journeys(result, "reply")
    assert len(requests) == 3 and len(replies) == 3
    first = journey_events(events, requests[0]["id"])
    assert hook_path(first) == BRIDGED
    # ebtables log events (NFLOG) sit among the trace events in kernel order:
    # every request's bridge nat PREROUTING log comes before its first ip event.
    for j in requests:
        evs = journey_events(events, j["id"])
        logs = [i for i, e in enumerate(evs) if e["type"] == "log" and e["chain"] == "PREROUTING"]
        first_ip = next(i for i, e in enumerate(evs) if e["family"] == "ip")
        assert logs and logs[0] < first_ip, [(e["family"], e["table"], e["chain"]) for e in evs]
    # Only the flow's first packet passes the nat chains.
    assert any(e["table"] == "nat" and e["family"] == "ip" for e in first)
    for j in requests[1:] + replies:
        assert not [e for e in journey_events(events, j["id"])
                    if e["table"] == "nat" and e["family"] == "ip"], j["summary"]
    states = [e["ct_state"] for e in first if e["ct_state"]]
    assert states and set(states) == {"new"}
    for j in requests[1:] + replies:
        assert {e["ct_state"] for e in journey_events(events, j["id"]) if e["ct_state"]} == {"established"}
    hit = [e for e in first if e["chain"] == "FORWARD" and e["family"] == "ip" and e["verdict"] == "accept"]
    assert hit and hit[-1]["rule"] == "-A FORWARD -i docker0 -o docker0 -j ACCEPT"
    keys = {"journey", "seq", "family", "table", "chain", "hook", "type", "verdict", "rule", "iif",
            "oif", "src", "dst", "proto", "sport", "dport", "icmp_type", "ct_state", "ct_direction"}
    assert keys <= set(events[0])


def test_new_bridge_step1_policy_drop(live_lab):
    events, result, proc = run_trace("new-bridge-forward-drop", "--step", "1")
    assert proc.returncode == 0, proc.stderr
    assert not result["ok"] and result["received"] == 0
    req = icmp_journeys(result, "request")[0]
    trace = [e for e in journey_events(events, req["id"]) if e["source"] == "nftrace" and not e["probe"]]
    last = trace[-1]
    assert (last["family"], last["table"], last["chain"], last["type"], last["verdict"]) == \
        ("ip", "filter", "FORWARD", "policy", "drop")
    assert req["outcome"] == "dropped" and req["drop_at"] == "ip filter FORWARD"


def test_new_bridge_step2_no_brnf(live_lab):
    events, result, proc = run_trace("new-bridge-forward-drop", "--step", "2")
    assert proc.returncode == 0, proc.stderr
    assert result["ok"] and result["received"] == 2
    assert not [e for e in events if e["family"] == "ip" and e["src"] in ("172.18.0.3", "172.18.0.4")]
    assert [e for e in events if e["family"] == "bridge" and e["proto"] == "icmp"]


def test_new_bridge_step3_physdev_rule_is_the_hit(live_lab):
    events, result, proc = run_trace("new-bridge-forward-drop", "--step", "3")
    assert proc.returncode == 0, proc.stderr
    assert result["ok"] and result["received"] == 2
    req = icmp_journeys(result, "request")[0]
    accepts = [e for e in journey_events(events, req["id"])
               if e["family"] == "ip" and e["chain"] == "FORWARD" and e["verdict"] == "accept"]
    assert accepts and "--physdev-is-bridged" in accepts[0]["rule"]
    assert accepts[0]["rule_pos"] == 1


def test_user_rule_is_applied_and_reported(live_lab):
    events, result, proc = run_trace("container-to-container", "--rule",
                                     "-I DOCKER-USER -p icmp -j DROP")
    assert proc.returncode == 0, proc.stderr
    assert not result["ok"]
    drops = [e for e in events if e["verdict"] == "drop" and e["chain"] == "DOCKER-USER"]
    assert drops and drops[0]["hook"] == "forward" and "-j DROP" in drops[0]["rule"]


def test_malformed_rule_gets_iptables_own_error(live_lab):
    _, result, proc = run_trace("container-to-container", "--rule", "-I FORWARD -j NOPE")
    assert proc.returncode == 2
    assert result is None
    assert "NOPE" in proc.stderr or "iptables" in proc.stderr


def test_unknown_lesson_lists_lessons():
    _, _, proc = run_trace("no-such-lesson")
    assert proc.returncode == 2
    assert "container-to-container" in proc.stderr


def test_unprivileged_user_gets_a_live_trace(live_lab):
    require(os.geteuid() == 0, "switching to an unprivileged uid needs root (setpriv)")
    nobody = pwd.getpwnam("nobody").pw_uid
    readable = os.access(ROOT / "manage.py", os.R_OK) and all(
        os.stat(p).st_mode & 0o005 == 0o005 for p in [ROOT, *ROOT.parents][:-1])
    require(readable, f"{ROOT} is not readable by uid {nobody}")
    events, result, proc = run_trace("container-to-container", "--step", "1", user=nobody)
    assert proc.returncode == 0, proc.stderr
    assert result["ok"] and any(e["family"] == "ip" and e["chain"] == "FORWARD" for e in events)


@pytest.mark.parametrize("rule", ["-I FORWARD --modprobe=/bin/touch -j ACCEPT",
                                  "-I FORWARD -M /bin/touch -j ACCEPT"])
def test_a_rule_that_would_run_a_program_is_refused(rule):
    """Refused by the one rule validator before anything runs: exit code 2, and why."""
    _, result, proc = run_trace("container-to-container", "--step", "2", "--rule", rule)
    assert proc.returncode == 2 and result is None
    assert "not allowed" in proc.stderr and "run a program" in proc.stderr, proc.stderr
