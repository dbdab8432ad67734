"""Ruleset text, parsed in one place: ``*table`` sections and ebtables command lines.

Read here: the lessons' iptables.rules (iptables-save / -restore format), the
ebtables command lines of their ebtables.rules and actions (``-t nat -A
CHAIN ...``), and what ``iptables-save`` / ``ebtables-save`` print.  The lab
loads and indexes rules from the result, the diagram asks which tables a
lesson creates.

The tools, not this parser, judge what is valid: every line keeps its text
as written, a section rebuilt from its parts is the input line for line, and
text that is not plain sections says so (``Ruleset.plain``) so that callers
hand it to the tool whole, for the tool to report.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

_COMMIT = re.compile(r"COMMIT[ \t]*")              # as iptables-restore reads it: column 0
_COUNTERS = re.compile(r"\[(\d+):(\d+)\]")
_T_OPT = re.compile(r"(^|\s)-t\s+(\S+)")
_NFT_TABLE = re.compile(r"^table (\w+) (\S+) \{")
_NFT_CHAIN = re.compile(r"^\s*chain (\S+) \{")
_NFT_OTHER = re.compile(r"^(set|map|flowtable|counter|quota|limit|ct helper) \S+ \{")


@dataclass(frozen=True)
class Chain:
    """``:NAME POLICY [packets:bytes]``: a chain; policy ``-`` is a user chain's."""

    name: str
    policy: str | None = None
    counters: tuple[int, int] | None = None
    line: str = ""

    @property
    def sets_policy(self) -> bool:
        """A built-in chain's policy: setting it changes the chain (see lab.rules)."""
        return self.policy not in (None, "-")


@dataclass(frozen=True)
class Rule:
    """One command line of a section: ``-A CHAIN spec``, ``-I CHAIN [N] spec``, or
    another (``-N``, ``-P``...); ``counters`` from ``iptables-save -c``'s prefix."""

    verb: str
    chain: str | None = None
    spec: str = ""
    position: int | None = None         # -I CHAIN N
    counters: tuple[int, int] | None = None
    line: str = ""                      # as in its section (ebtables: without -t TABLE)

    @property
    def text(self) -> str:
        """The line without its counters, stripped: what iptables-save prints."""
        return _COUNTERS.sub("", self.line.strip(), count=1).strip() if self.counters \
            else self.line.strip()

    @property
    def saved(self) -> str:
        """As the -save tools print it once loaded: ``-A CHAIN spec``."""
        return f"-A {self.chain} {self.spec}".rstrip()

    @property
    def adds(self) -> bool:
        """An -A or -I: a rule its chain holds once loaded."""
        return self.verb in ("-A", "-I") and self.chain is not None

    def place(self, chain: list[str]) -> None:
        """Put ``saved`` where loading leaves it: -A appends, -I [N] inserts (at N)."""
        if self.verb == "-A":
            chain.append(self.saved)
        elif self.verb == "-I":
            chain.insert(0 if self.position is None else self.position - 1, self.saved)


Entry = Chain | Rule | str              # str: a blank or comment line


@dataclass(frozen=True)
class Table:
    """One ``*name`` section: its lines in order, parsed; ``commit`` None: never ended."""

    name: str
    entries: tuple[Entry, ...] = ()
    header: str = ""
    commit: str | None = None

    @property
    def chains(self) -> tuple[Chain, ...]:
        return tuple(e for e in self.entries if isinstance(e, Chain))

    @property
    def rules(self) -> tuple[Rule, ...]:
        return tuple(e for e in self.entries if isinstance(e, Rule))

    def rules_in(self, chain: str) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.chain == chain)

    def lines(self) -> list[str]:
        """The section as written: header, entries, COMMIT line (if it had one)."""
        return [self.header, *map(entry_line, self.entries),
                *([self.commit] if self.commit is not None else [])]

    def restore_text(self, keep: Callable[[Entry], bool] = lambda e: True) -> str:
        """The section (only the entries ``keep`` keeps) as restore input, ending in COMMIT."""
        return "\n".join([self.header, *(entry_line(e) for e in self.entries if keep(e)),
                          "COMMIT"]) + "\n"


@dataclass(frozen=True)
class Ruleset:
    """Tables in the order their sections come; ``stray``: other lines outside them."""

    tables: tuple[Table, ...] = ()
    stray: tuple[str, ...] = ()

    @property
    def plain(self) -> bool:
        """Nothing but committed sections (and blank or comment lines between them)."""
        return not self.stray and all(t.commit is not None for t in self.tables)

    def names(self) -> tuple[str, ...]:
        """Table names, each once, in order."""
        return tuple(dict.fromkeys(t.name for t in self.tables))


def entry_line(e: Entry) -> str:
    return e if isinstance(e, str) else e.line


def is_content(e: Entry) -> bool:
    """A chain or a command, not a blank or comment line."""
    return not isinstance(e, str)


def _counters(word: str) -> tuple[int, int] | None:
    m = _COUNTERS.fullmatch(word)
    return (int(m.group(1)), int(m.group(2))) if m else None


def parse_chain(line: str) -> Chain:
    parts = line[1:].split()
    return Chain(parts[0] if parts else "", parts[1] if len(parts) > 1 else None,
                 _counters(parts[2]) if len(parts) > 2 else None, line)


def parse_rule(line: str) -> Rule:
    text, counters = line.strip(), None
    m = _COUNTERS.match(text)
    if m and text[m.end():m.end() + 1].isspace():
        counters, text = _counters(m.group(0)), text[m.end():].strip()
    parts = text.split(None, 2)
    verb, chain = (parts[0] if parts else ""), (parts[1] if len(parts) > 1 else None)
    spec, position = (parts[2] if len(parts) > 2 else ""), None
    if verb == "-I":
        head, _, tail = spec.partition(" ")
        if head.isdigit():
            position, spec = int(head), tail
    return Rule(verb, chain, spec, position, counters, line)


def _entry(line: str) -> Entry:
    if not line.strip() or line.startswith("#"):
        return line
    return parse_chain(line) if line.startswith(":") else parse_rule(line)


def parse(text: str) -> Ruleset:
    """iptables-save / -restore (or ebtables-save) text -> its tables.  A section runs
    from a ``*name`` line to ``COMMIT``; one cut short by the next ``*`` line or the
    end has ``commit`` None (ebtables-save writes no COMMIT)."""
    tables, stray = [], []
    header, entries = None, []

    def close(commit):
        tables.append(Table(header[1:].strip(), tuple(entries), header, commit))

    for line in (text or "").splitlines():
        if line.startswith("*"):
            if header is not None:
                close(None)
            header, entries = line, []
        elif header is None:
            if line.strip() and not line.startswith("#"):
                stray.append(line)
        elif _COMMIT.fullmatch(line):
            close(line)
            header = None
        else:
            entries.append(_entry(line))
    if header is not None:
        close(None)
    return Ruleset(tuple(tables), tuple(stray))


def command_table(line: str) -> tuple[str, str]:
    """A command line -> (its table, default filter; the line without ``-t TABLE``)."""
    m = _T_OPT.search(line)
    return (m.group(2), _T_OPT.sub("", line, count=1).strip()) if m else ("filter", line.strip())


def parse_commands(lines: Iterable[str]) -> Ruleset:
    """Command lines (``-t nat -A CHAIN ...``, as ebtables.rules and actions write
    them) -> one section per table, tables in first-use order, lines in order."""
    by_table: dict[str, list[Entry]] = {}
    for line in lines:
        if line.strip() and not line.lstrip().startswith("#"):
            table, rest = command_table(line)
            by_table.setdefault(table, []).append(parse_rule(rest))
    return Ruleset(tuple(Table(t, tuple(es), f"*{t}", "COMMIT") for t, es in by_table.items()))


def nft_rules(text: str) -> list[tuple[str, str, str, str, int]]:
    """An ``nft -f`` script's rules in block form (``table ip t { chain c { ... } }``):
    (family, table, chain, rule text, line index), in order; comments and the chains'
    ``type``/``policy`` lines left out."""
    out, fam, table, chain, other = [], None, None, None, False
    for n, line in enumerate((text or "").splitlines()):
        body = line.split("#", 1)[0].strip()
        m, c = _NFT_TABLE.match(body), _NFT_CHAIN.match(body)
        if m:
            fam, table, chain = m.group(1), m.group(2), None
        elif c:
            chain = c.group(1)
        elif _NFT_OTHER.match(body):       # a set or map (docker's verdict maps): no rules
            other = not body.endswith("}")
        elif body == "}":
            if other:
                other = False
            elif chain:
                chain = None
            else:
                fam = table = None
        elif chain and body and not other and not body.startswith(("type ", "policy ")):
            out.append((fam, table, chain, body.rstrip(";").strip(), n))
    return out


_NFT_HOOK = re.compile(r"^type \w+ hook (\w+)")


def nft_base_hooks(text: str) -> dict[tuple[str, str, str], str]:
    """An nft script's (or ``nft list``'s) base chains: (family, table, chain) -> hook.
    The kernel's trace message names the chain, not its hook; iptables' chains are
    named after theirs, an nft table's need not be (docker's ``filter-FORWARD``)."""
    out, fam, table, chain = {}, None, None, None
    for line in (text or "").splitlines():
        body = line.split("#", 1)[0].strip()
        m, c, h = _NFT_TABLE.match(body), _NFT_CHAIN.match(body), _NFT_HOOK.match(body)
        if m:
            fam, table, chain = m.group(1), m.group(2), None
        elif c:
            chain = c.group(1)
        elif h and chain and fam:
            out[(fam, table, chain)] = h.group(1)
    return out
