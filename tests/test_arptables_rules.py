"""arptables through the one rule validator (issue 19: "no actions for ... arptables"): a
rule the learner writes as ``arptables ...`` or a step action ``{ arptables = "..." }`` is
read as arptables-nft reads it, its forbidden options refused however spelled, its target
checked; the action's origin and the kernel's rule are paired in the arp family."""
from __future__ import annotations

import pytest

from visualizer.core import lessons, origins, rulecheck
from visualizer.lab import rules


@pytest.mark.parametrize("text", [
    "arptables -A INPUT --opcode Request -j DROP",
    "arptables -I OUTPUT -d 172.17.0.2 -j ACCEPT",
    "arptables -A INPUT --source-mac 02:42:ac:11:00:02 -j DROP",
    "arptables -A OUTPUT -j mangle --mangle-ip-s 172.17.0.9",
    "arptables-nft -A INPUT -i docker0 -j DOCKER-ARP",
])
def test_a_rule_arptables_takes_is_taken(text):
    assert rulecheck.tool_of(text) == "arptables"
    assert rulecheck.check_list([text]) == [text]
    assert rulecheck.args(text, tool="arptables")[0] in ("-A", "-I")


@pytest.mark.parametrize("text,said", [
    ("arptables -A INPUT --modprobe=/bin/sh -j DROP", "--modprobe is not allowed"),
    ("arptables -A INPUT --modp /bin/sh -j DROP", "reads it as --modprobe"),
    ("arptables -A INPUT -M/bin/sh -j DROP", "short for --modprobe"),
    ("arptables -A INPUT -j CLASSIFY --set-class 1:1", "the arptables targets the lab runs are"),
    ("arptables -A INPUT --match foo -j DROP", "arptables takes no matches"),
    ("arptables -A INPUT -j ../x -j DROP", "extension name has no '/'"),
])
def test_a_rule_that_would_run_or_load_something_is_refused(text, said):
    with pytest.raises(rulecheck.RuleRefused) as e:
        rulecheck.check_list([text])
    assert said in e.value.message and e.value.kind == "forbidden", e.value.message


def test_an_arptables_action_goes_through_the_validator_when_the_lesson_loads():
    a = lessons._step_action({"arptables": "-A INPUT -j DROP --opcode 1"})
    assert (a.kind, a.ns) == ("arptables", "host")
    with pytest.raises(lessons.LessonError, match="'arptables' action .* refused: --modprobe"):
        lessons._step_action({"arptables": "-A INPUT --modprobe=/bin/sh -j DROP"})


def test_an_arptables_action_is_placed_in_the_arp_family_not_over_ip_rules():
    p = origins.Placement()
    p.command("arptables", "-A INPUT -j DROP --opcode 1", origins.learner("x"))
    p.command("arptables", "arptables -A OUTPUT -j ACCEPT", origins.learner("y"))
    assert set(p.chains) == {("arp", "filter", "INPUT"), ("arp", "filter", "OUTPUT")}
    assert p.chains[("arp", "filter", "INPUT")][0].text == "-A INPUT -j DROP --opcode 1"


NFT = """table arp filter { # handle 1
	chain INPUT { # handle 1
		type filter hook input priority filter; policy accept;
		arp htype 1 arp hlen 6 arp plen 4 arp operation request counter packets 0 bytes 0 drop # handle 2
	}
}
"""
ARP_SAVE = """*filter
:INPUT ACCEPT
:OUTPUT ACCEPT
-A INPUT -j DROP --opcode 1
COMMIT
"""


def test_the_rule_index_names_an_arp_rule_as_arptables_save_prints_it():
    idx = rules.RuleIndex(NFT, "", "", ARP_SAVE)
    assert idx.lookup("arp", "filter", "INPUT", 2)["text"] == "-A INPUT -j DROP --opcode 1"
    assert rules.RuleIndex(NFT).lookup("arp", "filter", "INPUT", 2)["text"].endswith("drop")
