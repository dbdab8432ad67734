"""The one rule validator: every learner rule goes through ``check_list`` / ``args`` first.

It runs before anything is executed, in the web layer, the CLI and the lab
alike, and refuses what must never reach a tool: more than the allowed
count or length, text that is not one line of valid Unicode, options that
make iptables or ebtables run a program (``--modprobe``) or read and write
files, and extensions (``-m``, ``-j``, ``-g``) outside the lab's list.

It reads the options the way the tool does (glibc ``getopt_long`` over the
tool's own option table, iptables-nft / ebtables-nft 1.8.9): a long option
may be any unambiguous prefix (``--modp`` is ``--modprobe``) and takes its
value as ``--opt=value`` or as the next word; short options bundle
(``-vM/bin/x``: ``-v``, then ``-M`` taking the rest of the word, or the next
word when nothing is left).  What it cannot know is which words an
extension's own options take as values, so every word that starts with
``-`` is read as options, even one the tool might take as a value: the
validator refuses at least what the tool would act on.
"""
from __future__ import annotations

import re
import shlex
import unicodedata
from dataclasses import dataclass

from . import errors

MAX_RULES = 8
MAX_RULE_LEN = 300
TOOL_NAMES = ("iptables", "iptables-nft", "ebtables", "ebtables-nft")
NO, ARG = "", ":"       # no value, a value (optstring "::": an optional one, only ever attached)
LINE_BREAKS = "\0\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"

# Options that make a tool exec a program or touch files outside the ruleset,
# by long name, with what they do ({tool}: the tool reading the rule).  Refused
# whatever the table or chain, and however spelled: a prefix the tool would read
# as one of them, the short letter, a bundle holding it.
FORBIDDEN = {
    "modprobe": "makes {tool} run a program",
    "atomic-file": "makes ebtables read and write a file",
    "atomic-init": "makes ebtables write a file",
    "atomic-save": "makes ebtables write a file",
    "atomic-commit": "makes ebtables read a file",
    "init-table": "replaces a whole ebtables table",
    "among-src-file": "makes ebtables read a file",
    "among-dst-file": "makes ebtables read a file",
}
FORBIDDEN_SHORT = {"M": "modprobe"}

# A -j/-g name that is not on a tool's list may still be a user chain (docker's
# DOCKER-USER, DOCKER-ISOLATION-STAGE-1, ...) if it is capitals joined by dashes.
# The tool first tries to load a -j name as an extension library; every library
# in the xtables directory has a one-word name (libxt_TEE, libebt_dnat), so a
# dashed name can only be a chain.  One-word names must be on the list: TEE,
# LED or IDLETIMER are libraries, and would load.
CHAIN = re.compile(r"[A-Z][A-Z0-9_]*(?:-[A-Z0-9_]+)+")
CHAIN_MAX = 28                      # iptables' longest chain name
NAMED = {"m": "match", "j": "target", "g": "target", "p": "protocol"}


@dataclass(frozen=True)
class Tool:
    """What one tool's getopt_long reads: long names -> (meaning, how), short letters -> how.
    A meaning is the short letter the long option stands for, else its own long name."""
    name: str
    long: dict
    short: dict
    matches: frozenset
    targets: frozenset
    help_loads: bool = False        # -h loads every later word as an extension (ebtables)

    def allowed(self, kind: str, name: str) -> bool:
        if kind == "match":
            return name in self.matches
        return name in self.targets or (len(name) <= CHAIN_MAX and bool(CHAIN.fullmatch(name)))


def _long(spec: str) -> dict:
    """``"append=A: list=L:: Lc"`` -> {"append": ("A", ":"), "list": ("L", "::"), "Lc": ("Lc", "")}."""
    out = {}
    for word in spec.split():
        m = re.fullmatch(r"([\w-]+?)(?:=(\w))?(:{0,2})", word)
        out[m.group(1)] = (m.group(2) or m.group(1), m.group(3))
    return out


def _short(optstring: str) -> dict:
    """A getopt optstring (``"A:F::V"``) -> {"A": ":", "F": "::", "V": ""}."""
    return {m.group(1): m.group(2) for m in re.finditer(r"(\w)(:{0,2})", optstring)}


# iptables-nft 1.8.9: iptables/xtables.c original_opts, and IPT_OPTSTRING.
IPTABLES = Tool(
    "iptables",
    _long("append=A: delete=D: check=C: insert=I: replace=R: list=L:: list-rules=S:: flush=F:: "
          "zero=Z:: new-chain=N: delete-chain=X:: rename-chain=E: policy=P: source=s: "
          "destination=d: src=s: dst=d: protocol=p: in-interface=i: jump=j: table=t: match=m: "
          "numeric=n out-interface=o: verbose=v wait=w:: wait-interval=W:: exact=x fragments=f "
          "version=V help=h:: line-numbers=0 modprobe=M: set-counters=c: goto=g: ipv4=4 ipv6=6"),
    _short("A:C:D:E:F::I:L::M:N:P:VX::Z::c:d:i:j:o:p:s:t:R:S::W::46bfg:h::m:nvw::x"),
    frozenset("addrtype comment connmark conntrack dscp ecn helper icmp iprange length limit mac "
              "mark multiport owner physdev pkttype sctp state statistic tcp tos ttl udp".split()),
    frozenset("ACCEPT DROP REJECT RETURN LOG NFLOG TRACE DNAT SNAT MASQUERADE REDIRECT MARK "
              "CONNMARK CT NOTRACK DOCKER DOCKER-USER DOCKER-ISOLATION-STAGE-1 "
              "DOCKER-ISOLATION-STAGE-2 DOCKER-FORWARD DOCKER-CT DOCKER-BRIDGE".split()),
)
# ebtables-nft 1.8.9: iptables/xtables-eb.c ebt_original_options and EBT_OPTSTRING, plus
# the among match's options (ebtables-nft loads every match before it reads a rule).
# "m:" is newer ebtables' -m (load a match): read here too, so its name is checked.
EBTABLES = Tool(
    "ebtables",
    _long("append=A: insert=I: delete=D: list=L:: Lc Ln Lx Lmac2 zero=Z:: flush=F:: policy=P: "
          "in-interface=i: in-if=i: logical-in: logical-out: out-interface=o: out-if=o: "
          "version=V verbose=v help=h jump=j: set-counters=c: change-counters=C: proto=p: "
          "protocol=p: db: source=s: src=s: destination=d: dst=d: table=t: modprobe=M: "
          "new-chain=N: rename-chain=E: delete-chain=X:: atomic-init atomic-commit "
          "atomic-file: atomic-save init-table concurrent check: among-src: among-dst: "
          "among-src-file: among-dst-file:"),
    _short("A:C:D:E:F::I:L::M:N:P:VX::Z::c:d:i:j:o:p:s:t:hvm:"),
    frozenset("802_3 arp ip ip6 limit mark_m pkttype stp vlan".split()),
    frozenset("ACCEPT DROP CONTINUE RETURN arpreply dnat log mark nflog redirect snat".split()),
    help_loads=True,
)
TOOLS = {"iptables": IPTABLES, "iptables-nft": IPTABLES, "ebtables": EBTABLES,
         "ebtables-nft": EBTABLES}


class RuleRefused(errors.InputError):
    """A rule the lab will not run; ``kind`` is errors.INPUT or errors.FORBIDDEN."""


def tool_of(text: str) -> str:
    """The tool a learner's rule is for: ``ebtables`` when it starts with that name (a
    bridge-family rule, e.g. arp-and-capture step 3's ``ebtables -A FORWARD -p ARP
    -j DROP``), ``nft`` when it starts with ``nft``, else ``iptables`` (the rule box's
    default: iptables arguments)."""
    first = text.split(None, 1)[0] if isinstance(text, str) and text.strip() else ""
    if first == "nft":
        return "nft"
    return "ebtables" if first in ("ebtables", "ebtables-nft") else "iptables"


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
            args(rule, max_len, tool=tool_of(rule))
        except RuleRefused as e:
            raise RuleRefused(f"rule {i}: {e.message}", e.kind) from None
        out.append(rule.strip())
    return out


def args(text: str, max_len: int = MAX_RULE_LEN, *, tool: str = "iptables") -> list[str]:
    """One rule -> its argv (without a leading tool name), split as a shell would,
    without a shell, and read as ``tool`` reads it; RuleRefused if it is malformed
    or forbidden."""
    if not isinstance(text, str) or not text.strip():
        raise RuleRefused("the rule is empty: it needs iptables arguments, e.g. -I FORWARD -j ACCEPT")
    if len(text) > max_len:
        raise RuleRefused(f"a rule is at most {max_len} characters; this one is {len(text)}")
    _check_text(text)
    try:
        argv = shlex.split(text)
    except ValueError as e:
        raise RuleRefused(f"cannot parse rule: {e}") from None
    if tool == "nft":
        return _nft(argv)
    if argv and argv[0] in TOOL_NAMES:
        argv = argv[1:]
    if not argv:
        raise RuleRefused("a rule needs iptables arguments, e.g. -I FORWARD -j ACCEPT")
    _read(TOOLS[tool], argv)
    return argv


NFT_FAMILIES = ("ip", "ip6", "inet", "bridge", "arp", "netdev")
NFT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")
# nft reads its command line as one script: these would make it read a file or run
# another command after the rule (``;``), or stand for text we did not check.
NFT_REFUSED = {"include": "makes nft read a file", "define": "defines a variable",
               "redefine": "defines a variable", "undefine": "undefines a variable"}


def _nft(argv: list[str]) -> list[str]:
    """``nft add|insert rule FAMILY TABLE CHAIN <expression...>`` -> its argv after
    ``nft``: one rule, no options, no second command, no file."""
    if argv and argv[0] == "nft":
        argv = argv[1:]
    if argv and argv[0].startswith("-"):
        raise RuleRefused(f"an nft rule takes no nft options ({argv[0]!r})")
    if len(argv) < 6 or argv[0] not in ("add", "insert") or argv[1] != "rule":
        raise RuleRefused("an nft rule is `nft add rule FAMILY TABLE CHAIN <expression>` "
                          "(or insert rule), e.g. nft add rule ip filter FORWARD tcp dport 81 drop")
    if argv[2] not in NFT_FAMILIES:
        raise RuleRefused(f"nft family is one of {', '.join(NFT_FAMILIES)}, not {argv[2][:20]!r}")
    for word, what in ((argv[3], "table"), (argv[4], "chain")):
        if not NFT_NAME.fullmatch(word):
            raise RuleRefused(f"nft {what} name {word[:40]!r}: letters, digits, _ and -")
    for word in argv[5:]:
        if ";" in word:
            raise RuleRefused("an nft rule is one command: no ';'")
        if word.lower() in NFT_REFUSED:
            raise RuleRefused(f"refused: {word!r} {NFT_REFUSED[word.lower()]}", errors.FORBIDDEN)
        if word.startswith("$"):
            raise RuleRefused(f"refused: {word[:20]!r}: nft variables are not taken")
    return argv


def _read(tool: Tool, argv: list[str]):
    """Every option in argv, as ``tool`` reads it; the names it would load, checked."""
    for i, word in enumerate(argv):
        following = argv[i + 1] if i + 1 < len(argv) else None
        for key, value, shown in _options(tool, word, following):
            _check_name(tool, key, value, shown)
            if key == "h" and tool.help_loads:      # ebtables -h NAME...: help for NAME
                for later in argv[i + 1:]:
                    if later.lower() != "list_extensions":
                        _check_name(tool, "j", later, f"{word} {shlex.quote(later)}")


def _check_text(text: str):
    """One line of text every tool can be given: UTF-8, no control characters."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        raise RuleRefused(f"a rule must be valid text: character {e.start + 1} "
                          f"(U+{ord(text[e.start]):04X}) is a lone surrogate, "
                          "not a character") from None
    if any(c in LINE_BREAKS for c in text):
        raise RuleRefused("a rule is one line, with no NUL or newline characters")
    bad = next((i for i, c in enumerate(text)
                if c != "\t" and unicodedata.category(c) == "Cc"), None)
    if bad is not None:
        raise RuleRefused(f"a rule has no control characters: character {bad + 1} "
                          f"is U+{ord(text[bad]):04X}")


def _options(tool: Tool, word: str, following) -> list:
    """The options ``word`` holds, read as ``tool``'s getopt_long would if it were an
    option: (meaning, its value or None, the words to show) for each."""
    if word.startswith("--") and len(word) > 2:
        return _long_option(tool, word, following)
    if word.startswith("-") and len(word) > 1 and word != "--":
        return _bundle(tool, word, following)
    return []


def _long_option(tool: Tool, word: str, following) -> list:
    name, eq, value = word[2:].partition("=")
    if not name:
        raise RuleRefused(f"{word}: an option needs a name after '--'")
    out = []
    for key, how in _resolve(tool, name, word.split("=", 1)[0]):
        v = value if eq else following if how == ARG else None
        out.append((key, v, word if eq or v is None else f"{word} {shlex.quote(v)}"))
    return out


def _resolve(tool: Tool, name: str, spelled: str) -> set:
    """``--name`` -> the meanings getopt_long may give it: the exact option, else those
    of every option it is a prefix of (one, or an ambiguity the tool refuses), else none
    (an extension's option).  A forbidden option, or a prefix of one, is refused."""
    if name in FORBIDDEN:           # by its full name, whichever tool reads it
        raise _forbidden(f"{spelled} is not allowed here: it {_why(name, tool)}")
    if name in tool.long:
        return {tool.long[name]}
    options = [o for o in tool.long if o.startswith(name)]
    meanings = {tool.long[o] for o in options}
    hits = [o for o in options if o in FORBIDDEN]
    if hits and len(meanings) == 1:
        raise _forbidden(f"{spelled} is not allowed here: {tool.name} reads it as --{hits[0]}, "
                         f"which {_why(hits[0], tool)}")
    if hits:
        names = ", ".join(f"--{h}" for h in hits)
        raise _forbidden(f"{spelled} is not allowed here: it could be short for {names}; an "
                         "option that runs a program or touches files is refused however spelled")
    return meanings


def _bundle(tool: Tool, word: str, following) -> list:
    """``-vnM/x``: each letter an option, until one that takes a value takes the rest
    of the word (or the next word, when nothing is left and the value is required)."""
    letters, out = word[1:], []
    for k, letter in enumerate(letters):
        if letter in FORBIDDEN_SHORT:
            long = FORBIDDEN_SHORT[letter]
            where = f" (in {word})" if k else ""
            raise _forbidden(f"-{letter}{where} is not allowed here: it "
                             f"{_why(long, tool)} (short for --{long})")
        how = tool.short.get(letter, NO)
        if how == NO:
            out.append((letter, None, word))
            continue
        rest = letters[k + 1:]
        value = rest if rest else following if how == ARG else None
        shown = word if rest or value is None else f"{word} {shlex.quote(value)}"
        out.append((letter, value, shown))
        break
    return out


def _check_name(tool: Tool, key: str, value, shown: str):
    """A match, target or protocol name: it names an extension library to load."""
    kind = NAMED.get(key)
    if kind is None or value is None:
        return                      # no value at all: the tool says what is missing
    if not value:
        raise RuleRefused(f"{shown}: the {kind} has no name")
    if "/" in value or "." in value:
        raise _forbidden(f"{shown}: an extension name has no '/' or '.' "
                         f"(it names a library {tool.name} would load)")
    if kind == "protocol" or tool.allowed(kind, value):
        return
    if kind == "match":
        raise _forbidden(f"{shown} is not allowed here: the {tool.name} matches the lab runs are "
                         f"{', '.join(sorted(tool.matches))}")
    listed = sorted((t for t in tool.targets if not CHAIN.fullmatch(t)), key=str.lower)
    raise _forbidden(f"{shown} is not allowed here: the {tool.name} targets the lab runs are "
                     f"{', '.join(listed)}, and user chains named in capitals with a dash, "
                     "like DOCKER-USER")


def _why(long: str, tool: Tool) -> str:
    return FORBIDDEN[long].format(tool=tool.name)


def _forbidden(message: str) -> RuleRefused:
    return RuleRefused(message, errors.FORBIDDEN)
