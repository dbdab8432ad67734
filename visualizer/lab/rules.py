"""Load rules with the real tools, and index them by nftables rule handle.

iptables-restore, ebtables and nft run inside the sandbox's ``host``
namespace, as a learner would type them.  ``RuleIndex`` maps the handle in a
trace message back to the rule's iptables/ebtables text and its position in
the chain (``rule 3`` in the seeds' TRACE lines).
"""
from __future__ import annotations

import asyncio
import re

from ..core import lessons, origins, rulecheck, ruleset
from . import commands
from .commits import CommitWatch

_TABLE = re.compile(r"^table (\w+) (\S+) \{")
_CHAIN = re.compile(r"^\s*chain (\S+) \{")
_HANDLE = re.compile(r"# handle (\d+)\s*$")
IPTABLES_TABLES = ("raw", "mangle", "nat", "filter")
EBTABLES_TABLES = ("filter", "nat")
HOLD_S = 2.0


class RuleError(ValueError):
    """A rule the tools refused; the message is the tool's own."""


async def apply_rulesets(ns: str, rulesets: list[dict], watch: CommitWatch | None = None,
                         hold: asyncio.Future | None = None) -> list[asyncio.Future]:
    """Load rulesets (in order) with one ``nft -f``, iptables-restore (one per
    table) and one ebtables-restore, all side by side.

    Returns as soon as the kernel has announced every commit the input holds
    (``watch``), or when every tool has ended.  The returned jobs end when the
    tools have, and raise if one failed.  iptables-nft and ebtables-nft retry
    when another commit lands first; an ``nft -f`` that fails is run again
    once the others' rules are in (it may need a table they create).

    The order avoids RCU grace periods, each ~10-20 ms here.  A commit that
    changes a chain (a built-in chain's policy, ``:FORWARD DROP [0:0]``)
    leaves work the kernel frees only after a grace period, and until then
    every rule with an xtables extension (``-m addrtype``, ``-j MASQUERADE``)
    and every closing nf_tables socket waits for it.  So the policies go in
    last, as sections of their own, once every rule is in; and no tool ends
    (closes its socket) before every commit is in, nor before ``hold`` is done
    if given: an ending tool holds the namespace's nf_tables lock through a
    grace period, and creating a network device there waits for that lock.
    """
    watch = watch or CommitWatch(None)
    nft = "\n".join(r["nft"] for r in rulesets if r.get("nft", "").strip())
    nft_job = commands.start(["nft", "-f", "-"], ns=ns, input=nft) if nft else None
    feeds, jobs, rules_in, policies_in = [], [], 0, 0
    for tool, body, policies in restore_inputs(rulesets):
        feeds.append((commands.Feed(body), policies))
        jobs.append(_checked([tool, "--noflush"], ns, feeds[-1][0]))
        rules_in += _sections(body)
        policies_in += _sections(policies)
    expected = rules_in + policies_in + (1 if nft else 0)
    counted = watch.sock is not None
    try:
        if counted:
            await _bounded(watch.until(lambda w: w.seen - w.by["nft"] >= rules_in, jobs))
        else:                           # nothing to count: each tool in turn, to its end
            for feed, policies in feeds:
                feed.send(policies)
                feed.close()
            await asyncio.gather(*jobs)
        if nft_job is not None:
            await _nft_done(nft_job, ns, nft)
        if counted:
            for feed, policies in feeds:
                feed.send(policies)
            await _bounded(watch.until(lambda w: w.seen >= expected, jobs))
    except BaseException:
        await _abort(feeds, jobs, nft_job)
        raise
    if counted and not watch.lost and watch.seen >= expected and hold is not None:
        hold.add_done_callback(lambda _: [feed.close() for feed, _ in feeds])
        return jobs
    for feed, _ in feeds:
        feed.close()
    if not counted or watch.lost or watch.seen < expected:
        await asyncio.gather(*jobs)         # no count to go by: wait for the tools
    return jobs


def restore_inputs(rulesets: list[dict]) -> list[tuple[str, str, str]]:
    """(tool, restore text without policies, the policies) per iptables table, then
    one for every ebtables line: each table loads on its own, in parallel."""
    texts = [("iptables-restore", text) for text in
             iptables_by_table(r.get("iptables", "") for r in rulesets).values()]
    ebt = [line for r in rulesets for line in r.get("ebtables", [])]
    if ebt:
        texts.append(("ebtables-restore", ebtables_restore_text(ebt)))
    return [(tool, *split_policies(text)) for tool, text in texts]


async def _nft_done(job: asyncio.Future, ns: str, nft: str):
    """The ``nft -f`` ran well, or does when run again now that the other tables exist."""
    res = await job
    if res.code != 0:
        res = await commands.start(["nft", "-f", "-"], ns=ns, input=nft)
    commands.checked(res)


async def _abort(feeds: list, jobs: list[asyncio.Future], nft_job: asyncio.Future | None):
    """A load that failed: no more input, every tool stopped, the restores ended."""
    for feed, _ in feeds:
        feed.close()
    for j in jobs + ([nft_job] if nft_job else []):
        j.cancel()
    await asyncio.gather(*jobs, return_exceptions=True)


async def _bounded(wait):
    """Wait, but not forever: a section that changed nothing is never announced."""
    try:
        await asyncio.wait_for(wait, HOLD_S)
    except asyncio.TimeoutError:
        pass


def split_policies(restore_text: str) -> tuple[str, str]:
    """Restore text -> (the same without built-in chain policies, the policies as
    sections of their own); a section left empty is dropped."""
    parsed = ruleset.parse(restore_text)
    if not parsed.plain:
        return restore_text, ""     # not plain sections: the tool will say what is wrong
    body, policies = [], []
    for t in parsed.tables:
        if any(ruleset.is_content(e) and not _is_policy(e) for e in t.entries):
            body.append(t.restore_text(lambda e: not _is_policy(e)))
        if any(_is_policy(e) for e in t.entries):
            policies.append(t.restore_text(_is_policy))
    return "".join(body), "".join(policies)


def _is_policy(entry: ruleset.Entry) -> bool:
    return isinstance(entry, ruleset.Chain) and entry.sets_policy


def _checked(argv: list[str], ns: str, text) -> asyncio.Future:
    async def job():
        return commands.checked(await commands.start(argv, ns=ns, input=text))
    return asyncio.ensure_future(job())


def _sections(restore_text: str) -> int:
    return len(ruleset.parse(restore_text).tables)


def iptables_by_table(texts) -> dict[str, str]:
    """iptables-restore texts -> {table: its sections, in order}; tables load independently."""
    out: dict[str, list[str]] = {}
    for text in texts:
        for t in ruleset.parse(text).tables:
            out.setdefault(t.name, []).extend(t.lines())
    return {t: "\n".join(lines) + "\n" for t, lines in out.items()}


def ebtables_restore_text(lines: list[str]) -> str:
    """ebtables command lines (``-t nat -A CHAIN ...``) as ebtables-restore input."""
    return "".join(t.restore_text() for t in ruleset.parse_commands(lines).tables)


async def apply_rule(ns: str, text: str, tool: str = "iptables"):
    args = rulecheck.args(text, tool=tool)     # refused before anything runs, read as tool reads it
    try:
        await commands.run([tool] + args, ns=ns, timeout=5)
    except commands.CommandError as e:
        raise RuleError(e.message) from e


def _parse_save(text: str) -> dict:
    """iptables-save / ebtables-save text -> {(table, chain): [rule text, ...]}."""
    out: dict[tuple, list[str]] = {}
    for t in ruleset.parse(text).tables:
        for r in t.rules:
            if r.verb == "-A" and r.chain:
                out.setdefault((t.name, r.chain), []).append(r.text)
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
    """(family, table, chain, handle) -> {"pos", "handle", "text", "probe", "origin",
    "origin_msg"}, and each chain's rules in order (``chain_rules``)."""

    def __init__(self, nft_text: str = "", ipt_text: str = "", ebt_text: str = "",
                 arp_text: str = ""):
        """The index from ``nft -a list ruleset``, ``iptables-save``, ``ebtables-save``
        and ``arptables-save``."""
        self.map: dict[tuple, dict] = {}
        self.chains: dict[tuple, list[dict]] = {}
        self.hooks = ruleset.nft_base_hooks(nft_text)   # nft base chains -> their hooks
        saves = {"ip": _parse_save(ipt_text), "bridge": _parse_save(ebt_text),
                 "arp": _parse_save(arp_text)}
        for (fam, table, chain), rules in _parse_nft(nft_text).items():
            saved = saves.get(fam, {}).get((table, chain), [])
            for pos, (handle, body) in enumerate(rules, start=1):
                text = saved[pos - 1] if pos <= len(saved) and len(saved) == len(rules) else body
                self._put(fam, table, chain, handle, pos, text)

    def _put(self, fam, table, chain, handle, pos, text):
        entry = {"pos": pos, "handle": handle, "text": text, "probe": is_probe(table, text),
                 "origin": None, "origin_msg": None}
        self.map[(fam, table, chain, handle)] = entry
        self.chains.setdefault((fam, table, chain), []).append(entry)

    def lookup(self, family, table, chain, handle):
        return self.map.get((family, table, chain, handle))

    def hook_of(self, family, table, chain) -> str | None:
        """The hook of an nft base chain whose name does not say it (``filter-FORWARD``)."""
        return self.hooks.get((family, table, chain))

    def chain_rules(self, family, table, chain) -> list[dict]:
        """The chain's rules in the kernel's order (shared: do not change them)."""
        return self.chains.get((family, table, chain), [])

    def set_origins(self, placement: origins.Placement, learner_rules: bool = False) -> None:
        """Give every rule its origin from what the sandbox loaded (``origins.placed``).  A chain
        that loading left as ``placement`` says (as many rules, the same texts but where
        the learner's rule is, whose text the tools rewrite: ``-s 172.17.0.3`` is listed
        ``-s 172.17.0.3/32``) takes them by position; any other rule by its exact text,
        when that names one origin; else the honest fallback (``origins.fallback``)."""
        fallback = origins.fallback(learner_rules)
        for key, entries in self.chains.items():
            sim = placement.chains.get(key, [])
            aligned = key not in placement.unsure and len(sim) == len(entries) and all(
                p.origin and (p.text == e["text"] or p.origin.learner)
                for p, e in zip(sim, entries))
            for i, e in enumerate(entries):
                if aligned:
                    o = sim[i].origin
                else:
                    found = {p.origin for p in sim if p.text == e["text"] and p.origin}
                    o = found.pop() if len(found) == 1 else origins.PROBE if e["probe"] else fallback
                e["origin"], e["origin_msg"] = o.text(), o.wire()

    def listing(self) -> dict[str, list[dict]]:
        """RESULT ``chains``: "family table chain" -> its rules, for the inspector."""
        return {" ".join(key): [{"pos": e["pos"], "rule": e["text"], "handle": e["handle"],
                                 "probe": e["probe"], "origin": e["origin"],
                                 "origin_msg": e["origin_msg"]} for e in entries]
                for key, entries in self.chains.items()}

    @classmethod
    def from_loaded(cls, handles: dict, rulesets: list[dict]) -> "RuleIndex | None":
        """The index of a fresh sandbox, from the kernel's handles (``commits.rule_handles``)
        and the texts just loaded, which are written as the -save tools print them.
        None when a chain's rule count differs: then ask the tools (``load``)."""
        texts = source_texts(rulesets)
        if any(len(texts.get(key, [])) != len(hs) for key, hs in handles.items()) or \
                any(t and key not in handles for key, t in texts.items()):
            return None
        idx = cls()
        idx.hooks = ruleset.nft_base_hooks("\n".join(r.get("nft", "") for r in rulesets))
        for (fam, table, chain), hs in handles.items():
            for pos, (handle, text) in enumerate(zip(hs, texts.get((fam, table, chain), [])), 1):
                idx._put(fam, table, chain, handle, pos, text)
        return idx

    @classmethod
    async def load(cls, ns: str) -> "RuleIndex":
        nft, ipt, ebt = await asyncio.gather(
            commands.run(["nft", "-a", "list", "ruleset"], ns=ns),
            commands.run(["iptables-save"], ns=ns),
            commands.run(["ebtables-save"], ns=ns, check=False))
        # arptables rules (an arptables action): only then is there an arp table to save
        arp = (await commands.run(["arptables-save"], ns=ns, check=False)).out \
            if "table arp " in nft.out else ""
        return cls(nft.out, ipt.out, ebt.out, arp)


def source_texts(rulesets: list[dict]) -> dict[tuple, list[str]]:
    """(family, table, chain) -> rule texts in chain order, as loading them leaves the
    chains: ``-A`` appends, ``-I CHAIN [N]`` inserts; texts in -save form (``-A CHAIN ...``)."""
    p = origins.Placement()
    for r in rulesets:
        p.ruleset(r)
    return p.texts()


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


def lesson_rules(lesson: lessons.Lesson) -> list[dict]:
    """Rulesets in load order: the named shared ones, the lesson's own, then tracing."""
    root = lesson.root
    out = [lessons.ruleset_rules(name, root) for name in lesson.rulesets]
    out.append(lesson.rules)
    out.append(lessons.ruleset_rules("trace", root))
    return out
