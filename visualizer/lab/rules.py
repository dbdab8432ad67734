"""Load rules with the real tools, and index them by nftables rule handle.

iptables-restore, ebtables and nft run inside the sandbox's ``host``
namespace, as a learner would type them.  ``RuleIndex`` maps the handle in a
trace message back to the rule's iptables/ebtables text and its position in
the chain (``rule 3`` in the seeds' TRACE lines).
"""
from __future__ import annotations

import asyncio
import re
import shlex

from . import commands, lessons

_TABLE = re.compile(r"^table (\w+) (\S+) \{")
_CHAIN = re.compile(r"^\s*chain (\S+) \{")
_HANDLE = re.compile(r"# handle (\d+)\s*$")
IPTABLES_TABLES = ("raw", "mangle", "nat", "filter")
EBTABLES_TABLES = ("filter", "nat")


class RuleError(ValueError):
    """A rule the tools refused; the message is the tool's own."""


def parse_args(text: str) -> list[str]:
    """Split iptables arguments as a shell would, without a shell."""
    if not isinstance(text, str) or not text.strip():
        raise RuleError("a rule needs iptables arguments, e.g. -I FORWARD -j ACCEPT")
    if any(c in text for c in "\0\n\r") or len(text) > 300:
        raise RuleError("a rule is one line of at most 300 characters")
    try:
        args = shlex.split(text)
    except ValueError as e:
        raise RuleError(f"cannot parse rule: {e}") from e
    if args and args[0] in ("iptables", "iptables-nft"):
        args = args[1:]
    return args


async def apply_ruleset(ns: str, rules: dict, *, noflush: bool = True):
    """iptables-restore text, ebtables lines and an nft script, in that order."""
    if rules.get("iptables", "").strip():
        argv = ["iptables-restore"] + (["--noflush"] if noflush else [])
        await commands.run(argv, ns=ns, input=rules["iptables"])
    if rules.get("ebtables"):
        await commands.run(["ebtables-restore", "--noflush"], ns=ns,
                           input=ebtables_restore_text(rules["ebtables"]))
    if rules.get("nft", "").strip():
        await commands.run(["nft", "-f", "-"], ns=ns, input=rules["nft"])


def ebtables_restore_text(lines: list[str]) -> str:
    """ebtables command lines (``-t nat -A CHAIN ...``) as ebtables-restore input."""
    by_table: dict[str, list[str]] = {}
    for line in lines:
        args = shlex.split(line)
        table = "filter"
        if "-t" in args:
            i = args.index("-t")
            table = args[i + 1]
            del args[i:i + 2]
        by_table.setdefault(table, []).append(shlex.join(args))
    return "".join(f"*{t}\n" + "\n".join(rs) + "\nCOMMIT\n" for t, rs in by_table.items())


async def apply_rule(ns: str, text: str, tool: str = "iptables"):
    args = parse_args(text)
    try:
        await commands.run([tool] + args, ns=ns, timeout=5)
    except commands.CommandError as e:
        raise RuleError(e.message) from e


def _parse_save(text: str) -> dict:
    """iptables-save / ebtables-save text -> {(table, chain): [rule text, ...]}."""
    out, table = {}, None
    for line in text.splitlines():
        if line.startswith("*"):
            table = line[1:].strip()
        elif line.startswith("-A ") and table:
            chain = line.split()[1]
            out.setdefault((table, chain), []).append(line.strip())
    return out


def _parse_nft(text: str) -> dict:
    """``nft -a list ruleset`` -> {(family, table, chain): [(handle, nft text), ...]}."""
    out, fam, table, chain = {}, None, None, None
    for line in text.splitlines():
        m = _TABLE.match(line)
        if m:
            fam, table, chain = m.group(1), m.group(2), None
            continue
        m = _CHAIN.match(line)
        if m:
            chain = m.group(1)
            continue
        h = _HANDLE.search(line)
        if h and chain and fam and not line.strip().startswith("type "):
            body = _HANDLE.sub("", line).strip()
            out.setdefault((fam, table, chain), []).append((int(h.group(1)), body))
    return out


class RuleIndex:
    """(family, table, chain, handle) -> {"pos", "text", "probe"}."""

    def __init__(self, nft_text: str = "", ipt_text: str = "", ebt_text: str = ""):
        self.map: dict[tuple, dict] = {}
        ipt, ebt = _parse_save(ipt_text), _parse_save(ebt_text)
        for (fam, table, chain), rules in _parse_nft(nft_text).items():
            saved = (ipt if fam == "ip" else ebt if fam == "bridge" else {}).get((table, chain), [])
            for pos, (handle, body) in enumerate(rules, start=1):
                text = saved[pos - 1] if pos <= len(saved) and len(saved) == len(rules) else body
                self.map[(fam, table, chain, handle)] = {
                    "pos": pos, "text": text, "probe": is_probe(table, text)}

    def lookup(self, family, table, chain, handle):
        return self.map.get((family, table, chain, handle))

    @classmethod
    async def load(cls, ns: str) -> "RuleIndex":
        nft, ipt, ebt = await asyncio.gather(
            commands.run(["nft", "-a", "list", "ruleset"], ns=ns),
            commands.run(["iptables-save"], ns=ns),
            commands.run(["ebtables-save"], ns=ns, check=False))
        return cls(nft.out, ipt.out, ebt.out)


def is_probe(table: str, text: str) -> bool:
    """The sandbox's own tracing rules, not part of the lesson's ruleset."""
    return (table == "trace" or text.endswith("-j TRACE") or "nftrace set 1" in text
            or '--nflog-prefix "eb:' in text or "--nflog-prefix eb:" in text)


async def listing(ns: str) -> dict:
    """The ruleset as ``iptables -nvL --line-numbers`` and ``ebtables -L --Lc`` show it."""
    ipt = [commands.run(["iptables", "-t", t, "-nvL", "--line-numbers"], ns=ns, check=False)
           for t in IPTABLES_TABLES]
    ebt = [commands.run(["ebtables", "-t", t, "-L", "--Ln", "--Lc"], ns=ns, check=False)
           for t in EBTABLES_TABLES]
    res = await asyncio.gather(*ipt, *ebt)
    return {"iptables": {t: r.out for t, r in zip(IPTABLES_TABLES, res[:4])},
            "ebtables": {t: r.out for t, r in zip(EBTABLES_TABLES, res[4:])}}


def lesson_rules(lesson: lessons.Lesson, root=None) -> list[dict]:
    """Rulesets in load order: the named shared ones, the lesson's own, then tracing."""
    out = [lessons.ruleset_rules(name, root) for name in lesson.rulesets]
    out.append(lesson.rules)
    out.append(lessons.ruleset_rules("trace", root))
    return out
