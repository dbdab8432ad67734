"""rulecheck takes one nft rule (``nft add|insert rule FAMILY TABLE CHAIN ...``) through
the same validator as iptables and ebtables lines: no options, no second command, no
file, no variables.  Pure."""
import pytest

from visualizer.core import errors, rulecheck


def test_an_nft_rule_is_read_as_nft_argv():
    text = "nft insert rule ip filter FORWARD udp dport 5353 counter drop"
    assert rulecheck.tool_of(text) == "nft"
    assert rulecheck.args(text, tool="nft") == text.split()[1:]
    assert rulecheck.check_list([text, "-I FORWARD -j ACCEPT"]) == [text, "-I FORWARD -j ACCEPT"]


@pytest.mark.parametrize("text,kind", [
    ("nft -f /etc/passwd", errors.INPUT),
    ("nft include \"/etc/passwd\"", errors.INPUT),
    ("nft add rule ip filter FORWARD include \"/etc/x\"", errors.FORBIDDEN),
    ("nft add rule ip filter FORWARD drop ; flush ruleset", errors.INPUT),
    ("nft add rule ip filter FORWARD 'drop;flush ruleset'", errors.INPUT),
    ("nft add rule ip filter FORWARD ip saddr $x drop", errors.INPUT),
    ("nft flush ruleset", errors.INPUT),
    ("nft add table ip evil", errors.INPUT),
    ("nft add rule ipx filter FORWARD drop", errors.INPUT),
    ("nft add rule ip fil/ter FORWARD drop", errors.INPUT),
    ("nft add rule ip filter FORWARD drop\nflush ruleset", errors.INPUT),
])
def test_what_nft_would_act_on_beyond_one_rule_is_refused(text, kind):
    with pytest.raises(rulecheck.RuleRefused) as e:
        rulecheck.check_list([text])
    assert e.value.kind == kind and e.value.message.startswith("rule 1:"), e.value.message
