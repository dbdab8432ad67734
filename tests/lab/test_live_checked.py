"""Checked, not matched, against the kernel's own rule counters.

The lab derives "checked, did not match" from the loaded ruleset's order (the
kernel reports only the rules that matched).  Each case here runs one lesson
step with a single packet (a ping with ``count=1``, one nc connect), its
counters zeroed just before the traffic, and then reads every rule's counter
(``nft -a list ruleset`` in the sandbox's host namespace: iptables-nft and
ebtables-nft rules carry one).  For every chain the run's events cover, a rule's
counter must equal the number of times the events say it matched: so each rule
marked matched counted its packets, and each rule marked checked and never
matched counted none.  Exact, not loose: a run with hidden traffic (IGMP
reports, left out of the events) is run again in a fresh sandbox, and the
counters read a second time a moment later must not have moved (no packet the
events missed came late).
"""
from __future__ import annotations

import pytest

from tests.conftest import in_private_namespaces
from visualizer.core import lessons, matchwhy
from visualizer.core.records import CT_KEYS, HEADER_KEYS, Conntrack, Event, Ifaces, Packet, Where

pytestmark = pytest.mark.live

ECHO_DROP = "-I DOCKER-USER -s 172.17.0.3 -d 172.17.0.2 -p icmp -m conntrack --ctstate ESTABLISHED -j DROP"
# (lesson, step, learner rules, sysctls in a namespace before the run)
CASES = [
    ("container-to-container", 1, [], {}),
    ("new-bridge-forward-drop", 1, [], {}),
    # One ARP request, not the kernel's three: the ARP it drops is the only packet.
    ("arp-and-capture", 3, [], {"c1": {"net.ipv4.neigh.eth0.mcast_solicit": "1"}}),
    ("container-to-external", 2, [], {}),
    ("external-to-container", 1, [], {}),
    ("external-to-container", 3, [], {}),
    ("build-a-bridge", 5, [], {}),
    ("log-vs-trace", 3, [], {}),
    ("conntrack", 4, [ECHO_DROP], {}),
    ("arp-and-capture", 4, ["ebtables -A FORWARD -p ARP -j DROP"],
     {"c1": {"net.ipv4.neigh.eth0.mcast_solicit": "1"}}),
]

SCRIPT = r"""
import asyncio, dataclasses, json, re, sys
sys.path.insert(0, sys.argv[1])
from visualizer.core import lessons
from visualizer.lab import commands, server, session
server.private_run()
CASES = json.loads(sys.argv[2])
_T, _C = re.compile(r"^table (\w+) (\S+) \{"), re.compile(r"^\s*chain (\S+) \{")
_R = re.compile(r"counter packets (\d+) bytes \d+.*# handle (\d+)\s*$")
ZERO = [["iptables", "-t", t, "-Z"] for t in ("raw", "mangle", "nat", "filter")] + \
       [["ebtables", "-t", t, "-Z"] for t in ("filter", "nat")]

async def counters(sb):
    out, fam, table, chain = {}, None, None, None
    text = (await commands.run(["nft", "-a", "list", "ruleset"], ns=sb.ns("host"))).out
    for line in text.splitlines():
        m, c, r = _T.match(line), _C.match(line), _R.search(line)
        if m:
            fam, table = m.groups()
        elif c:
            chain = c.group(1)
        elif r and chain:
            out[f"{fam} {table} {chain} {r.group(2)}"] = int(r.group(1))
    return out

real_configure = session.configure

async def one(slug, number, user_rules, sysctls):
    lesson = lessons.get(slug)
    step = lesson.step(number)
    if step.traffic.kind == "ping":
        step = dataclasses.replace(step, traffic=dataclasses.replace(step.traffic, count=1))
    sb = await session.prepare("k" + str(number), lesson)
    try:
        async def configure(sb, lesson, step, user_rules):
            await real_configure(sb, lesson, step, user_rules)
            await asyncio.sleep(1.5)    # fresh interfaces' IGMP reports are over by then
            for ns, values in sysctls.items():
                sb.sysctl(ns, values)
            await asyncio.gather(*(commands.run(argv, ns=sb.ns("host")) for argv in ZERO))
        session.configure = configure
        sent = []
        res = await session.run_step(sb, lesson, step, user_rules,
                                     lambda m: sent.append(m["event"]) if m.get("type") == "trace.event" else None)
        first = await counters(sb)
        await asyncio.sleep(1.2)
        later = await counters(sb)
        return {"hidden": res["hidden"], "events": sent,
                "chains": res["chains"], "counters": first, "later": later}
    finally:
        session.configure = real_configure
        sb.close()

async def main():
    out = []
    for slug, number, user_rules, sysctls in CASES:
        for attempt in range(4):
            run = await one(slug, number, user_rules, sysctls)
            if not run["hidden"]:
                break
        out.append(run)
    print(json.dumps(out))

asyncio.run(main())
"""


@pytest.fixture(scope="module")
def runs(live_lab):
    import json
    script = SCRIPT.replace("json.loads(sys.argv[2])", repr(json.loads(json.dumps(CASES))))
    return in_private_namespaces(script, timeout=600)


def _chain(ev) -> str:
    return f'{ev["family"]} {ev["table"]} {ev["chain"]}'


def _account(run) -> tuple[dict, dict, set]:
    """From the events: {rule: times matched}, {rule: times checked}, the chains they cover;
    a rule is "family table chain handle", its handle from the run's chain listing."""
    handle = {(c, r["pos"]): r["handle"] for c, rs in run["chains"].items() for r in rs}
    matched, checked, chains = {}, {}, set()
    for ev in run["events"]:
        if ev["source"] != "nftrace":
            continue
        chains.add(_chain(ev))
        if ev["type"] == "rule" and ev["rule_handle"] is not None:
            key = f'{_chain(ev)} {ev["rule_handle"]}'
            matched[key] = matched.get(key, 0) + 1
        for c in ev["checked"]:
            key = f'{_chain(ev)} {handle[(_chain(ev), c["pos"])]}'
            checked[key] = checked.get(key, 0) + 1
    return matched, checked, chains


@pytest.mark.parametrize("i", range(len(CASES)),
                         ids=[f"{c[0]}-{c[1]}{'-rule' if c[2] else ''}" for c in CASES])
def test_checked_not_matched_agrees_with_the_kernels_counters(runs, i):
    run = runs[i]
    assert run["hidden"] == {}, "every run saw hidden traffic (IGMP): the counters would not add up"
    assert run["later"] == run["counters"], "a packet the run's events missed moved a counter"
    matched, checked, chains = _account(run)
    assert matched and checked, "the case checks nothing"
    counted = {k: n for k, n in run["counters"].items() if k.rsplit(" ", 1)[0] in chains}
    # Every rule the events name has a kernel counter (the nft-only probe rules have none).
    named = {k for k in {*matched, *checked} if not k.startswith(("bridge trace", "ip trace"))}
    assert named <= set(counted), sorted(named - set(counted))
    wrong = {k: (n, matched.get(k, 0)) for k, n in counted.items() if n != matched.get(k, 0)}
    assert wrong == {}, f"counter != times matched in the events: {wrong}"
    never = [k for k in checked if k not in matched and k in counted]
    assert never and all(counted[k] == 0 for k in never)
    # Without the learner's rules, every rule has a specific origin.
    ids = {r["origin_msg"]["id"] for rs in run["chains"].values() for r in rs}
    if not CASES[i][2]:
        assert not ids & {"origin.with_yours", "origin.unknown", "origin.ruleset"}, ids
    else:
        assert "origin.learner" in ids and "origin.unknown" not in ids, ids


def _event(flat: dict) -> Event:
    """A flat wire event back as the record the matcher reads."""
    return Event(where=Where(family=flat["family"], table=flat["table"], chain=flat["chain"]),
                 verdict=None, ifaces=Ifaces(iif=flat["iif"], oif=flat["oif"]),
                 packet=Packet(**{k: flat[k] for k in HEADER_KEYS}),
                 ct=Conntrack(**{k: flat[k] for k in CT_KEYS}))


@pytest.mark.parametrize("i", range(len(CASES)),
                         ids=[f"{c[0]}-{c[1]}{'-rule' if c[2] else ''}" for c in CASES])
def test_the_reasons_agree_with_what_the_kernel_matched(runs, i):
    """A rule the kernel reported matched is never given a reason it failed (the
    matcher, read against the kernel's own verdicts), and every rule checked in these
    runs gets its reason from the packet's fields."""
    host = matchwhy.Host(lessons.get(CASES[i][0]).topology)
    rules = [e for e in runs[i]["events"] if e["source"] == "nftrace" and e["type"] == "rule"
             and e["rule"] and e["rule"].startswith("-")]
    assert rules
    claimed = [(e["text"], e["rule"], matchwhy.reason(e["family"], e["rule"], _event(e), host))
               for e in rules]
    assert [c for c in claimed if c[2] is not None] == []
    unexplained = [(e["text"], c["rule"]) for e in runs[i]["events"] for c in e["checked"]
                   if c["why"] is None]
    assert unexplained == []
