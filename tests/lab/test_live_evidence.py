"""Issue 17's "compared hop by hop" findings: conclusions drawn from the events must
agree with the kernel's evidence (``nft monitor trace`` or a capture).  Each test
failed before its fix."""
from __future__ import annotations

import re

import pytest

from tests.conftest import run_trace, temp_lessons

pytestmark = pytest.mark.live

HAIRPIN = """
title = "Hairpin"
summary = "c1 connects to its own published port."
scenario = "c1 to 203.0.113.10:8080 through a DNAT without ! -i docker0."
topology = "docker-bridge"
rulesets = ["docker"]

[[steps]]
title = "Hairpin"
explain = "step1.md"
actions = [ { listen = "80", ns = "c1" },
  { iptables = "-t nat -I DOCKER -p tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80" } ]
traffic = { kind = "tcp", from = "c1", to = "203.0.113.10", port = 8080, tool = "nc" }
"""


@pytest.fixture(scope="module")
def made_lessons():
    """A lessons folder with test-made lessons, linked to the repository's shared
    rulesets and topologies (the lab reads it as its own unprivileged uid)."""
    with temp_lessons("nfvis-evidence-", {"hairpin": {
        "lesson.toml": HAIRPIN, "step1.md": "c1 connects to its own published port.\n"}}) as root:
        yield root


def test_a_hairpin_syn_kept_by_the_bridge_is_not_delivered(live_lab, made_lessons):
    """c1 -> 203.0.113.10:8080 through a DNAT without ``! -i docker0``: the SYN is
    DNATed back to c1 itself, handed to docker0, and the bridge does not send it back
    out by veth-c1, its ingress port.  It was "delivered ... seen on docker0", with an
    empty nat list though docker0's capture shows the rewrite."""
    events, res, proc = run_trace("hairpin", "--step", "1", "--oracle",
                                  env={"LESSONS_DIR": str(made_lessons)})
    assert proc.returncode == 0 and res is not None, proc.stderr[-2000:]
    assert not res["ok"]
    syns = [j for j in res["journeys"] if "[SYN]" in j["summary"]]
    assert syns
    caps = res["captures"]
    for j in syns:
        # the evidence: docker0 sent it, rewritten; veth-c1 never saw it leave
        sent = [p for p in caps["docker0"] if p["journey"] == j["id"] and p["direction"] == "out"]
        assert sent and sent[0]["dst"] == "172.17.0.2" and sent[0]["dport"] == 80
        assert not [p for p in caps["veth-c1"] if p["journey"] == j["id"] and p["direction"] == "out"]
        assert j["outcome"] == "lost", j
        assert "never seen leaving by any of its ports" in j["outcome_detail"]
        assert "veth-c1, the port it came in by" in j["outcome_detail"]
        assert j["outcome_msg"]["id"] == "outcome.bridge_hairpin"
        nat = {(n["field"], n["old"], n["new"], n["at"]) for n in j["nat"]}
        assert {("dst", "203.0.113.10", "172.17.0.2", "ip nat PREROUTING"),
                ("dport", 8080, 80, "ip nat PREROUTING")} <= nat, j["nat"]
        assert all(n["source"] == "capture" and n["seen"] == "docker0" for n in j["nat"])
    # the oracle: the SYN's trace ends at the DNAT's accept in nat PREROUTING
    tid = re.search(r"trace id (\w+) ip nat PREROUTING packet: .*tcp dport 8080", res["oracle"]).group(1)
    lines = [ln for ln in res["oracle"].splitlines() if f"trace id {tid} " in ln]
    assert "dnat to 172.17.0.2:80" in lines[-1] and "(verdict accept)" in lines[-1], lines[-3:]


def graded(slug, step, *args):
    events, res, proc = run_trace(slug, "--step", str(step), *args)
    assert proc.returncode == 0 and res is not None, proc.stderr[-2000:]
    return res, {p["part"]: p for p in res["prediction_grade"]["parts"]}


ESTABLISHED_DROP = "-I DOCKER-USER -s 172.17.0.3 -d 172.17.0.2 -p icmp -m conntrack --ctstate ESTABLISHED -j DROP"


@pytest.mark.parametrize("slug,step,rule", [
    ("conntrack", 4, ESTABLISHED_DROP),
    ("container-to-container", 2, "-I FORWARD -p icmp --icmp-type echo-reply -j DROP")])
def test_where_it_dies_is_graded_against_the_reply_that_died(live_lab, slug, step, rule):
    """The requests get through; their replies die in ip filter FORWARD.  "Where does
    it die: ip filter FORWARD" was graded wrong ("nowhere: it was not dropped"): the
    grader looked at the first request only."""
    res, parts = graded(slug, step, "--rule", rule, "--predict", "through=no",
                        "--predict", "dies_at=ip:filter:forward")
    replies = [j for j in res["journeys"] if j["proto"] == "icmp" and j["direction"] == "reply"]
    assert replies and all(j["outcome"] == "dropped" and j["drop_at"] == "ip filter FORWARD"
                           for j in replies), replies
    assert parts["dies_at"]["right"] and parts["dies_at"]["kernel"] == "ip:filter:forward", parts
    assert parts["through"]["right"], parts
    # and a wrong box says which packet died, the reply
    res, parts = graded(slug, step, "--rule", rule, "--predict", "through=yes",
                        "--predict", "dies_at=ip:filter:input")
    assert not parts["through"]["right"] and "the reply #" in parts["through"]["hint"], parts


def test_where_a_martian_dies_is_graded_as_its_journey_says(live_lab):
    """external-to-container step 3: the journey says "dropped" at ip nat OUTPUT (after
    the DNAT, a martian), and the grade agrees: ip nat OUTPUT is right, and says why."""
    res, parts = graded("external-to-container", 3, "--predict", "through=no",
                        "--predict", "dies_at=ip:nat:output")
    syn = next(j for j in res["journeys"] if "[SYN]" in j["summary"])
    assert (syn["outcome"], syn["drop_at"]) == ("dropped", "ip nat OUTPUT")
    assert parts["dies_at"]["right"], parts
    assert "martian" in parts["dies_at"]["hint"]
    res, parts = graded("external-to-container", 3, "--predict", "through=no",
                        "--predict", "dies_at=ip:filter:output")
    assert not parts["dies_at"]["right"] and parts["dies_at"]["kernel"] == "ip:nat:output"
    assert "died in ip nat OUTPUT" in parts["dies_at"]["hint"], parts


def test_a_bridge_with_no_port_has_no_carrier_and_drops_what_it_sends(live_lab):
    """build-a-bridge step 2: the capture on docker0 is empty, and rightly: a bridge
    whose MAC is set (the sandbox's, like docker's) and that has no port has no carrier,
    and the kernel drops its ARP requests on transmit, before any packet socket sees
    them (a bridge made without a MAC starts with a carrier and does send them; that
    is what was seen by hand).  The outcome said only "it was not sent"; the run now
    carries the kernel's link state and transmit drops, and the outcome says why."""
    events, res, proc = run_trace("build-a-bridge", "--step", "2")
    assert proc.returncode == 0 and res is not None, proc.stderr[-2000:]
    link = res["links"]["docker0"]
    assert link["carrier"] is False and link["tx_dropped"] >= 1, res["links"]
    assert res["links"]["eth0"]["carrier"] is True
    assert res["captures"]["docker0"] == []
    reqs = [j for j in res["journeys"] if j["proto"] == "icmp"]
    assert reqs and all(j["outcome"] == "lost" and j["outcome_msg"]["id"] == "outcome.no_carrier"
                        for j in reqs), reqs
    assert "docker0 has no carrier" in reqs[0]["outcome_detail"]


def test_the_run_lasts_until_the_last_arp_retry(live_lab):
    """external-to-container step 4: nc gives up after 2 s while the host still resolves
    172.17.0.2 (an ARP request from 127.0.0.1 that c1 does not answer): the kernel
    sends mcast_solicit (3) requests, one a second.  The events stopped at the second
    (the run ended on a fixed quiet time after nc); every request the kernel sent,
    as docker0's capture shows them, now has its journey."""
    events, res, proc = run_trace("external-to-container", "--step", "4")
    assert proc.returncode == 0 and res is not None, proc.stderr[-2000:]
    sent = [p for p in res["captures"]["docker0"] if p["proto"] == "arp" and p["direction"] == "out"]
    arps = [j for j in res["journeys"] if j["proto"] == "arp" and j["direction"] == "request"]
    assert len(sent) == 3, sent       # the kernel's schedule: mcast_solicit = 3
    assert len(arps) == 3 and {p["journey"] for p in sent} == {j["id"] for j in arps}, arps
    assert max(e["t_ms"] for e in events if e["proto"] == "arp") > 1900


def test_the_reverse_mapping_is_an_entry_of_the_replys_nat(live_lab):
    """container-to-external step 2: the echo reply's destination goes from 203.0.113.10
    back to 172.17.0.2 between the dump of ip raw PREROUTING and that of ip filter
    FORWARD: conntrack's reverse mapping of the MASQUERADE, applied by the NAT at
    PREROUTING, not a rewrite of FORWARD's.  The MASQUERADE's entry says what the next
    hop sees: the new source, as eth0's capture shows it."""
    events, res, proc = run_trace("container-to-external", "--step", "2", "--oracle")
    assert proc.returncode == 0 and res is not None, proc.stderr[-2000:]
    js = [j for j in res["journeys"] if j["proto"] == "icmp"]
    first = min((j for j in js if j["direction"] == "request"), key=lambda j: j["first_seq"])
    masq = next(n for n in first["nat"] if n["field"] == "src")
    assert (masq["at"], masq["new"], masq["by"], masq["hook"]) == (
        "ip nat POSTROUTING", "203.0.113.10", "rule", "ip POSTROUTING"), masq
    assert masq["seen"] == "eth0"
    out = [p for p in res["captures"]["eth0"] if p["journey"] == first["id"] and p["direction"] == "out"]
    assert out and out[0]["src"] == "203.0.113.10"
    for r in (j for j in js if j["direction"] == "reply"):
        n = next(n for n in r["nat"] if n["field"] == "dst")
        assert (n["old"], n["new"], n["reverse"], n["by"], n["hook"]) == (
            "203.0.113.10", "172.17.0.2", True, "conntrack", "ip PREROUTING"), n
        assert (n["after"], n["shown_at"]) == ("ip raw PREROUTING", "ip filter FORWARD"), n
        assert {"by", "reverse", "hook"} <= set(n["derived"])
        # the kernel's dumps: the reply's daddr before and after
        tid = next(e["trace_id"] for e in events if e["journey"] == r["id"] and e["table"] == "raw")
        dumps = [ln for ln in res["oracle"].splitlines()
                 if f"trace id {tid:08x} " in ln and " packet: " in ln]
        raw = next(ln for ln in dumps if " ip raw PREROUTING " in ln)
        fwd = next(ln for ln in dumps if " ip filter FORWARD " in ln)
        assert "ip daddr 203.0.113.10" in raw and "ip daddr 172.17.0.2" in fwd


def test_an_unanswered_flows_later_request_is_delivered_and_still_new(live_lab):
    """container-to-external step 1 (no MASQUERADE): the second echo request's last hook
    is ip filter FORWARD (ip POSTROUTING holds only a nat chain, which runs for a flow's
    first packet alone), and eth0's and wan's captures show it leave and arrive: it is
    "delivered" (nobody answers: wan has no route back).  Its conntrack state is still
    new: the entry exists (confirmed by the first request), but conntrack has seen no
    reply, and a flow stays new until it does."""
    events, res, proc = run_trace("container-to-external", "--step", "1")
    assert proc.returncode == 0 and res is not None, proc.stderr[-2000:]
    reqs = sorted((j for j in res["journeys"] if j["proto"] == "icmp"), key=lambda j: j["first_seq"])
    assert len(reqs) >= 2 and all(j["direction"] == "request" for j in reqs)
    second = reqs[1]
    assert second["path"][-1] == ["ip", "forward"], second["path"]
    assert second["outcome"] == "delivered" and {"eth0", "wan:eth0"} <= set(second["seen"]), second
    mine = [e for e in events if e["journey"] == second["id"] and e["family"] == "ip"
            and e["table"] == "filter"]
    assert mine and all(e["ct_state"] == "new" and "confirmed" in e["ct_status"] for e in mine)
    flow = next(c for c in res["conntrack"] if c["id"] == second["flow"])
    assert flow["state"] == "UNREPLIED"


def test_step_4s_box_takes_step_3s_ebtables_rule(live_lab):
    """arp-and-capture step 4's rule box refused ``ebtables -A FORWARD -p ARP -j DROP``
    (it was applied with iptables); now it is applied with ebtables, and the kernel's
    counter of that rule counts the ARP requests it dropped."""
    events, res, proc = run_trace("arp-and-capture", "--step", "4", "--rule",
                                  "ebtables -A FORWARD -p ARP -j DROP")
    assert proc.returncode == 0 and res is not None, proc.stderr[-2000:]
    arps = [j for j in res["journeys"] if j["proto"] == "arp" and j["direction"] == "request"]
    assert arps and all(j["drop_at"] == "bridge filter FORWARD" for j in arps), arps
    counted = re.search(r"-p ARP -j DROP , pcnt = (\d+)", res["rules"]["ebtables"]["filter"])
    assert counted and int(counted.group(1)) == len(arps)


def test_with_hairpin_mode_the_same_syn_leaves_by_its_ingress_port(live_lab, made_lessons):
    """The counter-test of the hairpin outcome's derived reason: with hairpin mode on
    veth-c1 (``bridge_slave hairpin on``), the bridge sends the DNATed SYN back out by
    the port it came in by, c1 answers and nc connects."""
    import asyncio
    import subprocess

    from visualizer.core import lessons
    from visualizer.lab import session

    lesson = lessons.load_lesson(made_lessons / "hairpin", made_lessons)

    async def go():
        sb = await session.prepare("evhairpin", lesson)
        try:
            subprocess.run(["ip", "-n", sb.ns("host"), "link", "set", "veth-c1", "type",
                            "bridge_slave", "hairpin", "on"], check=True)
            return await session.run_step(sb, lesson, lesson.steps[0], [], lambda m: None)
        finally:
            await asyncio.to_thread(sb.close)

    res = asyncio.run(go())
    assert res["ok"], res["output"]
    syn = next(j for j in res["journeys"] if j["summary"].endswith("[SYN]"))
    assert syn["outcome"] == "delivered" and "veth-c1" in syn["seen"], syn
