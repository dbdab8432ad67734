"""Origins (``core/origins.py``), pure: a file's ``# origin:`` keys chain by chain, the
chains as loading and commands leave them, and the kernel's listing given its origins
(``lab.rules.RuleIndex.set_origins``) without guessing where the tools rewrote a text."""
from __future__ import annotations

from visualizer.core import origins
from visualizer.lab import rules

IPT = """# origin: docker.daemon
*filter
-A FORWARD -j DOCKER-USER
# origin: docker.publish
-A DOCKER -d 172.17.0.2/32 -j ACCEPT
COMMIT
*nat
-A POSTROUTING -j MASQUERADE
COMMIT
"""
EBT = """# origin: trace.probe
-t nat -A PREROUTING -j CONTINUE
-A FORWARD -j CONTINUE
# origin: docker.daemon
-t nat -A PREROUTING -j DROP
"""
NFT = """# origin: trace.probe
table bridge trace {
\tchain prerouting {
\t\ttype filter hook prerouting priority -301;
\t\tmeta nftrace set 1
\t}
}
"""


def test_keys_are_read_chain_by_chain_in_file_order():
    assert origins.keys(IPT, "iptables") == {
        ("ip", "filter", "FORWARD"): ["docker.daemon"], ("ip", "filter", "DOCKER"): ["docker.publish"],
        ("ip", "nat", "POSTROUTING"): ["docker.publish"]}
    assert origins.keys(EBT, "ebtables") == {
        ("bridge", "nat", "PREROUTING"): ["trace.probe", "docker.daemon"],
        ("bridge", "filter", "FORWARD"): ["trace.probe"]}
    assert origins.keys(NFT, "nft") == {("bridge", "trace", "prerouting"): ["trace.probe"]}
    assert origins.keys("*filter\n-A INPUT -j X\nCOMMIT\n", "iptables") == {
        ("ip", "filter", "INPUT"): [None]}
    assert origins.unknown_keys("# origin: nosuch.key\n# origin: docker.daemon\n") == ["nosuch.key"]


def _origin_ids(p):
    return {k: [(x.text, x.origin.id) for x in v] for k, v in p.chains.items()}


def test_a_ruleset_takes_its_keys_and_a_default_for_the_rest():
    p = origins.Placement()
    p.ruleset({"iptables": IPT, "ebtables": [ln for ln in EBT.splitlines() if not ln.startswith("#")]},
              {"iptables": origins.keys(IPT, "iptables"), "ebtables": origins.keys(EBT, "ebtables")},
              origins.lesson_default("demo"), lesson="demo")
    p.ruleset({"iptables": "*filter\n-I FORWARD -j FIRST\nCOMMIT\n"}, {},
              origins.lesson_default("demo"))
    got = _origin_ids(p)
    assert got[("ip", "filter", "FORWARD")] == [("-A FORWARD -j FIRST", "origin.lesson"),
                                                ("-A FORWARD -j DOCKER-USER", "origin.docker.daemon")]
    assert got[("bridge", "nat", "PREROUTING")] == [
        ("-A PREROUTING -j CONTINUE", "origin.trace.probe"),
        ("-A PREROUTING -j DROP", "origin.docker.daemon")]


def _base():
    p = origins.Placement()
    p.ruleset({"iptables": "*filter\n-A FORWARD -j A\n-A FORWARD -j B\n-A FORWARD -j C\nCOMMIT\n"},
              {}, origins.of("origin.docker.daemon"))
    return p


def test_commands_change_the_chains_as_the_tools_do():
    p = _base()
    act = origins.action(2, "iptables -I FORWARD 2 -j X")
    p.command("iptables", "-I FORWARD 2 -j X", act)
    p.command("iptables", "-D FORWARD -j B")
    p.command("iptables", "--append FORWARD -j D", act)
    p.command("iptables", "-t nat -A POSTROUTING -j MASQUERADE", act)
    p.command("ebtables", "-A FORWARD -p ARP -j DROP", act)
    p.command("iptables", "iptables -D FORWARD 1")
    assert p.texts()[("ip", "filter", "FORWARD")] == ["-A FORWARD -j X", "-A FORWARD -j C",
                                                      "-A FORWARD -j D"]
    assert p.texts()[("ip", "nat", "POSTROUTING")] == ["-A POSTROUTING -j MASQUERADE"]
    assert p.texts()[("bridge", "filter", "FORWARD")] == ["-A FORWARD -p ARP -j DROP"]
    p.command("iptables", "-R FORWARD 1 -j Y", act)
    assert p.chains[("ip", "filter", "FORWARD")][0] == origins.Placed("-A FORWARD -j Y", act)
    p.command("iptables", "-F FORWARD")
    p.command("iptables", "ebtables -F")
    assert p.texts()[("ip", "filter", "FORWARD")] == [] and ("bridge", "filter", "FORWARD") in p.chains
    assert p.texts()[("bridge", "filter", "FORWARD")] == [] and not p.unsure
    p.command("nft", "add rule ip filter FORWARD counter accept", act)
    assert p.texts()[("ip", "filter", "FORWARD")] == ["counter accept"]


def test_a_command_that_cannot_be_followed_makes_its_chain_unsure():
    p = _base()
    p.command("iptables", "-D FORWARD -p tcp --dport 80 -j B")     # not written as -save writes it
    p.command("iptables", "-D FORWARD 9")
    assert p.unsure == {("ip", "filter", "FORWARD")}
    p = _base()
    p.command("iptables", "--check FORWARD -j A")
    assert p.unsure == {("ip", "filter", "FORWARD")}


NFT_LIST = """table ip filter { # handle 2
\tchain FORWARD { # handle 3
\t\ttype filter hook forward priority filter; policy drop;
\t\tip saddr 172.17.0.3 counter packets 0 bytes 0 drop # handle 9
\t\tcounter packets 0 bytes 0 jump DOCKER-USER # handle 8
\t\tcounter packets 0 bytes 0 accept # handle 10
\t}
}
table bridge trace { # handle 4
\tchain prerouting { # handle 1
\t\ttype filter hook prerouting priority -301; policy accept;
\t\tmeta nftrace set 1 # handle 2
\t}
}
"""
SAVE = ("*filter\n:FORWARD DROP [0:0]\n-A FORWARD -s 172.17.0.3/32 -j DROP\n"
        "-A FORWARD -j DOCKER-USER\n-A FORWARD -j ACCEPT\nCOMMIT\n")


def _placement(rule="-I FORWARD -s 172.17.0.3 -j DROP", learner=True):
    p = origins.Placement()
    p.ruleset({"iptables": "*filter\n-A FORWARD -j DOCKER-USER\n-A FORWARD -j ACCEPT\nCOMMIT\n"},
              {}, origins.of("origin.docker.daemon"))
    p.ruleset({"nft": NFT}, {"nft": origins.keys(NFT, "nft")}, origins.PROBE)
    p.command("iptables", rule, origins.learner(rule) if learner else origins.action(1, rule))
    return p


def test_a_listed_rule_takes_its_origin_by_position_where_the_tools_rewrote_the_learners_text():
    idx = rules.RuleIndex(NFT_LIST, SAVE)
    idx.set_origins(_placement(), learner_rules=True)
    got = [(r["text"], r["origin_msg"]["id"]) for r in idx.chain_rules("ip", "filter", "FORWARD")]
    assert got == [("-A FORWARD -s 172.17.0.3/32 -j DROP", "origin.learner"),
                   ("-A FORWARD -j DOCKER-USER", "origin.docker.daemon"),
                   ("-A FORWARD -j ACCEPT", "origin.docker.daemon")]
    assert idx.lookup("ip", "filter", "FORWARD", 9)["origin"] == \
        "your rule: `-I FORWARD -s 172.17.0.3 -j DROP`"
    assert idx.lookup("bridge", "trace", "prerouting", 2)["origin_msg"]["id"] == "origin.trace.probe"
    assert idx.listing()["ip filter FORWARD"][0] == {
        "pos": 1, "rule": "-A FORWARD -s 172.17.0.3/32 -j DROP", "handle": 9, "probe": False,
        "origin": "your rule: `-I FORWARD -s 172.17.0.3 -j DROP`",
        "origin_msg": {"id": "origin.learner", "args": {"rule": "-I FORWARD -s 172.17.0.3 -j DROP"}}}


def test_where_the_chain_is_not_as_placed_only_exact_texts_are_named_and_the_rest_says_so():
    # A lesson action written otherwise than -save writes it is not taken by position.
    idx = rules.RuleIndex(NFT_LIST, SAVE)
    idx.set_origins(_placement(learner=False), learner_rules=False)
    got = [r["origin_msg"]["id"] for r in idx.chain_rules("ip", "filter", "FORWARD")]
    assert got == ["origin.unknown", "origin.docker.daemon", "origin.docker.daemon"]
    # With the learner's rules and a chain the placement could not follow.
    p = _placement()
    p.unsure.add(("ip", "filter", "FORWARD"))
    idx.set_origins(p, learner_rules=True)
    got = [r["origin_msg"]["id"] for r in idx.chain_rules("ip", "filter", "FORWARD")]
    assert got == ["origin.with_yours", "origin.docker.daemon", "origin.docker.daemon"]
    assert idx.chain_rules("ip", "filter", "FORWARD")[0]["origin"].startswith(
        "not in the lesson's rules: loaded with yours")


def test_a_learner_rule_named_ebtables_goes_to_the_bridge_family():
    from visualizer.core import lessons
    placed = origins.placed(lessons.get("arp-and-capture"), 4, ["ebtables -A FORWARD -p ARP -j DROP"])
    (mine,) = [p for p in placed.chains[("bridge", "filter", "FORWARD")] if p.origin.learner]
    assert mine.text == "-A FORWARD -p ARP -j DROP" and not placed.unsure
