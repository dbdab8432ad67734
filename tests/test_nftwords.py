"""Docker 29's nftables rules (``_rulesets/docker-29-nftables``) read without a kernel:
verdict maps are no rules, base chains have their hooks, the rules read in the words
and targets of their iptables forms, and their matches are checked alike."""
from __future__ import annotations

from tests.conftest import ROOT
from visualizer.core import matchwhy, origins, ruleset
from visualizer.core.rulewords import words

NFT29 = (ROOT / "lessons" / "_rulesets" / "docker-29-nftables" / "nft.rules").read_text()


def test_nft_maps_are_no_rules_and_base_chains_have_their_hooks():
    chains = {c for _, _, c, _, _ in ruleset.nft_rules(NFT29)}
    assert "filter-FORWARD" in chains and not any("jumps" in c for c in chains)
    hooks = ruleset.nft_base_hooks(NFT29)
    assert hooks[("ip", "docker-bridges", "filter-FORWARD")] == "forward"
    assert hooks[("ip", "docker-bridges", "raw-PREROUTING")] == "prerouting"
    assert hooks[("ip", "docker-bridges", "nat-OUTPUT")] == "output"
    assert ("ip", "docker-bridges", "filter-forward-in__docker0") not in hooks
    keys = origins.keys(NFT29, "nft")
    assert keys[("ip", "docker-bridges", "raw-PREROUTING")] == ["docker.publish_direct"]


def test_docker_29s_rules_read_in_words():
    dnat = words("ip", 'iifname != "docker0" tcp dport 8080 counter dnat to 172.17.0.2:80 '
                       'comment "DNAT"')
    assert dnat.nat == "DNAT" and dnat.opts["--to-destination"] == "172.17.0.2:80"
    assert [m.id for m in dnat.matches] == ["rule.in_not", "rule.proto", "rule.dport"]
    vmap = words("ip", "oifname vmap @filter-forward-in-jumps")
    assert [m.id for m in vmap.matches] == ["rule.nft.vmap_oif"]
    assert "filter-forward-in-jumps" in vmap.matches[0].text()
    assert words("ip", "ct state established,related counter accept").target == "ACCEPT"
    assert words("ip", 'counter drop comment "UNPUBLISHED PORT DROP"').phrases()[0].id == "rule.any"
    masq = words("ip", 'oifname != "docker0" ip saddr 172.17.0.0/16 counter masquerade')
    assert masq.nat == "MASQUERADE" and [m.id for m in masq.matches] == ["rule.out_not",
                                                                         "rule.src_net"]
    jump = words("ip", "fib daddr type local counter jump nat-prerouting-and-output")
    assert jump.target == "nat-prerouting-and-output" and jump.matches[0].id == "rule.dst_local"
    unknown = words("ip", "meta mark 0x1 accept")
    assert unknown.matches[0].id == "rule.nft" and "meta mark 0x1" in unknown.matches[0].text()
    assert words("ip", "meta nftrace set 1").trace_probe


def test_docker_29s_matches_are_checked_like_iptables_options():
    ms = matchwhy.matches("ip", 'ip daddr 172.17.0.2 iifname != "docker0" counter drop')
    assert [(m.shown, m.kind, m.neg, m.value) for m in ms] == [
        ("ip daddr 172.17.0.2", "dst", False, "172.17.0.2"),
        ('iifname != "docker0"', "in", True, "docker0")]
    ms = matchwhy.matches("ip", "ct state established,related counter accept")
    assert [(m.kind, m.value) for m in ms] == [("ctstate", "established,related")]
    assert matchwhy.matches("ip", "oifname vmap @filter-forward-in-jumps") == ()
    assert matchwhy.matches("ip", "meta nftrace set 1") == ()
