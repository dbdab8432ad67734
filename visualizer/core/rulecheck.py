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
from .errors import say

MAX_RULES = 8
MAX_RULE_LEN = 300
TOOL_NAMES = ("iptables", "iptables-nft", "ebtables", "ebtables-nft", "arptables", "arptables-nft")
NO, ARG = "", ":"       # no value, a value (optstring "::": an optional one, only ever attached)
LINE_BREAKS = "\0\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"

# Options that make a tool exec a program or touch files outside the ruleset,
# by long name, with what they do ({tool}: the tool reading the rule).  Refused
# whatever the table or chain, and however spelled: a prefix the tool would read
# as one of them, the short letter, a bundle holding it.
FORBIDDEN = {       # -> the error.rule.why.* message saying what it does
    "modprobe": "modprobe",
    "atomic-file": "reads_writes",
    "atomic-init": "writes",
    "atomic-save": "writes",
    "atomic-commit": "reads",
    "init-table": "init_table",
    "among-src-file": "reads",
    "among-dst-file": "reads",
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
# arptables-nft 1.8.9: iptables/xtables-arp.c original_opts and its optstring (each name
# and letter checked against the installed tool by tests/lab/test_live_arptables.py).  It
# has no matches (it refuses -m itself) and loads one target library, mangle.
ARPTABLES = Tool(
    "arptables",
    _long("append=A: delete=D: check=C: insert=I: replace=R: list=L:: list-rules=S:: flush=F:: "
          "zero=Z:: new-chain=N: delete-chain=X:: rename-chain=E: policy=P: source-ip=s: "
          "destination-ip=d: src-ip=s: dst-ip=d: source-mac=2: destination-mac=3: src-mac=2: "
          "dst-mac=3: h-length=l: p-length=8: opcode=4: h-type=5: proto-type=6: "
          "in-interface=i: jump=j: table=t: match=m: numeric=n out-interface=o: verbose=v "
          "exact=x version=V help=h:: line-numbers=0 modprobe=M: set-counters=c:"),
    _short("A:C:D:E:F::I:L::M:N:P:R:S::VX::Z::c:d:h::i:j:l:no:p:s:t:vx"),
    frozenset(),
    frozenset("ACCEPT DROP RETURN mangle".split()),
)
TOOLS = {"iptables": IPTABLES, "iptables-nft": IPTABLES, "ebtables": EBTABLES,
         "ebtables-nft": EBTABLES, "arptables": ARPTABLES, "arptables-nft": ARPTABLES}


class RuleRefused(errors.InputError):
    """A rule the lab will not run; ``kind`` is errors.INPUT or errors.FORBIDDEN."""


def tool_of(text: str) -> str:
    """The tool a learner's rule is for: ``ebtables`` when it starts with that name (a
    bridge-family rule, e.g. arp-and-capture step 3's ``ebtables -A FORWARD -p ARP
    -j DROP``), ``arptables`` likewise (the host's own ARP: ``arptables -A INPUT
    --opcode Request -j DROP``), ``nft`` when it starts with ``nft``, else ``iptables``
    (the rule box's default: iptables arguments)."""
    first = text.split(None, 1)[0] if isinstance(text, str) and text.strip() else ""
    if first == "nft":
        return "nft"
    if first in ("arptables", "arptables-nft"):
        return "arptables"
    return "ebtables" if first in ("ebtables", "ebtables-nft") else "iptables"


def check_list(rules, max_rules: int = MAX_RULES, max_len: int = MAX_RULE_LEN) -> list[str]:
    """A list of learner rules -> the stripped rules, or RuleRefused naming the bad one."""
    if rules is None:
        return []
    if not isinstance(rules, list):
        raise RuleRefused(say("error.rule.not_list"))
    if len(rules) > max_rules:
        raise RuleRefused(say("error.rule.too_many", count=len(rules), most=max_rules))
    out = []
    for i, rule in enumerate(rules, start=1):
        if not isinstance(rule, str):
            raise RuleRefused(say("error.rule.not_string", n=i))
        try:
            args(rule, max_len, tool=tool_of(rule))
        except RuleRefused as e:
            raise RuleRefused(say("error.rule.nth", n=i, why=e.msg or e.message), e.kind) from None
        out.append(rule.strip())
    return out


def args(text: str, max_len: int = MAX_RULE_LEN, *, tool: str = "iptables") -> list[str]:
    """One rule -> its argv (without a leading tool name), split as a shell would,
    without a shell, and read as ``tool`` reads it; RuleRefused if it is malformed
    or forbidden."""
    if not isinstance(text, str) or not text.strip():
        raise RuleRefused(say("error.rule.empty"))
    if len(text) > max_len:
        raise RuleRefused(say("error.rule.too_long", most=max_len, length=len(text)))
    _check_text(text)
    try:
        argv = shlex.split(text)
    except ValueError as e:
        # shlex says "No closing quotation" or "No escaped character"
        why = "quote" if "quotation" in str(e) else "escape"
        raise RuleRefused(say("error.rule.parse", why=say(f"error.rule.parse_{why}"))) from None
    if tool == "nft":
        return _nft(argv)
    if argv and argv[0] in TOOL_NAMES:
        argv = argv[1:]
    if not argv:
        raise RuleRefused(say("error.rule.no_args"))
    _read(TOOLS[tool], argv)
    return argv


def refusal(text: str, tool: str):
    """Why ``args`` refuses a lesson's own rule action (a LessonError for its author,
    raised by the loader), or None: the same validator as a learner's rule."""
    try:
        args(text, tool=tool)
    except RuleRefused as e:
        return e.msg or e.message
    return None


NFT_FAMILIES = ("ip", "ip6", "inet", "bridge", "arp", "netdev")
NFT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")
# nft reads its command line as one script: these would make it read a file or run
# another command after the rule (``;``), or stand for text we did not check.
NFT_REFUSED = {"include": "nft_include", "define": "nft_define",     # -> error.rule.why.*
               "redefine": "nft_define", "undefine": "nft_undefine"}


def _nft(argv: list[str]) -> list[str]:
    """``nft add|insert rule FAMILY TABLE CHAIN <expression...>`` -> its argv after
    ``nft``: one rule, no options, no second command, no file."""
    if argv and argv[0] == "nft":
        argv = argv[1:]
    if argv and argv[0].startswith("-"):
        raise RuleRefused(say("error.rule.nft_option", word=repr(argv[0])))
    if len(argv) < 6 or argv[0] not in ("add", "insert") or argv[1] != "rule":
        raise RuleRefused(say("error.rule.nft_form"))
    if argv[2] not in NFT_FAMILIES:
        raise RuleRefused(say("error.rule.nft_family", families=", ".join(NFT_FAMILIES),
                              value=repr(argv[2][:20])))
    for word, what in ((argv[3], "table"), (argv[4], "chain")):
        if not NFT_NAME.fullmatch(word):
            raise RuleRefused(say("error.rule.nft_name", what=what, value=repr(word[:40])))
    for word in argv[5:]:
        if ";" in word:
            raise RuleRefused(say("error.rule.nft_one"))
        if word.lower() in NFT_REFUSED:
            raise RuleRefused(say("error.rule.nft_refused", word=repr(word),
                                  why=say(f"error.rule.why.{NFT_REFUSED[word.lower()]}")),
                              errors.FORBIDDEN)
        if word.startswith("$"):
            raise RuleRefused(say("error.rule.nft_variable", word=repr(word[:20])))
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
        raise RuleRefused(say("error.rule.surrogate", n=e.start + 1,
                              code=f"{ord(text[e.start]):04X}")) from None
    if any(c in LINE_BREAKS for c in text):
        raise RuleRefused(say("error.rule.one_line"))
    bad = next((i for i, c in enumerate(text)
                if c != "\t" and unicodedata.category(c) == "Cc"), None)
    if bad is not None:
        raise RuleRefused(say("error.rule.control", n=bad + 1, code=f"{ord(text[bad]):04X}"))


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
        raise RuleRefused(say("error.rule.no_name", word=word))
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
        raise _forbidden(say("error.rule.forbidden", shown=spelled, why=_why(name, tool)))
    if name in tool.long:
        return {tool.long[name]}
    options = [o for o in tool.long if o.startswith(name)]
    meanings = {tool.long[o] for o in options}
    hits = [o for o in options if o in FORBIDDEN]
    if hits and len(meanings) == 1:
        raise _forbidden(say("error.rule.forbidden_as", shown=spelled, tool=tool.name,
                             option=hits[0], why=_why(hits[0], tool)))
    if hits:
        names = ", ".join(f"--{h}" for h in hits)
        raise _forbidden(say("error.rule.forbidden_prefix", shown=spelled, names=names))
    return meanings


def _bundle(tool: Tool, word: str, following) -> list:
    """``-vnM/x``: each letter an option, until one that takes a value takes the rest
    of the word (or the next word, when nothing is left and the value is required)."""
    letters, out = word[1:], []
    for k, letter in enumerate(letters):
        if letter in FORBIDDEN_SHORT:
            long = FORBIDDEN_SHORT[letter]
            where = say("error.rule.in_word", word=word) if k else ""
            raise _forbidden(say("error.rule.forbidden_short", letter=letter, where=where,
                                 why=_why(long, tool), option=long))
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
        raise RuleRefused(say("error.rule.unnamed", shown=shown, kind=kind))
    if "/" in value or "." in value:
        raise _forbidden(say("error.rule.library", shown=shown, tool=tool.name))
    if kind == "protocol" or tool.allowed(kind, value):
        return
    if kind == "match" and not tool.matches:
        raise _forbidden(say("error.rule.no_matches", shown=shown, tool=tool.name))
    if kind == "match":
        raise _forbidden(say("error.rule.match", shown=shown, tool=tool.name,
                             names=", ".join(sorted(tool.matches))))
    listed = sorted((t for t in tool.targets if not CHAIN.fullmatch(t)), key=str.lower)
    raise _forbidden(say("error.rule.target", shown=shown, tool=tool.name, names=", ".join(listed)))


def _why(long: str, tool: Tool):
    return say(f"error.rule.why.{FORBIDDEN[long]}", tool=tool.name)


def _forbidden(message) -> RuleRefused:
    return RuleRefused(message, errors.FORBIDDEN)
