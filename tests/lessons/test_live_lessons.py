"""Every lesson step, run for real: the kernel must show what the lesson says.

One test per step: ``manage.py trace <slug> --step N --json`` builds a fresh
sandbox, runs the step's traffic and prints the kernel's events and the
run's result; the step's ``expect`` table is then graded by the product's
grader (``visualizer.core.grader``, the one ``manage.py verify_lessons`` and
every run's result use; keys in docs/lessons.md, checked for form by
test_registry.py).  Try-it steps have no expectations: they must still run.

These tests need the live lab (root or user namespaces, iptables, nft,
br_netfilter); without it they skip with the reason, except under CI=true,
where a missing capability is a failure (see ``tests/conftest.py``).
"""
from __future__ import annotations

import pytest

from tests.conftest import run_trace
from visualizer.core import grader, lessons

pytestmark = pytest.mark.live

LESSONS = lessons.all_lessons()
STEPS = [pytest.param(slug, s.number, id=f"{slug}-{s.number}")
         for slug, lesson in LESSONS.items() for s in lesson.steps]


# -- reading a run ----------------------------------------------------------
def journeys_of(result: dict, proto: str, direction: str) -> list[dict]:
    js = [j for j in result["journeys"] if j["proto"] == proto and j["direction"] == direction]
    return sorted(js, key=lambda j: j["first_seq"])


def first_journey(result: dict, proto: str, direction: str) -> dict:
    js = journeys_of(result, proto, direction)
    assert js, f"no {proto} {direction} journey in {[j['summary'] for j in result['journeys']]}"
    return js[0]


@pytest.mark.parametrize("slug,number", STEPS)
def test_lesson_step_live(live_lab, slug, number):
    step = LESSONS[slug].step(number)
    events, result, proc = run_trace(slug, "--step", str(number))
    assert proc.returncode == 0 and result is not None, proc.stderr[-2000:]
    assert result["lesson"] == slug and result["step"] == number
    if step.traffic.kind != "none":
        assert result["command"], "the step's traffic did not run"
    # The product's grader, recomputed here from the events, and as the lab sent it.
    g = grader.grade(step, events, result)
    sent = dict(result["grade"])
    if len(step.items) > 1:     # the lab adds each traffic item's own checks, keyed N:key
        items = [c for c in sent["checks"] if ":" in c["key"]]
        sent["checks"] = [c for c in sent["checks"] if ":" not in c["key"]]
        assert all(c["ok"] for c in items), items
    assert sent == g.as_dict()
    if step.try_it:
        assert not step.expect and g.passed is None
        return
    failed = "; ".join(f"{c.key}: expected {c.expected}, kernel showed {c.observed}"
                       for c in g.failures())
    assert g.passed, failed


# -- lesson-specific facts the Markdown states ------------------------------
def test_arp_passes_while_icmp_dies(live_lab):
    """arp-and-capture step 2: ARP on all three interfaces, ICMP never on veth-c2."""
    events, result, proc = run_trace("arp-and-capture", "--step", "2")
    assert result is not None, proc.stderr[-2000:]
    caps = result["captures"]
    for iface in ("veth-c1", "docker0", "veth-c2"):
        assert any(p["proto"] == "arp" for p in caps.get(iface, [])), f"no ARP on {iface}"
    assert any(p["proto"] == "icmp" for p in caps["veth-c1"])
    assert not any(p["proto"] == "icmp" for p in caps["veth-c2"]), "ICMP reached veth-c2"
    assert not any(ev["family"] == "ip" for ev in events if ev.get("proto") == "arp")


def test_conntrack_states_new_then_established(live_lab):
    """conntrack step 1: the first request is new, everything after it established."""
    events, result, proc = run_trace("conntrack", "--step", "1")
    assert result is not None, proc.stderr[-2000:]
    requests = journeys_of(result, "icmp", "request")
    replies = journeys_of(result, "icmp", "reply")
    assert len(requests) == 3 and len(replies) == 3
    first = {ev["ct_state"] for ev in events if ev["journey"] == requests[0]["id"] and ev["ct_state"]}
    assert first == {"new"}
    for j in requests[1:] + replies:
        states = {ev["ct_state"] for ev in events if ev["journey"] == j["id"] and ev["ct_state"]}
        assert states == {"established"}, (j["summary"], states)
    entry = [c for c in result["conntrack"] if c["proto"] == "icmp"
             and c["orig"]["src"] == "172.17.0.2" and c["orig"]["dst"] == "172.17.0.3"]
    assert entry and entry[0]["reply"]["src"] == "172.17.0.3" and 0 < entry[0]["timeout"] <= 30


def test_masquerade_reply_tuple(live_lab):
    """conntrack step 2: the reply tuple is addressed to the host, not the container."""
    events, result, proc = run_trace("conntrack", "--step", "2")
    assert result is not None, proc.stderr[-2000:]
    entry = [c for c in result["conntrack"] if c["orig"]["dst"] == "203.0.113.1"]
    assert entry, result["conntrack"]
    assert entry[0]["orig"]["src"] == "172.17.0.2"
    assert entry[0]["reply"]["dst"] == "203.0.113.10"


def test_without_masquerade_wan_gets_private_source(live_lab):
    """container-to-external step 1: the request reaches wan from 172.17.0.2, unanswered."""
    events, result, proc = run_trace("container-to-external", "--step", "1")
    assert result is not None, proc.stderr[-2000:]
    at_wan = [p for p in result["captures"].get("wan:eth0", []) if p["proto"] == "icmp"]
    assert at_wan and all(p["src"] == "172.17.0.2" for p in at_wan), at_wan
    entry = [c for c in result["conntrack"] if c["orig"]["dst"] == "203.0.113.1"]
    assert entry and "seen_reply" not in entry[0]["status"]


def test_loopback_dnat_dies_after_nat_output(live_lab):
    """external-to-container step 3: DNAT in nat OUTPUT, then nothing: no POSTROUTING."""
    events, result, proc = run_trace("external-to-container", "--step", "3")
    assert result is not None, proc.stderr[-2000:]
    syn = [ev for ev in events if ev["source"] == "nftrace" and ev.get("proto") == "tcp"]
    assert syn and all(ev["hook"] == "output" for ev in syn), sorted(
        {(ev["family"], ev["hook"]) for ev in syn})
    assert not [c for c in result["conntrack"] if c["proto"] == "tcp"]


def test_loopback_fix_works(live_lab):
    """external-to-container step 4 with the suggested rule: the connection succeeds."""
    events, result, proc = run_trace(
        "external-to-container", "--step", "4",
        "--rule", "-t nat -I POSTROUTING -o docker0 -m addrtype --src-type LOCAL -j MASQUERADE")
    assert result is not None, proc.stderr[-2000:]
    assert result["ok"], result["output"]


def test_tcp_states_syn_new_then_established(live_lab):
    """conntrack step 3: the SYN is new; the SYN-ACK established; the entry is assured."""
    events, result, proc = run_trace("conntrack", "--step", "3")
    assert result is not None, proc.stderr[-2000:]
    by_flags = {}
    for ev in events:
        if ev.get("proto") == "tcp" and ev["ct_state"] and ev["source"] == "nftrace":
            by_flags.setdefault(ev["tcp_flags"], set()).add(ev["ct_state"])
    assert by_flags.get("SYN") == {"new"}, by_flags
    assert by_flags.get("SYN,ACK") == {"established"}, by_flags
    entry = [c for c in result["conntrack"] if c["proto"] == "tcp"]
    assert entry and entry[0]["orig"]["dport"] == 8080 and entry[0]["reply"]["sport"] == 80
    assert entry[0]["reply"]["src"] == "172.17.0.2" and "assured" in entry[0]["status"]


def test_masquerade_reply_is_undone_by_conntrack(live_lab):
    """container-to-external step 2: the reply's destination goes back to 172.17.0.2
    without any nat chain running for it."""
    events, result, proc = run_trace("container-to-external", "--step", "2")
    assert result is not None, proc.stderr[-2000:]
    reply = first_journey(result, "icmp", "reply")
    assert any(n["field"] == "dst" and n["new"] == "172.17.0.2" and n["at"] == "conntrack"
               for n in reply["nat"]), reply["nat"]
    assert not [ev for ev in events if ev["journey"] == reply["id"] and ev["table"] == "nat"
                and ev["family"] == "ip"]
    accepted = [ev["rule"] for ev in events if ev["journey"] == reply["id"]
                and ev["verdict"] == "accept" and ev["table"] == "filter"]
    assert any("RELATED,ESTABLISHED" in (r or "") for r in accepted), accepted
