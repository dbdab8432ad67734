"""What the lesson texts say is what the kernel does (each claim checked live),
and the claims the kernel contradicted are gone from the texts."""
from __future__ import annotations

import pytest

from tests.conftest import ROOT, run_trace
from visualizer.core import lessons

LESSONS = ROOT / "lessons"
CONTRADICTED = {
    "external-to-container/step1.md": ["listener hangs up"],
    "conntrack/step3.md": ["listener hangs up"],
    "log-vs-trace/step1.md": ["exactly seed 002"],
    "log-vs-trace/step3.md": ["every rule it meets", "ahead of every ebtables table"],
    "host-to-container/step1.md": ["always exist"],
    "_rulesets/trace/nft.rules": ["ahead of every ebtables table", "priority -300;"],
}


@pytest.mark.parametrize("path", sorted(CONTRADICTED))
def test_contradicted_claims_are_gone(path):
    text = (LESSONS / path).read_text().lower()
    for claim in CONTRADICTED[path]:
        assert claim.lower() not in text, f"{path} still says {claim!r}"


def test_build_a_bridge_step5_credits_the_seeds_fixes():
    text = (LESSONS / "build-a-bridge/step5.md").read_text()
    assert "physdev" in text and "bridge-nf-call-iptables" in text


@pytest.mark.live
def test_telnet_sends_the_first_fin(live_lab):
    """external-to-container step 1: telnet's stdin is closed, so wan ends first."""
    events, result, proc = run_trace("external-to-container", "--step", "1")
    assert result is not None, proc.stderr[-2000:]
    fins = sorted((j for j in result["journeys"] if j["proto"] == "tcp"
                   and "FIN" in (j["summary"] or "")), key=lambda j: j["first_seq"])
    assert fins and fins[0]["direction"] == "request" and fins[0]["src"] == "203.0.113.1", fins


@pytest.mark.live
def test_trace_reports_the_rules_that_matched_not_every_rule(live_lab):
    """log-vs-trace step 3: fewer rule events in ip filter FORWARD than rules there."""
    events, result, proc = run_trace("log-vs-trace", "--step", "3")
    assert result is not None, proc.stderr[-2000:]
    first = min((j for j in result["journeys"] if j["proto"] == "icmp"), key=lambda j: j["first_seq"])
    fwd = [e for e in events if e["journey"] == first["id"] and e["family"] == "ip"
           and e["chain"] == "FORWARD" and e["type"] == "rule"]
    in_chain = result["rules"]["iptables"]["filter"].split("Chain FORWARD", 1)[1].split("Chain ", 1)[0]
    rules = [ln for ln in in_chain.splitlines()[2:] if ln.strip()]
    assert fwd and len(fwd) < len(rules), (len(fwd), len(rules))


@pytest.mark.live
def test_ip_events_mark_their_bridge_ports_as_derived(live_lab):
    """nft trace carries no physdev: an ip event's PHYSIN is the engine's, and says so;
    bridge events' devices are the kernel's."""
    events, result, proc = run_trace("container-to-container", "--step", "1")
    assert result is not None, proc.stderr[-2000:]
    with_port = [e for e in events if e["family"] == "ip" and e["physin"] and e["source"] == "nftrace"]
    assert with_port and all("physin" in e["derived"] for e in with_port)
    bridge = [e for e in events if e["family"] == "bridge" and e["source"] == "nftrace" and e["iif"]]
    assert bridge and not any({"iif", "oif"} & set(e["derived"]) for e in bridge)
    assert lessons.get("container-to-container").topology.role("docker0") == "bridge"
