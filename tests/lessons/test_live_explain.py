"""Every lesson step's hops explained, checked against the kernel's facts of the same run.

One lab runs every step of every lesson (a sandbox per lesson, reused from step to
step as the product does); each test then reads its step's events and result:
- every lesson event has an explanation, and it is the rendering of its messages;
- the step's key hops say what the kernel did, with the run's own values (the
  conntrack entry id, the addresses before and after NAT, the rule's position);
- every journey has a story that ends with its outcome.

The values asserted are taken from the run's events and conntrack table, never
written here where the kernel decides them.
"""
from __future__ import annotations

import asyncio

import pytest

from tests.conftest import run_trace
from tests.lab.test_live_lifecycle import on_own_loop
from tests.lessons.test_lessons_dir import SLUG, outside  # noqa: F401  (a fixture)
from visualizer.core import events as _events  # noqa: F401  (defines every sentence)
from visualizer.core import lessons, phrases
from visualizer.core.config import LabConfig
from visualizer.lab.client import LabClient

pytestmark = pytest.mark.live

LESSONS = lessons.all_lessons()
STEPS = [pytest.param(slug, s.number, id=f"{slug}-{s.number}")
         for slug, lesson in LESSONS.items() for s in lesson.steps]


@on_own_loop
async def run_all():
    client = LabClient(LabConfig(warm_lessons=(), pool_size=0))
    out = {}
    try:
        for slug, lesson in LESSONS.items():
            for s in lesson.steps:
                events = []

                async def on_message(msg, events=events):
                    if msg["type"] == "trace.event":
                        events.append(msg["event"])
                res = await asyncio.wait_for(
                    client.run(f"explain-{slug}", slug, s.number, [], on_message), 90)
                out[(slug, s.number)] = (events, res)
    finally:
        await client.stop()
    return out


@pytest.fixture(scope="module")
def runs(live_lab):
    return run_all()


def lesson_events(events):
    return [e for e in events if not e["probe"]]


def where(e):
    return f"{e['family']} {e['table']} {e['chain']}"


def check_every_event(events):
    for e in events:
        assert e["explain"], (e["text"], "no explanation")
        msgs = [phrases.from_wire(w) for w in e["explain_msgs"]]
        assert 1 <= len(msgs) <= 3, e["explain_msgs"]
        assert all(x.id in phrases.CATALOGUE for x in msgs)
        assert phrases.text_of(msgs) == e["explain"]


def check_verdicts(events):
    """A rule's position and chain, a policy's verdict: named as the kernel gave them."""
    for e in lesson_events(events):
        if e["source"] != "nftrace":
            assert e["prefix"] in e["explain"]
        elif e["type"] == "policy":
            assert f"policy, {e['verdict'].upper()}" in e["explain"] and where(e) in e["explain"]
        elif e["type"] == "rule" and e["rule_pos"] is not None:
            assert f"Rule {e['rule_pos']} of {where(e)}" in e["explain"], (e["text"], e["explain"])
        elif e["type"] == "return":
            assert "returns" in e["explain"] and where(e) in e["explain"]


def check_nat(events, result):
    """A DNAT names the address before (this dump) and after (the next chain's dump);
    a MASQUERADE names the address the replies come back to (the conntrack entry's)."""
    table = {c["id"]: c for c in result["conntrack"]}
    for i, e in enumerate(events):
        if e["probe"] or e["table"] != "nat" or not e["rule"]:
            continue
        if "-j DNAT" in e["rule"]:
            assert f"{e['dst']}:{e['dport']}" in e["explain"], e["explain"]
            later = next((x for x in events[i + 1:] if x["journey"] == e["journey"]
                          and x["table"] != "nat" and x["family"] == "ip"), None)
            if later:                   # the kernel's next dump shows the new address
                assert f"{later['dst']}:{later['dport']}" in e["explain"]
            assert str(e["ct_id"]) in e["explain"]
        if "-j MASQUERADE" in e["rule"]:
            entry = table.get(e["ct_id"])
            assert e["oif"] in e["explain"]
            if entry and entry["reply"]["dst"] != entry["orig"]["src"]:
                assert entry["reply"]["dst"] in e["explain"], (entry, e["explain"])


def check_established(events, result):
    """A later packet of a flow: its first conntrack-bearing hop names the entry and says
    the nat chains do not run again; a reply's, that none runs for it."""
    firsts = {}
    for e in lesson_events(events):
        if e["source"] == "nftrace" and e["ct_id"] and e["journey"] not in firsts:
            firsts[e["journey"]] = e
    for e in firsts.values():
        if e["ct_state"] == "established" and e["ct_direction"] == "original":
            assert str(e["ct_id"]) in e["explain"] and "nat chains" in e["explain"], e["explain"]
        if e["ct_direction"] == "reply":
            assert str(e["ct_id"]) in e["explain"] and "no nat chain runs" in e["explain"]


def check_rewrites(events):
    """Where a dump shows an address other than the previous dump of the same packet,
    that hop says from what to what (the kernel's two values)."""
    last = {}
    for e in lesson_events(events):
        if e["source"] != "nftrace" or not e["dst"]:
            continue
        prev = last.get(e["journey"])
        last[e["journey"]] = e
        if prev and prev["family"] == e["family"] == "ip" and prev["dst"] != e["dst"]:
            assert prev["dst"] in e["explain"] and e["dst"] in e["explain"], e["explain"]


def check_stories(result):
    for j in result["journeys"]:
        assert j["story"] and len(j["story"]) == len(j["story_msgs"]), j
        assert j["story"][-1].startswith(f"Outcome ({j['outcome']})"), j["story"]
        assert [phrases.from_wire(w).text() for w in j["story_msgs"]] == j["story"]


@pytest.mark.parametrize("slug,number", STEPS)
def test_every_hop_is_explained_from_the_kernels_facts(runs, slug, number):
    events, result = runs[(slug, number)]
    check_every_event(events)       # (a step whose traffic never meets a hook has none)
    check_verdicts(events)
    check_nat(events, result)
    check_established(events, result)
    check_rewrites(events)
    check_stories(result)
    drops = [e for e in lesson_events(events) if e["verdict"] == "drop"]
    for d in drops:
        assert "drop" in d["explain"].lower()


# -- the hops the issue names ------------------------------------------------
def test_external_to_container_1_names_the_dnat(runs):
    events, _ = runs[("external-to-container", 1)]
    dnat = next(e for e in events if not e["probe"] and e["table"] == "nat"
                and e["base_chain"] == "PREROUTING" and "DNAT" in (e["rule"] or ""))
    after = next(e for e in events if e["journey"] == dnat["journey"] and e["chain"] == "FORWARD")
    before, now = f"{dnat['dst']}:{dnat['dport']}", f"{after['dst']}:{after['dport']}"
    assert (before, now) == ("203.0.113.10:8080", "172.17.0.2:80")   # the kernel's dumps
    assert before in dnat["explain"] and now in dnat["explain"]
    assert f"entry {dnat['ct_id']}" in dnat["explain"]
    # and FORWARD's first hop says why its rules see the container's address
    assert before in after["explain"] and now in after["explain"]


def test_conntrack_2_later_packets_skip_the_nat_chains(runs):
    events, result = runs[("conntrack", 2)]
    requests = sorted((j for j in result["journeys"] if j["proto"] == "icmp"
                       and j["direction"] == "request"), key=lambda j: j["first_seq"])
    assert len(requests) >= 2
    later = [e for e in events if e["journey"] == requests[1]["id"] and not e["probe"]]
    hop = next(e for e in later if e["ct_state"] == "established")
    assert "established" in hop["explain"] and "does not run the nat chains again" in hop["explain"]
    assert f"entry {hop['ct_id']}" in hop["explain"]
    assert not [e for e in later if e["family"] == "ip" and e["table"] == "nat"]   # the kernel agrees


def test_container_to_external_2_masquerade_names_eth0s_address(runs):
    events, result = runs[("container-to-external", 2)]
    masq = next(e for e in events if "MASQUERADE" in (e["rule"] or "") and not e["probe"])
    entry = next(c for c in result["conntrack"] if c["id"] == masq["ct_id"])
    addr = entry["reply"]["dst"]                      # where the kernel sends the replies
    assert masq["oif"] == "eth0" and addr == "203.0.113.10"
    assert addr in masq["explain"] and "eth0" in masq["explain"]
    assert "worked out from the topology" in masq["explain"]
    reply = next(j for j in result["journeys"] if j["direction"] == "reply" and j["proto"] == "icmp")
    assert any(addr in s and "172.17.0.2" in s for s in reply["story"]), reply["story"]


def test_new_bridge_forward_drop_1_names_the_policy_and_the_two_fixes(runs):
    events, result = runs[("new-bridge-forward-drop", 1)]
    drop = next(e for e in events if e["verdict"] == "drop" and not e["probe"])
    assert drop["type"] == "policy" and where(drop) == "ip filter FORWARD"
    assert "policy, DROP" in drop["explain"]
    assert "net.bridge.bridge-nf-call-iptables=0" in drop["explain"]
    assert "--physdev-is-bridged -j ACCEPT" in drop["explain"]
    dropped = next(j for j in result["journeys"] if j["outcome"] == "dropped")
    assert any("--physdev-is-bridged" in s for s in dropped["story"])


def test_a_lesson_from_elsewhere_is_explained_with_nothing_added(live_lab, outside):  # noqa: F811
    events, result, proc = run_trace(SLUG, "--step", "1", env={"LESSONS_DIR": str(outside)})
    assert proc.returncode == 0 and result, proc.stderr[-2000:]
    assert result["lesson"] == SLUG
    check_every_event(events)
    check_verdicts(events)
    check_stories(result)
    assert not list(outside.joinpath(SLUG).glob("*explain*"))


def test_trace_explain_prints_the_stories(live_lab):
    import subprocess
    import sys
    from tests.conftest import ROOT
    proc = subprocess.run([sys.executable, str(ROOT / "manage.py"), "trace",
                           "new-bridge-forward-drop", "--step", "1", "--explain"],
                          capture_output=True, text=True, timeout=90, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout.split("The journeys, in words:", 1)
    assert len(out) == 2, proc.stdout[-2000:]
    assert "Outcome (dropped)" in out[1] and "policy, DROP" in out[1]


def test_trace_json_lines_carry_the_new_fields_flat(live_lab):
    """Acceptance 6: each EVENT line has explain, checked and origin (flat, top level),
    each JOURNEY of the result line its story."""
    events, result, proc = run_trace("container-to-external", "--step", "2")
    assert proc.returncode == 0 and result, proc.stderr[-2000:]
    for e in events:
        assert {"explain", "explain_msgs", "checked", "origin", "origin_msg"} <= set(e)
        assert isinstance(e["checked"], list) and isinstance(e["explain_msgs"], list)
    assert any(e["explain"] for e in events)
    assert all(j["story"] and j["story_msgs"] for j in result["journeys"])


def test_external_to_container_3_names_what_the_lesson_adds(runs):
    """The SYN from 127.0.0.1, DNATed at nat OUTPUT, dies at its re-route: its DNAT hop
    names both fixes of step 4; its story ends with the martian."""
    events, result = runs[("external-to-container", 3)]
    dnat = next(e for e in events if not e["probe"] and "DNAT" in (e["rule"] or ""))
    assert dnat["hook"] == "output" and dnat["src"].startswith("127.")
    assert f"{dnat['dst']}:{dnat['dport']}" in dnat["explain"]
    assert "route_localnet=1" in dnat["explain"] and "--src-type LOCAL -j MASQUERADE" in dnat["explain"]
    syn = next(j for j in result["journeys"] if j["id"] == dnat["journey"])
    assert syn["outcome"] == "dropped" and any("route_localnet" in s for s in syn["story"])


def test_container_to_external_1_names_the_missing_masquerade(runs):
    events, result = runs[("container-to-external", 1)]
    post = next(e for e in events if not e["probe"] and e["family"] == "ip"
                and e["table"] == "nat" and e["hook"] == "postrouting")
    at_wan = [p for p in result["captures"].get("wan:eth0", []) if p["proto"] == "icmp"]
    assert at_wan and at_wan[0]["src"] == post["src"]        # it left unrewritten: the kernel's
    assert post["src"] in post["explain"] and "-j MASQUERADE" in post["explain"]
