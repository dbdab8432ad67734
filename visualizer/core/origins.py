"""Where each rule of a sandbox came from: the action that creates it.

A rules file says it in place: a ``# origin: <key>`` comment line applies to the
rules after it, up to the next such line (``lessons/_rulesets/docker/iptables.rules``:
``docker.daemon`` for what dockerd writes at its start, ``docker.publish`` for what
``docker run -p 8080:80`` adds).  A key names a catalogue message ``origin.<key>``.
A rule with no key takes its file's default: a shared ruleset's name, or "this
lesson's ruleset" for a lesson's own files.  Step actions and the learner's rules
are named by what they are (``action``, ``learner``).

``keys(text, kind)`` reads a file's keys, chain by chain, in the order the file
adds rules to each chain; the lab places them where loading leaves them
(``lab.rules.placed``) and gives every rule the kernel lists its ``Origin``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from . import lessons, phrases, rulecheck, ruleset

phrases.define({
    "origin.docker.daemon": "docker's daemon start: the rules dockerd writes for its default "
                            "bridge network, docker0",
    "origin.docker.daemon_changed": "docker's daemon start, changed for this sandbox: dockerd "
                                    "writes it with `! -d 127.0.0.0/8` (see the ruleset's "
                                    "comment)",
    "origin.docker.daemon_changed_nft": "docker's daemon start, changed for this sandbox: "
                                        "dockerd writes it with `ip daddr != 127.0.0.0/8` "
                                        "(see the ruleset's comment)",
    "origin.docker.publish_direct": "`docker run -p 8080:80` for c1 (172.17.0.2), since Engine "
                                    "28: packets for c1's own address that do not come in on "
                                    "docker0 are dropped, so that c1 is reached from outside "
                                    "only through the published port",
    "origin.docker.publish": "`docker run -p 8080:80` for c1 (172.17.0.2): it publishes the "
                             "container's port 80 on the host's port 8080",
    "origin.trace.probe": "the sandbox's trace probe (it marks or logs packets so that the lab "
                          "can follow them; not part of the lesson)",
    "origin.lesson": "this lesson's ruleset ({lesson})",
    "origin.ruleset": "the shared ruleset {name}",
    "origin.action": "a lesson action in step {step}: `{action}`",
    "origin.learner": "your rule: `{rule}`",
    "origin.with_yours": "not in the lesson's rules: loaded with yours (derived: its text, as "
                         "the kernel lists it, matches none of the lesson's rules)",
    "origin.unknown": "not found in the lesson's rulesets or its steps' actions (derived)",
})

FILES = {"iptables": "iptables.rules", "ebtables": "ebtables.rules", "nft": "nft.rules"}
_ORIGIN = re.compile(r"^\s*#\s*origin:\s*(\S+)\s*$")


@dataclass(frozen=True)
class Origin:
    """What created a rule: a catalogue message; ``specific`` is False for a fallback."""

    id: str
    args: tuple = ()                     # ((name, value), ...): hashable, compared
    specific: bool = True
    learner: bool = False

    @property
    def msg(self) -> phrases.Msg:
        return phrases.msg(self.id, **dict(self.args))

    def text(self) -> str:
        return self.msg.text()

    def wire(self) -> dict:
        return self.msg.wire()


def of(id_: str, specific: bool = True, learner: bool = False, **args) -> Origin:
    phrases.msg(id_, **args)             # the id exists
    return Origin(id_, tuple(sorted(args.items())), specific, learner)


PROBE = of("origin.trace.probe")


def ruleset_default(name: str) -> Origin:
    """The origin of an untagged rule of shared ruleset ``name`` (a test forbids them)."""
    return PROBE if name == "trace" else of("origin.ruleset", name=name)


def lesson_default(slug: str) -> Origin:
    return of("origin.lesson", lesson=slug)


def action(step: int, text: str) -> Origin:
    return of("origin.action", step=step, action=text)


def learner(rule: str) -> Origin:
    return of("origin.learner", learner=True, rule=rule)


def fallback(with_learner_rules: bool) -> Origin:
    """A rule the lab cannot place: said so, never guessed."""
    return of("origin.with_yours" if with_learner_rules else "origin.unknown", specific=False)


def from_key(key: str | None, default: Origin, **args) -> Origin:
    """The origin a file's key names (``docker.publish`` -> ``origin.docker.publish``);
    no key, or one the catalogue lacks: ``default``."""
    if key is None or f"origin.{key}" not in phrases.CATALOGUE:
        return default
    needed = phrases.placeholders(phrases.CATALOGUE[f"origin.{key}"])
    if not needed <= set(args):
        return default
    return of(f"origin.{key}", **{k: args[k] for k in needed})


def keys(text: str, kind: str) -> dict[tuple, list[str | None]]:
    """(family, table, chain) -> the origin key in effect at each rule the file adds to
    the chain, in file order.  ``kind``: iptables (restore sections), ebtables (command
    lines), nft (an ``nft -f`` script)."""
    out: dict[tuple, list[str | None]] = {}
    lines, in_effect, key = text.splitlines(), [], None
    for line in lines:
        m = _ORIGIN.match(line)
        key = m.group(1) if m else key
        in_effect.append(key)
    if kind == "nft":
        for fam, table, chain, _body, n in ruleset.nft_rules(text):
            out.setdefault((fam, table, chain), []).append(in_effect[n])
        return out
    table = None
    for line, key in zip(lines, in_effect):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if kind == "iptables":
            if line.startswith("*"):
                table = line[1:].strip()
                continue
            if table is None or line.startswith(":") or stripped.startswith("COMMIT"):
                if stripped.startswith("COMMIT"):
                    table = None
                continue
            rule, fam, tname = ruleset.parse_rule(line), "ip", table
        else:
            tname, rest = ruleset.command_table(line)
            rule, fam = ruleset.parse_rule(rest), "bridge"
        if rule.adds:
            out.setdefault((fam, tname, rule.chain), []).append(key)
    return out


def unknown_keys(text: str) -> list[str]:
    """The ``# origin:`` keys of a file that name no catalogue message."""
    return [m.group(1) for m in map(_ORIGIN.match, text.splitlines())
            if m and f"origin.{m.group(1)}" not in phrases.CATALOGUE]


@lru_cache(maxsize=64)
def folder_keys(folder: Path) -> dict[str, dict[tuple, list[str | None]]]:
    """A rules folder's files read for their keys: {kind: keys(...)}, read once a process
    (the ebtables lines a lesson loads have lost their comments)."""
    out = {}
    for kind, name in FILES.items():
        path = folder / name
        out[kind] = keys(path.read_text(), kind) if path.exists() else {}
    return out


@dataclass(frozen=True)
class Placed:
    """A rule where loading leaves it: its -save text and what created it."""

    text: str
    origin: Origin | None = None


_VERBS = {"--append": "-A", "--insert": "-I", "--delete": "-D", "--flush": "-F",
          "--replace": "-R", "--new-chain": "-N", "--delete-chain": "-X", "--policy": "-P",
          "--zero": "-Z", "--rename-chain": "-E"}
_NFT_ADD = re.compile(r"^(add|insert) rule (\w+) (\S+) (\S+) (.+)$")


class Placement:
    """The chains as loading leaves them, each rule with its origin: rulesets in load
    order, then commands (a step's actions, the learner's rules) as the tools apply
    them.  ``unsure``: chains a command changed in a way this cannot follow (a ``-D``
    whose text is written otherwise than -save writes it, an unknown verb): their
    origins are then matched by text, never by position."""

    def __init__(self):
        self.chains: dict[tuple, list[Placed]] = {}
        self.unsure: set[tuple] = set()

    def texts(self) -> dict[tuple, list[str]]:
        return {k: [p.text for p in v] for k, v in self.chains.items()}

    def _chain(self, key: tuple) -> list[Placed]:
        return self.chains.setdefault(key, [])

    def ruleset(self, r: dict, keys: dict | None = None, default: Origin | None = None,
                **args):
        """One ruleset's files (``lessons._load_rules``); ``keys``: its origin keys
        (``folder_keys``: the n-th rule a file adds to a chain has the n-th key listed
        for that chain), ``default`` for a rule with none; ``args`` for the keys'
        messages (``lesson``)."""
        counts: dict[tuple, int] = {}

        def origin(kind: str, key: tuple) -> Origin | None:
            n = counts[(kind, key)] = counts.get((kind, key), -1) + 1
            listed = (keys or {}).get(kind, {}).get(key, [])
            return default and from_key(listed[n] if n < len(listed) else None, default, **args)

        for kind, family, parsed in (("iptables", "ip", ruleset.parse(r.get("iptables", ""))),
                                     ("ebtables", "bridge",
                                      ruleset.parse_commands(r.get("ebtables", [])))):
            for t in parsed.tables:
                for rule in t.rules:
                    if rule.adds and t.name:
                        key = (family, t.name, rule.chain)
                        _place(self._chain(key), rule, Placed(rule.saved, origin(kind, key)))
        for fam, table, chain, body, _ in ruleset.nft_rules(r.get("nft", "")):
            key = (fam, table, chain)
            self._chain(key).append(Placed(body, origin("nft", key)))

    def command(self, tool: str, line: str, origin: Origin | None = None):
        """One command as ``tool`` (iptables, ebtables, nft) applies it in the host."""
        if tool == "nft":
            return self._nft(line, origin)
        words = line.split(None, 1)
        if words and words[0] in rulecheck.TOOL_NAMES:
            tool, line = words[0].split("-")[0], words[1] if len(words) > 1 else ""
        family = {"ebtables": "bridge", "arptables": "arp"}.get(tool, "ip")
        table, rest = ruleset.command_table(line)
        head, _, tail = rest.partition(" ")
        rule = ruleset.parse_rule(f"{_VERBS.get(head, head)} {tail}".strip())
        key, verb = (family, table, rule.chain), rule.verb
        if rule.adds:
            _place(self._chain(key), rule, Placed(rule.saved, origin))
        elif verb == "-D" and rule.chain:
            self._delete(key, rule)
        elif verb == "-R" and rule.chain:
            n, _, spec = rule.spec.partition(" ")
            chain = self._chain(key)
            if n.isdigit() and 0 < int(n) <= len(chain):
                chain[int(n) - 1] = Placed(f"-A {rule.chain} {spec}".rstrip(), origin)
            else:
                self.unsure.add(key)
        elif verb == "-F":
            for k in ([key] if rule.chain else [k for k in self.chains if k[:2] == key[:2]]):
                self._chain(k).clear()
        elif verb == "-X":
            for k in ([key] if rule.chain else [k for k in self.chains if k[:2] == key[:2]]):
                self.chains.pop(k, None)
        elif verb == "-E" and rule.chain and rule.spec:
            self.chains[(family, table, rule.spec.split()[0])] = self.chains.pop(key, [])
        elif verb not in ("-N", "-P", "-Z"):
            self.unsure.update(k for k in self.chains if k[:2] == key[:2])

    def _delete(self, key: tuple, rule: ruleset.Rule):
        chain = self._chain(key)
        if rule.spec.isdigit():
            n = int(rule.spec)
            if 0 < n <= len(chain):
                del chain[n - 1]
                return
        else:
            for i, p in enumerate(chain):
                if p.text == rule.saved:
                    del chain[i]
                    return
        self.unsure.add(key)

    def _nft(self, text: str, origin):
        placed = ruleset.nft_rules(text)
        for fam, table, chain, body, _ in placed:
            self._chain((fam, table, chain)).append(Placed(body, origin))
        for line in text.splitlines():
            m = _NFT_ADD.match(line.strip())
            if m:
                verb, fam, table, chain, body = m.groups()
                where = self._chain((fam, table, chain))
                where.insert(0 if verb == "insert" else len(where), Placed(body, origin))
            elif line.strip() and not placed:
                self.unsure.update(self.chains)


def _place(chain: list, rule: ruleset.Rule, placed: Placed):
    """Where loading leaves a rule: -A appends, -I [N] inserts (at N)."""
    if rule.verb == "-A":
        chain.append(placed)
    else:
        chain.insert(0 if rule.position is None else rule.position - 1, placed)


def placed(lesson: lessons.Lesson, step: int = 0, user_rules=()) -> Placement:
    """The host's chains once steps 1..``step`` and the learner's rules are applied, each
    rule with its origin: the rulesets (``lesson_rules``' order), every step's rule
    actions, then the learner's rules (iptables, or ebtables when so named)."""
    root = lesson.root or lessons.DEFAULT_DIR
    p = Placement()
    for name in lesson.rulesets:
        p.ruleset(lessons.ruleset_rules(name, lesson.root),
                  folder_keys(root / "_rulesets" / name), ruleset_default(name))
    p.ruleset(lesson.rules, folder_keys(root / lesson.slug),
              lesson_default(lesson.slug), lesson=lesson.slug)
    p.ruleset(lessons.ruleset_rules("trace", lesson.root),
              folder_keys(root / "_rulesets" / "trace"), PROBE)
    for s in lesson.steps[:step]:
        for a in s.actions:
            if a.kind in ("iptables", "ebtables", "arptables", "nft") and a.ns == "host":
                p.command(a.kind, a.args, action(s.number, f"{a.kind} {a.args}"))
    for text in user_rules:
        tool = rulecheck.tool_of(text)
        # an nft rule's line as nft -f reads it: ``add rule ...`` (the box's line starts "nft")
        line = text.split(None, 1)[1] if tool == "nft" else text
        p.command(tool, line, learner(text))
    return p
