"""The one rule validator: every learner rule goes through ``check_list`` / ``args`` first.

It runs before anything is executed, in the web layer, the CLI and the lab
alike, and refuses what must never reach a tool: more than the allowed
count or length, control characters, and options that make iptables or
ebtables run a program (``--modprobe``) or read and write files.
"""
from __future__ import annotations

import shlex

from . import errors

MAX_RULES = 8
MAX_RULE_LEN = 300
# Options that make a netfilter tool exec a program or touch files outside
# the ruleset: the lab refuses them whatever the table or chain.
FORBIDDEN = {
    "--modprobe": "it makes iptables run a program",
    "-M": "it makes iptables run a program (short for --modprobe)",
    "--atomic-file": "it makes ebtables read and write a file",
    "--atomic-init": "it makes ebtables write a file",
    "--atomic-save": "it makes ebtables write a file",
    "--atomic-commit": "it makes ebtables read a file",
    "--init-table": "it replaces a whole ebtables table",
}
# An extension name becomes part of a shared library's path: no slashes.
NAMED_EXTENSION = ("-m", "--match", "-j", "--jump", "-g", "--goto")
TOOL_NAMES = ("iptables", "iptables-nft", "ebtables", "ebtables-nft")


class RuleRefused(errors.InputError):
    """A rule the lab will not run; ``kind`` is errors.INPUT or errors.FORBIDDEN."""


def check_list(rules, max_rules: int = MAX_RULES, max_len: int = MAX_RULE_LEN) -> list[str]:
    """A list of learner rules -> the stripped rules, or RuleRefused naming the bad one."""
    if rules is None:
        return []
    if not isinstance(rules, list):
        raise RuleRefused("'rules' must be a list of strings (iptables arguments)")
    if len(rules) > max_rules:
        raise RuleRefused(f"too many rules: {len(rules)}, at most {max_rules}")
    out = []
    for i, rule in enumerate(rules, start=1):
        if not isinstance(rule, str):
            raise RuleRefused(f"rule {i} must be a string")
        try:
            args(rule, max_len)
        except RuleRefused as e:
            raise RuleRefused(f"rule {i}: {e.message}", e.kind) from None
        out.append(rule.strip())
    return out


def args(text: str, max_len: int = MAX_RULE_LEN) -> list[str]:
    """One rule -> its argv (without a leading tool name), split as a shell would,
    without a shell; RuleRefused if it is malformed or forbidden."""
    if not isinstance(text, str) or not text.strip():
        raise RuleRefused("the rule is empty: it needs iptables arguments, e.g. -I FORWARD -j ACCEPT")
    if len(text) > max_len:
        raise RuleRefused(f"a rule is at most {max_len} characters; this one is {len(text)}")
    if any(c in text for c in "\0\n\r"):
        raise RuleRefused("a rule is one line, with no NUL or newline characters")
    try:
        argv = shlex.split(text)
    except ValueError as e:
        raise RuleRefused(f"cannot parse rule: {e}") from None
    if argv and argv[0] in TOOL_NAMES:
        argv = argv[1:]
    for prev, a in zip([None, *argv], argv):
        opt = a.split("=", 1)[0]
        if opt in FORBIDDEN:
            raise RuleRefused(f"{opt} is not allowed here: {FORBIDDEN[opt]}", errors.FORBIDDEN)
        if prev in NAMED_EXTENSION and "/" in a:
            raise RuleRefused(f"{prev} {a}: an extension name has no '/'", errors.FORBIDDEN)
    if not argv:
        raise RuleRefused("a rule needs iptables arguments, e.g. -I FORWARD -j ACCEPT")
    return argv
