"""Checked, not matched (``core/checked.py``, ``core/matchwhy.py``), pure: the reasons
the packet's fields give for each kind of match, and the visits a trace id makes (a
jump starts a fresh one, a policy or a user chain's end checks all that is left)."""
from __future__ import annotations

import pytest

from tests.fixtures.ruleindex import container_to_container_index
from visualizer.core import checked, lessons, matchwhy
from visualizer.core.records import Conntrack, Event, Ifaces, Packet, Verdict, Where

TOPO = lessons.get("new-bridge-forward-drop").topology
HOST = matchwhy.Host(TOPO)


def ev(family="ip", table="filter", chain="FORWARD", type_="rule", verdict="accept", pos=None,
       rule=None, target=None, iif="docker0", oif="docker0", tid=1, ct="new", journey=1,
       **packet):
    p = {"src": "172.17.0.2", "dst": "172.17.0.3", "proto": "icmp", "icmp_type": 8}
    p.update(packet)
    return Event(where=Where(source="nftrace", family=family, table=table, chain=chain,
                             trace_id=tid),
                 verdict=Verdict(type=type_, verdict=verdict, target=target, rule=rule,
                                 rule_pos=pos),
                 ifaces=Ifaces(iif=iif, oif=oif), packet=Packet(**p), journey=journey,
                 ct=Conntrack(ct_state=ct, ct_direction="original" if ct else None))


def why(text, e, family="ip"):
    m = matchwhy.reason(family, text, e, HOST)
    return m.text() if m else None


@pytest.mark.parametrize("text, event, said", [
    ("-A FORWARD -i docker0 -j ACCEPT", ev(iif="eth0"), "`-i docker0`: it came in on eth0"),
    ("-A FORWARD ! -i docker0 -o docker0 -j ACCEPT", ev(),
     "`! -i docker0`: it came in on docker0"),
    ("-A FORWARD -i veth+ -j ACCEPT", ev(), "`-i veth+`: it came in on docker0"),
    ("-A OUTPUT -o eth0 -j ACCEPT", ev(chain="OUTPUT", iif=None, oif="docker0"),
     "`-o eth0`: it leaves by docker0"),
    ("-A DOCKER -i docker0 -j RETURN", ev(table="nat", chain="DOCKER", iif=None, oif="lo"),
     "`-i docker0`: it has no input interface here"),
    ("-A DOCKER -p tcp -m tcp --dport 80 -j ACCEPT", ev(), "`-p tcp`: it is icmp"),
    ("-A DOCKER -p 6 -j ACCEPT", ev(), "`-p 6`: it is icmp"),
    ("-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT", ev(),
     "`--ctstate RELATED,ESTABLISHED`: its state is new"),
    ("-A FORWARD -m conntrack ! --ctstate NEW -j DROP", ev(), "`! --ctstate NEW`: its state is new"),
    ("-A FORWARD -m state --state NEW -j DROP", ev(ct="established"),
     "`--state NEW`: its state is established"),
    ("-A DOCKER -d 172.17.0.2/32 -j ACCEPT", ev(dst="203.0.113.10"),
     "`-d 172.17.0.2/32`: its destination is 203.0.113.10"),
    ("-A POSTROUTING -s 172.17.0.0/16 -j MASQUERADE", ev(src="203.0.113.1"),
     "`-s 172.17.0.0/16`: its source is 203.0.113.1"),
    ("-A DOCKER -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80",
     ev(proto="tcp", sport=40000, dport=80), "`--dport 8080`: its destination port is 80"),
    ("-A X -p tcp -m tcp --sport 1024:65535 -j ACCEPT", ev(proto="tcp", sport=80, dport=4000),
     "`--sport 1024:65535`: its source port is 80"),
    ("-A X -p tcp -m multiport --dports 22,443 -j ACCEPT", ev(proto="tcp", sport=1, dport=80),
     "`--dports 22,443`: its destination port is 80"),
    ("-A X -p icmp -m icmp --icmp-type echo-reply -j ACCEPT", ev(),
     "`--icmp-type echo-reply`: its ICMP type is 8"),
    ("-A FORWARD -m conntrack --ctdir REPLY -j ACCEPT", ev(),
     "`--ctdir REPLY`: it travels in the original direction of its connection"),
    ("-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER", ev(table="nat", chain="PREROUTING"),
     "`-m addrtype --dst-type LOCAL`: its destination 172.17.0.3 is not one of the host's own "
     "addresses (derived from the topology)"),
    ("-A OUTPUT -m addrtype ! --dst-type LOCAL -j X", ev(table="nat", dst="127.0.0.1"),
     "`-m addrtype ! --dst-type LOCAL`: its destination 127.0.0.1 is one of the host's own "
     "addresses (derived from the topology)"),
    ("-A POSTROUTING -m addrtype --src-type LOCAL -j MASQUERADE", ev(table="nat"),
     "`-m addrtype --src-type LOCAL`: its source 172.17.0.2 is not one of the host's own "
     "addresses (derived from the topology)"),
    ("-A FORWARD -m physdev --physdev-is-bridged -j ACCEPT", ev(iif="eth0"),
     "`--physdev-is-bridged`: it came in on eth0 and leaves by docker0: it is routed, not "
     "bridged (derived from the topology)"),
    ("-A FORWARD -m physdev ! --physdev-is-bridged -j ACCEPT", ev(),
     "`! --physdev-is-bridged`: it came in on and leaves by the bridge docker0: it is being "
     "bridged (derived from the topology)"),
    # Not decided by the packet's fields.
    ("-A FORWARD -m limit --limit 5/s -j ACCEPT", ev(), None),
    ("-A FORWARD -m mark --mark 0x1 -j ACCEPT", ev(), None),
    ("-A FORWARD -m conntrack --ctstate DNAT -j ACCEPT", ev(), None),
    ("-A FORWARD -o docker0 -m conntrack --ctstate NEW -j ACCEPT", ev(table="raw", ct=None), None),
    # Every match holds (the kernel would have reported it): no reason is made up.
    ("-A FORWARD -i docker0 -o docker0 -j ACCEPT", ev(), None),
    ("-A FORWARD -m comment --comment \"-i eth0\" -i docker0 -j ACCEPT", ev(), None),
])
def test_ip_reasons(text, event, said):
    assert why(text, event) == said


ARP = dict(proto="arp", src="172.17.0.2", dst="172.17.0.3", mac_src="02:42:ac:11:00:02",
           mac_dst="ff:ff:ff:ff:ff:ff", icmp_type=None)


@pytest.mark.parametrize("text, event, said", [
    ('-A FORWARD -p IPv4 --nflog-prefix "eb:filter:FORWARD" --nflog-group 1 -j CONTINUE',
     ev("bridge", iif="veth-c1", oif="veth-c2", **ARP), "`-p IPv4`: it is an ARP frame"),
    ("-A FORWARD -p ARP -j DROP", ev("bridge", iif="veth-c1", oif="veth-c2"),
     "`-p ARP`: it is an IPv4 frame"),
    ("-A FORWARD -i veth-c2 -j DROP", ev("bridge", iif="veth-c1", oif="veth-c2"),
     "`-i veth-c2`: it came in on bridge port veth-c1"),
    ("-A FORWARD -o ! veth-c2 -j DROP", ev("bridge", iif="veth-c1", oif="veth-c2"),
     "`-o ! veth-c2`: it leaves by bridge port veth-c2"),
    ("-A FORWARD --logical-in br-new -j DROP", ev("bridge", iif="veth-c1", oif="veth-c2"),
     "`--logical-in br-new`: it came in on veth-c1, a port of docker0 (derived from the topology)"),
    ("-A FORWARD --logical-out docker0 -j DROP", ev("bridge", iif="veth-c3", oif="veth-c4"),
     "`--logical-out docker0`: it leaves by veth-c4, a port of br-new (derived from the topology)"),
    ("-A FORWARD -s ! 02:42:ac:11:00:02 -j DROP", ev("bridge", iif="veth-c1", oif="veth-c2", **ARP),
     "`-s ! 02:42:ac:11:00:02`: its source MAC is 02:42:ac:11:00:02"),
    ("-A FORWARD -p IPv4 --ip-src 172.17.0.3 -j DROP", ev("bridge", iif="veth-c1", oif="veth-c2"),
     "`--ip-src 172.17.0.3`: its source is 172.17.0.2"),
    ("-A FORWARD -p IPv4 --ip-proto tcp -j DROP", ev("bridge", iif="veth-c1", oif="veth-c2"),
     "`--ip-proto tcp`: it is icmp"),
    ("meta protocol { ip, arp } meta nftrace set 1", ev("bridge", table="trace", **ARP), None),
])
def test_bridge_reasons(text, event, said):
    assert why(text, event, "bridge") == said


def test_a_rule_is_parsed_once_a_text():
    matchwhy.matches.cache_clear()
    for _ in range(3):
        matchwhy.matches("ip", "-A FORWARD -i docker0 -j ACCEPT")
    assert matchwhy.matches.cache_info().misses == 1


class Lookup:
    """A ruleset: (family, table, chain) -> texts in order."""

    def __init__(self, chains):
        self.chains = {k: [{"pos": i, "handle": 100 + i, "text": t, "probe": "TRACE" in t}
                           for i, t in enumerate(texts, 1)] for k, texts in chains.items()}

    def chain_rules(self, family, table, chain):
        return self.chains.get((family, table, chain), [])


DOCKER = Lookup({
    ("ip", "filter", "FORWARD"): [
        "-A FORWARD -j DOCKER-USER", "-A FORWARD -j DOCKER-ISOLATION-STAGE-1",
        "-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
        "-A FORWARD -o docker0 -j DOCKER", "-A FORWARD -i docker0 ! -o docker0 -j ACCEPT",
        "-A FORWARD -i docker0 -o docker0 -j ACCEPT"],
    ("ip", "filter", "DOCKER"): [
        "-A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT"],
    ("ip", "filter", "DOCKER-ISOLATION-STAGE-1"): [
        "-A DOCKER-ISOLATION-STAGE-1 -i docker0 ! -o docker0 -j DOCKER-ISOLATION-STAGE-2",
        "-A DOCKER-ISOLATION-STAGE-1 -j RETURN"],
    ("ip", "filter", "DOCKER-USER"): ["-A DOCKER-USER -j RETURN"],
    ("ip", "raw", "PREROUTING"): [
        '-A PREROUTING -j NFLOG --nflog-prefix "log"', "-A PREROUTING -j TRACE"],
    ("ip", "nat", "POSTROUTING"): [
        "-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE",
        "-A POSTROUTING -s 172.17.0.2/32 -d 172.17.0.2/32 -p tcp -m tcp --dport 80 -j MASQUERADE"],
})


def run(events, lookup=DOCKER):
    c = checked.Checker(lookup, TOPO)
    for e in events:
        c.mark(e)
    return [[x["pos"] for x in e.checked] for e in events]


def rule(pos, verdict="continue", chain="FORWARD", target=None):
    """A filter table rule event, its text from DOCKER."""
    text = DOCKER.chain_rules("ip", "filter", chain)[pos - 1]["text"]
    return ev(chain=chain, pos=pos, verdict=verdict, target=target, rule=text)


def test_a_bridged_ping_through_forward_and_its_user_chains():
    events = [rule(1, "jump", target="DOCKER-USER"),
              rule(1, "return", chain="DOCKER-USER"),
              rule(2, "jump", target="DOCKER-ISOLATION-STAGE-1"),
              rule(2, "return", chain="DOCKER-ISOLATION-STAGE-1"),
              rule(4, "jump", target="DOCKER"),
              ev(chain="DOCKER", type_="return", verdict="return"),
              rule(6, "accept")]
    assert run(events) == [[], [], [], [1], [3], [1], [5]]
    assert [x["why"] for x in events[6].checked] == ["`! -o docker0`: it leaves by docker0"]
    assert events[3].checked[0] == {
        "pos": 1, "rule": DOCKER.chain_rules("ip", "filter", "DOCKER-ISOLATION-STAGE-1")[0]["text"],
        "why": "`! -o docker0`: it leaves by docker0",
        "why_msg": {"id": "checked.out", "args": {"match": "! -o docker0", "dev": "docker0"}},
        "probe": False}
    assert "checked" in events[3].derived and "checked" not in events[0].derived


def test_the_policy_checks_every_rule_after_the_last_match():
    events = [rule(1, "jump", target="DOCKER-USER"), rule(1, "return", chain="DOCKER-USER"),
              rule(2, "jump", target="DOCKER-ISOLATION-STAGE-1"),
              rule(2, "return", chain="DOCKER-ISOLATION-STAGE-1"),
              ev(type_="policy", verdict="drop", iif="br-new", oif="br-new", src="172.18.0.3",
                 dst="172.18.0.4")]
    assert run(events)[-1] == [3, 4, 5, 6]
    whys = [x["why"] for x in events[-1].checked]
    assert whys == ["`-o docker0`: it leaves by br-new", "`-o docker0`: it leaves by br-new",
                    "`-i docker0`: it came in on br-new", "`-i docker0`: it came in on br-new"]


def test_a_chain_with_no_match_is_all_checked_and_a_new_packet_starts_afresh():
    post = [ev(table="nat", chain="POSTROUTING", type_="policy", verdict="accept")
            for _ in range(2)]
    assert run(post) == [[1, 2], [1, 2]]


def test_a_jump_starts_a_fresh_visit_and_a_return_resumes_the_caller():
    # Two packets under one trace id: the first accepted, the second starts at FORWARD again.
    events = [rule(1, "jump", target="DOCKER-USER"), rule(1, "return", chain="DOCKER-USER"),
              rule(6, "accept"), rule(1, "jump", target="DOCKER-USER"),
              rule(1, "return", chain="DOCKER-USER"), rule(3, "accept")]
    assert run(events) == [[], [], [2, 3, 4, 5], [], [], [2]]


def test_nothing_is_claimed_before_the_rule_that_started_the_trace():
    trace = ev(table="raw", chain="PREROUTING", pos=2, verdict="continue",
               rule="-A PREROUTING -j TRACE", ct=None)
    assert run([trace]) == [[]]
    # A packet already traced (its bridge hops came first) was checked against rule 1,
    # under a trace id of its own or not.
    bridged = ev("bridge", table="nat", chain="PREROUTING", type_="policy", tid=7)
    again = ev(table="raw", chain="PREROUTING", pos=2, verdict="continue",
               rule="-A PREROUTING -j TRACE", ct=None, tid=8)
    assert run([bridged, again]) == [[], [1]]


def test_a_rule_the_index_does_not_know_leaves_the_visit_unclaimed():
    events = [ev(pos=None, verdict="continue"), ev(type_="policy", verdict="drop")]
    assert run(events) == [[], []]


def test_a_return_in_a_base_chain_leaves_the_rest_unchecked():
    lookup = Lookup({("ip", "filter", "INPUT"): ["-A INPUT -j RETURN", "-A INPUT -j DROP"]})
    events = [ev(chain="INPUT", pos=1, verdict="return", rule="-A INPUT -j RETURN"),
              ev(chain="INPUT", type_="policy", verdict="accept")]
    assert run(events, lookup) == [[], []]


def test_probe_rules_count_and_are_marked():
    lookup = Lookup({("ip", "raw", "PREROUTING"): ["-A PREROUTING -j TRACE", "-A PREROUTING -j X"]})
    e = ev(table="raw", chain="PREROUTING", type_="policy", verdict="accept", ct=None)
    checked.Checker(lookup, TOPO).mark(e)
    assert [(x["pos"], x["probe"]) for x in e.checked] == [(1, True), (2, False)]


def test_log_events_and_unknown_chains_get_nothing():
    log = ev(type_="log", verdict="log")
    other = ev(chain="NOPE", type_="policy", verdict="accept")
    assert run([log, other]) == [[], []]


def test_a_rule_event_takes_its_origin_from_the_listing():
    lookup = Lookup({("ip", "filter", "FORWARD"): ["-A FORWARD -j ACCEPT"]})
    lookup.chains[("ip", "filter", "FORWARD")][0].update(
        origin="docker's daemon start", origin_msg={"id": "origin.docker.daemon", "args": {}})
    e = ev(pos=1, rule="-A FORWARD -j ACCEPT")
    run([e], lookup)
    assert (e.origin, e.origin_msg["id"]) == ("docker's daemon start", "origin.docker.daemon")
    assert "origin" in e.derived and "checked" not in e.derived
    policy = ev(type_="policy", verdict="drop", tid=2)
    run([policy], lookup)
    assert policy.origin is None and [c["pos"] for c in policy.checked] == [1]


def test_real_kernel_messages_get_their_checked_rules_and_origins():
    import json

    from tests.conftest import ROOT
    from visualizer.core.events import Tracker
    from visualizer.lab import netlink
    from .test_netlink_decode import messages
    capture = json.loads((ROOT / "tests/fixtures/netlink_container_to_container.json").read_text())
    t = Tracker({int(k): v for k, v in capture["ifnames"].items()}, container_to_container_index(),
                topology=lessons.get("container-to-container").topology)
    events = [e for raw in messages(capture, "trace", netlink.TRACE_MSG_TYPE)
              if (e := t.on_trace(netlink.decode_trace(raw), 0.0))]
    first = next(e for e in events if e.packet.proto == "icmp" and e.where.family == "ip").journey
    mine = [e for e in events if e.journey == first and e.where.family == "ip"]
    said = [(e.where.chain, e.verdict.type, e.verdict.rule_pos, [(c["pos"], c["why"]) for c in e.checked])
            for e in mine if e.where.table in ("filter", "nat")]
    assert said == [
        ("PREROUTING", "policy", None, [(1, "`-m addrtype --dst-type LOCAL`: its destination "
                                            "172.17.0.3 is not one of the host's own addresses "
                                            "(derived from the topology)")]),
        ("FORWARD", "rule", 1, []), ("DOCKER-USER", "rule", 1, []), ("FORWARD", "rule", 2, []),
        ("DOCKER-ISOLATION-STAGE-1", "rule", 2, [(1, "`! -o docker0`: it leaves by docker0")]),
        ("FORWARD", "rule", 4, [(3, "`--ctstate RELATED,ESTABLISHED`: its state is new")]),
        ("DOCKER", "return", None, [(1, "`-d 172.17.0.2/32`: its destination is 172.17.0.3")]),
        ("FORWARD", "rule", 6, [(5, "`! -o docker0`: it leaves by docker0")]),
        ("POSTROUTING", "policy", None, [(1, "`! -o docker0`: it leaves by docker0"),
                                         (2, "`-d 172.17.0.2/32`: its destination is 172.17.0.3")]),
    ]
    accept = next(e for e in mine if e.verdict.rule_pos == 6)
    assert accept.origin.startswith("docker's daemon start") and "origin" in accept.derived
    assert accept.flat()["checked"][0]["why_msg"]["id"] == "checked.out"
    arp = next(e for e in events if e.packet.proto == "arp" and e.where.table == "filter")
    assert [(c["pos"], c["why"], c["probe"]) for c in arp.checked] == [
        (1, "`-p IPv4`: it is an ARP frame", True)]
