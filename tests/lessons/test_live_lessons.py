"""Every lesson step, run for real: the kernel must show what the lesson says.

One test per step: ``manage.py trace <slug> --step N --json`` builds a fresh
sandbox, runs the step's traffic and prints the kernel's events and the
run's result; the step's ``expect`` table is then asserted key by key (the
keys are documented in docs/lessons.md and checked for form by
test_registry.py).  Try-it steps have no expectations: they must still run.

These tests need the live lab (root or user namespaces, iptables, nft,
br_netfilter); without it they skip with the reason, except under CI=true,
where a missing capability is a failure (see ``tests/conftest.py``).
"""
from __future__ import annotations

import pytest

from tests.conftest import run_trace
from visualizer.core import lessons, model

pytestmark = pytest.mark.live

LESSONS = lessons.all_lessons()
STEPS = [pytest.param(slug, s.number, id=f"{slug}-{s.number}")
         for slug, lesson in LESSONS.items() for s in lesson.steps]
TRAFFIC_PROTO = {"ping": "icmp", "tcp": "tcp"}


# -- reading a run ----------------------------------------------------------
def journeys_of(result: dict, proto: str, direction: str) -> list[dict]:
    js = [j for j in result["journeys"] if j["proto"] == proto and j["direction"] == direction]
    return sorted(js, key=lambda j: j["first_seq"])


def first_journey(result: dict, proto: str, direction: str) -> dict:
    js = journeys_of(result, proto, direction)
    assert js, f"no {proto} {direction} journey in {[j['summary'] for j in result['journeys']]}"
    return js[0]


def where(spec: str) -> tuple[str, str, str]:
    fam, table, chain = spec.split()
    return fam, table, chain


def in_chain(e: dict, spec: str) -> bool:
    """The event happened in ``<family> <table> <CHAIN>`` (user chains count for their base)."""
    fam, table, chain = where(spec)
    return (e["family"], e["table"]) == (fam, table) and chain in (e.get("base_chain"), e["chain"])


def hooks_seen(events: list[dict]) -> set[tuple[str, str]]:
    """(family, hook) where a table other than nat reported anything in this run."""
    return {(e["family"], e["hook"]) for e in events
            if e["source"] == "nftrace" and e["hook"] and e["table"] != "nat"}


def check_path(journey: dict, key: str, events: list[dict]):
    """The journey's hooks are model.PATHS[key], in order.

    A hook may be absent only if nothing but a nat table could have reported
    it in this run: nat chains run for a connection's first packet alone, so
    a reply (or a later request) passes such a hook without any trace event.
    """
    expected = [tuple(h) for h in model.PATHS[key]]
    observed = [tuple(h) for h in journey["path"]]
    pos = 0
    for hop in observed:
        assert hop in expected[pos:], (
            f"{journey['summary']}: path {observed} is not {key} {expected}")
        pos = expected.index(hop, pos) + 1
    visible = hooks_seen(events)
    missing = [h for h in expected if h not in observed]
    hidden = [h for h in missing if h in visible]
    assert not hidden, (f"{journey['summary']}: path {observed} lacks {hidden} of {key} "
                        f"{expected}, and those hooks do report in this run")
    assert observed and observed[0] == expected[0], (observed, expected)


# -- the expectations -------------------------------------------------------
def check_expect(step: lessons.Step, events: list[dict], result: dict):
    e = step.expect
    proto = TRAFFIC_PROTO.get(step.traffic.kind)
    kernel = [ev for ev in events if ev["source"] == "nftrace" and not ev.get("probe")]

    if "ok" in e:
        assert result["ok"] is e["ok"], f"traffic ok={result['ok']}: {result['output']}"
    if "path" in e:
        check_path(first_journey(result, proto, "request"), e["path"], events)
    if "reply_path" in e:
        check_path(first_journey(result, proto, "reply"), e["reply_path"], events)
    if "hooks" in e:
        path = [f"{f}:{h}" for f, h in first_journey(result, proto, "request")["path"]]
        for spec in e["hooks"]:
            assert spec in path, (spec, path)
    if "drop" in e:
        drops = [ev for ev in kernel if ev["verdict"] == "drop" and in_chain(ev, e["drop"])]
        others = {f"{ev['family']} {ev['table']} {ev['chain']}" for ev in kernel
                  if ev["verdict"] == "drop"}
        assert drops, f"no drop in {e['drop']}; drops seen: {sorted(others) or 'none'}"
        if "last" in e:
            assert drops[0]["type"] == e["last"], (
                f"dropped by a {drops[0]['type']} ({drops[0]['rule']}), not the {e['last']}")
    if "hit" in e:
        rules_there = [ev for ev in kernel if ev["type"] == "rule" and in_chain(ev, e["hit"])]
        assert rules_there, f"no rule matched in {e['hit']}"
        if "hit_rule" in e:
            want = e["hit_rule"].lower()
            texts = [ev["rule"] or "" for ev in rules_there]
            assert any(want in t.lower() for t in texts), (
                f"no rule containing {e['hit_rule']!r} matched in {e['hit']}: {sorted(set(texts))}")
    if "nat" in e:
        first = first_journey(result, proto, "request")
        mine = [ev for ev in kernel if ev["journey"] == first["id"]]
        nat_rules = [ev for ev in mine if ev["type"] == "rule" and in_chain(ev, e["nat"])
                     and any(t in (ev["rule"] or "") for t in ("NAT", "MASQUERADE"))]
        assert nat_rules, f"{first['summary']}: no NAT rule matched in {e['nat']}"
        rewrites = [n for n in first["nat"] if n["field"] == e["nat_field"]]
        assert any(n["new"] == e["nat_new"] for n in rewrites), (
            f"{first['summary']}: {e['nat_field']} not rewritten to {e['nat_new']}: {first['nat']}")
        placed = [n["at"] for n in rewrites if n["new"] == e["nat_new"]
                  and n["at"] not in ("?", "conntrack")]
        assert all(at == e["nat"] for at in placed), (
            f"rewrite reported at {placed}, the lesson says {e['nat']}")
    if e.get("nat_first_only"):
        first = first_journey(result, proto, "request")
        nat_journeys = {ev["journey"] for ev in events if ev["family"] == "ip" and ev["table"] == "nat"}
        assert nat_journeys == {first["id"]}, (
            "nat chains ran for packets other than the first request: "
            + ", ".join(j["summary"] for j in result["journeys"] if j["id"] in nat_journeys))
    if "no_family" in e:
        stray = [f"{ev['family']} {ev['table']} {ev['chain']} {ev.get('proto')}"
                 for ev in events if ev["family"] == e["no_family"]]
        assert not stray, f"{e['no_family']} events where the lesson says none: {stray[:5]}"
    if "conntrack" in e:
        entries = [c for c in result["conntrack"]
                   if c["proto"] == proto and c["orig"]["dst"] == step.traffic.dst]
        assert bool(entries) is e["conntrack"], (
            f"conntrack entries for {proto} to {step.traffic.dst}: {entries or result['conntrack']}")
    if "arp_seen" in e:
        seen = any(ev.get("proto") == "arp" for ev in events) or any(
            p.get("proto") == "arp" for pkts in result["captures"].values() for p in pkts)
        assert seen is e["arp_seen"], "ARP frames were not seen" if e["arp_seen"] else "ARP seen"
    if "nflog" in e:
        prefixes = {ev["prefix"] for ev in events if ev["source"] == "nflog"}
        missing = [p for p in e["nflog"] if p not in prefixes]
        assert not missing, f"NFLOG prefixes not logged: {missing}; logged: {sorted(prefixes)}"


@pytest.mark.parametrize("slug,number", STEPS)
def test_lesson_step_live(live_lab, slug, number):
    step = LESSONS[slug].step(number)
    events, result, proc = run_trace(slug, "--step", str(number))
    assert proc.returncode == 0 and result is not None, proc.stderr[-2000:]
    assert result["lesson"] == slug and result["step"] == number
    if step.traffic.kind != "none":
        assert result["command"], "the step's traffic did not run"
    if step.try_it:
        assert not step.expect
        return
    check_expect(step, events, result)


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
