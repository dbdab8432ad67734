"""The explainer on events built here (no kernel): each sentence rests on the fields given.

The sequences follow what this kernel reports (tests/lessons/test_live_explain.py
checks the same sentences on real runs): a packet's chain dumps in order, the
journey's header rewrites noted between them as the Tracker notes them.
"""
from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from visualizer.core import lessons, phrases
from visualizer.core.events import Tracker
from visualizer.core.explain import Explainer
from visualizer.core.journeys import Journeys
from visualizer.core.records import Conntrack, Event, Ifaces, Packet, Verdict, Where
from visualizer.core.rulewords import words
from visualizer.core.story import story

TOPO = lessons.get("container-to-external").topology
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "netlink_container_to_container.json"


class Run:
    """Feeds events to an Explainer the way the Tracker does: one journey per id, its
    headers noted at each dump (a rewrite between dumps lands in ``Journey.nat``)."""

    def __init__(self, topology=TOPO):
        self.journeys = Journeys()
        self.ex = Explainer(topology, self.journeys)
        self.last_nat_at = {}

    def hop(self, jid, family, table, chain, hook=None, base=None, type="rule", verdict="accept",
            rule=None, pos=None, target=None, probe=False, tid=1, ct=None, state=None,
            direction=None, **fields) -> Event:
        while len(self.journeys.all) < jid:
            self.journeys._new({}, 0, 0.0)
        j = self.journeys.all[jid - 1]
        pkt = {k: fields.pop(k) for k in list(fields) if k in Packet.__slots__}
        j.note_headers(pkt, self.last_nat_at.get(jid))
        ev = Event(where=Where(source="nftrace", family=family, table=table, chain=chain,
                               hook=hook or chain.lower(), base_chain=base or chain, trace_id=tid),
                   verdict=Verdict(type=type, verdict=verdict, target=target, rule=rule,
                                   rule_pos=pos, probe=probe),
                   ifaces=Ifaces(**fields), packet=Packet(**pkt),
                   ct=Conntrack(ct_id=ct, ct_state=state, ct_direction=direction), journey=jid)
        self.ex.explain(ev)
        if table == "nat" and rule and words(family, rule).nat:
            self.last_nat_at[jid] = f"{family} nat {base or chain}"
        return ev


SYN = dict(src="203.0.113.1", sport=40000, proto="tcp")


def test_dnat_names_both_addresses_and_the_entry_and_forward_says_why():
    r = Run(lessons.get("external-to-container").topology)
    r.hop(1, "ip", "raw", "PREROUTING", type="policy", iif="eth0", dst="203.0.113.10", dport=8080, **SYN)
    jump = r.hop(1, "ip", "nat", "PREROUTING", verdict="jump", target="DOCKER", pos=1,
                 rule="-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER", iif="eth0",
                 dst="203.0.113.10", dport=8080, ct=7, state="new", direction="original", **SYN)
    assert "its destination is one of the host's own addresses" in jump.explain
    assert "comes back to rule 2 of PREROUTING" in jump.explain
    assert "entry 7" in jump.explain and "nat table is consulted now" in jump.explain
    dnat = r.hop(1, "ip", "nat", "DOCKER", hook="prerouting", base="PREROUTING", pos=2,
                 rule="-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT "
                      "--to-destination 172.17.0.2:80", iif="eth0", dst="203.0.113.10",
                 dport=8080, ct=7, state="new", direction="original", **SYN)
    assert "destination 203.0.113.10:8080 becomes 172.17.0.2:80" in dnat.explain
    assert "read from the rule's --to-destination" in dnat.explain
    assert "entry 7" in dnat.explain and "changed back to 203.0.113.10:8080 at POSTROUTING" in dnat.explain
    assert "it did not come in on docker0, it is TCP, it goes to port 8080" in dnat.explain
    fwd = r.hop(1, "ip", "filter", "FORWARD", verdict="jump", target="DOCKER-USER", pos=1,
                rule="-A FORWARD -j DOCKER-USER", iif="eth0", oif="docker0", dst="172.17.0.2",
                dport=80, ct=7, state="new", direction="original", **SYN)
    assert "The DNAT in ip nat PREROUTING rewrote its destination 203.0.113.10:8080 → " \
           "172.17.0.2:80: that is why ip filter FORWARD's rules see 172.17.0.2:80." in fwd.explain
    assert len(fwd.explain_msgs) <= 3
    ret = r.hop(1, "ip", "filter", "DOCKER-USER", hook="forward", base="FORWARD", verdict="return",
                pos=1, rule="-A DOCKER-USER -j RETURN", iif="eth0", oif="docker0",
                dst="172.17.0.2", dport=80, ct=7, state="new", direction="original", **SYN)
    assert "goes back to FORWARD, which goes on from rule 2" in ret.explain


def test_a_later_packet_gets_the_mapping_without_the_nat_chains():
    r = Run(lessons.get("external-to-container").topology)
    r.hop(1, "ip", "nat", "DOCKER", hook="prerouting", base="PREROUTING", pos=2,
          rule="-A DOCKER -p tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80",
          iif="eth0", dst="203.0.113.10", dport=8080, ct=7, state="new", direction="original", **SYN)
    r.hop(2, "ip", "raw", "PREROUTING", type="policy", iif="eth0", dst="203.0.113.10", dport=8080, **SYN)
    ev = r.hop(2, "ip", "filter", "FORWARD", pos=3,
               rule="-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
               iif="eth0", oif="docker0", dst="172.17.0.2", dport=80, ct=7, state="established",
               direction="original", **SYN)
    assert "was 203.0.113.10:8080 at the previous dump (ip raw PREROUTING) and is " \
           "172.17.0.2:80 here: conntrack applied entry 7's mapping at PREROUTING" in ev.explain
    assert "The flow is established (conntrack entry 7)" in ev.explain
    assert "does not run the nat chains again" in ev.explain
    assert "it leaves by docker0, it belongs to a connection the kernel already knows" in ev.explain


def test_masquerade_takes_the_leaving_interfaces_address_from_the_topology():
    r = Run()
    ev = r.hop(1, "ip", "nat", "POSTROUTING", pos=1,
               rule="-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE",
               iif="docker0", oif="eth0", physin="veth-c1", src="172.17.0.2", dst="203.0.113.1",
               proto="icmp", ct=9, state="new", direction="original")
    assert "source 172.17.0.2 becomes 203.0.113.10, the address of eth0" in ev.explain
    assert "worked out from the topology" in ev.explain
    assert "its source is in 172.17.0.0/16, it does not leave by docker0" in ev.explain
    assert "changed back to 172.17.0.2 at PREROUTING" in ev.explain
    reply = r.hop(2, "ip", "raw", "PREROUTING", type="policy", iif="eth0", src="203.0.113.1",
                  dst="203.0.113.10", proto="icmp")
    assert "before conntrack" in reply.explain
    fwd = r.hop(2, "ip", "filter", "FORWARD", verdict="jump", target="DOCKER-USER", pos=1,
                rule="-A FORWARD -j DOCKER-USER", iif="eth0", oif="docker0", src="203.0.113.1",
                dst="172.17.0.2", proto="icmp", ct=9, state="established", direction="reply")
    assert "reverse of entry 9's mapping at PREROUTING" in fwd.explain
    assert "It is a reply of conntrack entry 9: no nat chain runs for a reply." in fwd.explain


def test_forwards_drop_policy_on_a_bridged_frame_names_the_two_fixes():
    r = Run(lessons.get("new-bridge-forward-drop").topology)
    ev = r.hop(1, "ip", "filter", "FORWARD", type="policy", verdict="drop", iif="br-new",
               oif="br-new", physin="veth-c3", physout="veth-c4", src="172.18.0.3",
               dst="172.18.0.4", proto="icmp")
    assert "No rule of ip filter FORWARD accepted the packet, so the chain's policy, DROP" in ev.explain
    assert "bridge-nf-call-iptables=0" in ev.explain and "--physdev-is-bridged" in ev.explain
    assert "br_netfilter runs ip FORWARD" in ev.explain
    notes = r.ex.notes[1]
    told = story({"id": 1, "outcome": "dropped", "outcome_detail": "dropped", "nat": []}, notes, r.ex)
    assert [x.id for x in told][-3:] == ["explain.policy.drop", "explain.fix.bridged_forward",
                                         "story.outcome"]


def test_a_routed_drop_by_the_policy_names_no_bridge_fix():
    r = Run()
    ev = r.hop(1, "ip", "filter", "FORWARD", type="policy", verdict="drop", iif="eth0",
               oif="docker0", src="203.0.113.1", dst="172.17.0.2", proto="icmp")
    assert "physdev" not in ev.explain and "routing decision sent it on to FORWARD" in ev.explain


def test_probes_logs_and_unknown_rules():
    r = Run()
    probe = r.hop(1, "bridge", "trace", "prerouting", verdict="continue", probe=True,
                  rule="meta protocol { ip, arp } meta nftrace set 1", iif="veth-c1")
    assert probe.explain.startswith("The sandbox's trace probe") and len(probe.explain_msgs) == 1
    log = Event(where=Where(source="nflog", family="bridge", table="filter", chain="FORWARD",
                            hook="forward"), verdict=Verdict(type="log", prefix="eb:filter:FORWARD"),
                journey=1)
    r.ex.explain(log)
    assert log.explain == ('Logged at bridge FORWARD by the rule with the prefix '
                           '"eb:filter:FORWARD" (an NFLOG copy): logging does not change the '
                           'packet, which goes on.')
    unknown = r.hop(1, "bridge", "filter", "FORWARD", verdict="drop", iif="veth-c1", oif="veth-c2")
    assert "its text unknown" in unknown.explain


def test_the_bridge_floods_a_broadcast_and_passes_its_own_mac_up():
    r = Run()
    first = r.hop(1, "bridge", "filter", "FORWARD", type="policy", iif="veth-c1", oif="veth-c2",
                  mac_dst="ff:ff:ff:ff:ff:ff", proto="arp")
    assert "floods it" in first.explain and "leaves by veth-c2" in first.explain
    up = r.hop(2, "bridge", "filter", "INPUT", type="policy", iif="veth-c1",
               mac_dst="02:42:ac:11:00:01", proto="arp")
    assert "the bridge's own (worked out from the topology)" in up.explain and "docker0" in up.explain


@pytest.mark.parametrize("rule,said", [
    ("-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
     ["it leaves by docker0", "it belongs to a connection the kernel already knows, or is "
      "related to one (such as an ICMP error about it)"]),
    ("-A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT",
     ["its destination is 172.17.0.2", "it did not come in on docker0", "it leaves by docker0",
      "it is TCP", "it goes to port 80"]),
    ("-I FORWARD -m physdev --physdev-is-bridged -j ACCEPT",
     ["it is being bridged (from one bridge port to another)"]),
    ("-A FORWARD -j DOCKER-USER", ["any packet"]),
    ("-A FORWARD -m frob --wibble 3 -j ACCEPT", ["--wibble 3"]),
])
def test_rule_words(rule, said):
    assert [x.text() for x in words("ip", rule).phrases()] == said


def test_ebtables_words_and_targets():
    w = words("bridge", '-t nat -A PREROUTING -p IPv4 --nflog-prefix "eb:nat:PREROUTING" '
                        '--nflog-group 1 -j CONTINUE')
    assert w.log and w.target == "CONTINUE" and w.opts["--nflog-prefix"] == "eb:nat:PREROUTING"
    assert [x.text() for x in w.phrases()] == ["it is an IPv4 frame"]
    assert [x.text() for x in words("bridge", "-A FORWARD -p ARP -j DROP").phrases()] == \
        ["it is an ARP frame"]
    assert words("ip", "-A PREROUTING -j TRACE").trace_probe
    assert words("ip", "-A X -j DNAT --to-destination 1.2.3.4:80").nat == "DNAT"


def test_the_tracker_explains_real_kernel_messages_and_tells_stories():
    """The container-to-container capture (real netlink bytes): every event explained,
    the bridged request's ip hooks put down to br_netfilter, each journey a story."""
    from visualizer.lab import netlink
    capture = json.loads(FIXTURE.read_text())
    t = Tracker({int(k): v for k, v in capture["ifnames"].items()},
                topology=lessons.get("container-to-container").topology)
    events = []
    for blob in capture["trace"]:
        for mtype, raw in netlink.split(base64.b64decode(blob)):
            if mtype == netlink.TRACE_MSG_TYPE:
                ev = t.on_trace(netlink.decode_trace(raw), 0.0)
                if ev:
                    events.append(ev.wire)
    assert events and all(e["explain"] and e["explain_msgs"] for e in events)
    assert any("br_netfilter runs" in e["explain"] for e in events if e["family"] == "ip")
    assert all(phrases.text_of([phrases.from_wire(w) for w in e["explain_msgs"]]) == e["explain"]
               for e in events)
    for j in t.summaries({}, []):
        assert j["story"][-1].startswith(f"Outcome ({j['outcome']})")
        assert len(j["story"]) == len(j["story_msgs"])


def test_every_message_made_gives_its_template_exactly_its_placeholders(monkeypatch):
    """At run time too (the ast check in test_phrases cannot see ``**args``)."""
    made = []
    real = phrases.msg

    def spy(id_, **args):
        made.append((id_, set(args)))
        return real(id_, **args)
    import visualizer.core.explain as explain_mod
    import visualizer.core.story as story_mod
    monkeypatch.setattr(explain_mod, "m", spy)
    monkeypatch.setattr(story_mod, "m", spy)
    test_dnat_names_both_addresses_and_the_entry_and_forward_says_why()
    test_a_later_packet_gets_the_mapping_without_the_nat_chains()
    test_masquerade_takes_the_leaving_interfaces_address_from_the_topology()
    test_forwards_drop_policy_on_a_bridged_frame_names_the_two_fixes()
    assert len(made) > 20
    for id_, args in made:
        assert args == phrases.placeholders(phrases.CATALOGUE[id_]), id_


def test_a_dropped_copy_of_a_flooded_frame_is_a_copy():
    r = Run()
    ev = r.hop(1, "bridge", "filter", "FORWARD", verdict="drop", pos=2, rule="-A FORWARD -p ARP -j DROP",
               iif="veth-c1", oif="veth-c2", mac_dst="ff:ff:ff:ff:ff:ff", proto="arp")
    assert "drops this copy of the frame" in ev.explain and "no later chain" not in ev.explain


def test_a_dnat_at_output_is_routed_again():
    r = Run(lessons.get("external-to-container").topology)
    host = dict(src="203.0.113.10", sport=40000, proto="tcp")
    r.hop(1, "ip", "raw", "OUTPUT", type="policy", oif="lo", dst="203.0.113.10", dport=8080, **host)
    dnat = r.hop(1, "ip", "nat", "DOCKER", hook="output", base="OUTPUT", pos=2,
                 rule="-A DOCKER -p tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80",
                 oif="lo", dst="203.0.113.10", dport=8080, ct=5, state="new",
                 direction="original", **host)
    assert "changed back to 203.0.113.10:8080 at INPUT" in dnat.explain
    post = r.hop(1, "ip", "nat", "POSTROUTING", type="policy", oif="docker0", dst="172.17.0.2",
                 dport=80, ct=5, state="new", direction="original", **host)
    assert "It leaves by docker0 now, not by lo" in post.explain


def test_a_learners_reject_and_log_rules():
    r = Run()
    rej = r.hop(1, "ip", "filter", "DOCKER-USER", hook="forward", base="FORWARD", verdict="drop",
                pos=1, rule="-A DOCKER-USER -p icmp -m icmp --icmp-type echo-request -j REJECT",
                iif="docker0", oif="docker0", src="172.17.0.2", dst="172.17.0.3", proto="icmp")
    assert "it is ICMP, it is an ICMP echo-request" in rej.explain and "rejects the packet" in rej.explain
    log = r.hop(1, "ip", "filter", "FORWARD", verdict="continue", pos=1,
                rule='-A FORWARD -j LOG --log-prefix "mine: "', iif="docker0", oif="docker0",
                src="172.17.0.2", dst="172.17.0.3", proto="icmp")
    assert 'it logs a copy of the packet (prefix "mine: ")' in log.explain


def test_a_loopback_source_dnated_at_output_names_route_localnet_and_the_masquerade():
    r = Run(lessons.get("external-to-container").topology)
    lo = dict(src="127.0.0.1", sport=40000, proto="tcp")
    ev = r.hop(1, "ip", "nat", "DOCKER", hook="output", base="OUTPUT", pos=2,
               rule="-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT "
                    "--to-destination 172.17.0.2:80", oif="lo", dst="127.0.0.1", dport=8080,
               ct=3, state="new", direction="original", **lo)
    assert "net.ipv4.conf.docker0.route_localnet=1" in ev.explain
    assert "-o docker0 -m addrtype --src-type LOCAL -j MASQUERADE" in ev.explain
    assert "worked out from the topology" in ev.explain
    told = story({"id": 1, "outcome": "dropped", "outcome_detail": "martian", "nat": []},
                 r.ex.notes[1], r.ex)
    assert "explain.fix.localnet" in [x.id for x in told]


def test_a_private_source_leaving_the_uplink_unrewritten_names_the_masquerade():
    r = Run()
    ev = r.hop(1, "ip", "nat", "POSTROUTING", type="policy", iif="docker0", oif="eth0",
               physin="veth-c1", src="172.17.0.2", dst="203.0.113.1", proto="icmp", ct=4,
               state="new", direction="original")
    assert "-t nat -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE" in ev.explain
    assert "no route back (both worked out from the topology)" in ev.explain
    host = r.hop(2, "ip", "nat", "POSTROUTING", type="policy", oif="eth0", src="203.0.113.10",
                 dst="203.0.113.1", proto="icmp", ct=5, state="new", direction="original")
    assert "MASQUERADE" not in host.explain          # the host's own address needs none


def test_a_masquerade_out_of_an_interface_the_topology_gives_no_address():
    r = Run(lessons.get("new-bridge-forward-drop").topology)
    ev = r.hop(1, "ip", "nat", "POSTROUTING", pos=1, rule="-A POSTROUTING -o br-new -j MASQUERADE",
               iif="eth0", oif="br-new", src="203.0.113.1", dst="172.18.0.3", proto="icmp", ct=8,
               state="new", direction="original")
    assert "becomes the address of br-new, the interface it leaves by" in ev.explain
    assert "the address of br-new" in ev.explain
    told = story({"id": 1, "outcome": "sent", "outcome_detail": "sent", "flow": 8,
                  "nat": [{"at": "conntrack", "field": "src", "old": "203.0.113.1", "new": "x",
                           "source": "conntrack"}]}, r.ex.notes[1], r.ex)
    assert told[-1].id == "story.outcome"
