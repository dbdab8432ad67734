"""A rule's text in words: each match a phrase of the catalogue, and its target.

``words(family, text)`` reads an iptables / ebtables rule as the -save tools
print it (``-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED
-j ACCEPT``), or an nft statement, into ``RuleWords``: the matches as phrases
("it leaves by docker0", "it belongs to a connection the kernel already
knows"), the target and the target's options (``--to-destination``,
``--nflog-prefix``).  An option it does not know is quoted as written, never
guessed at.  Results are cached per text: the lab explains every event of a
busy room, and a run meets the same few rules again and again.
"""
from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from functools import lru_cache

from . import nftwords, phrases

phrases.define({
    "rule.any": "any packet",
    "rule.in": "it came in on {dev}",
    "rule.in_not": "it did not come in on {dev}",
    "rule.out": "it leaves by {dev}",
    "rule.out_not": "it does not leave by {dev}",
    "rule.port_in": "it came in on bridge port {dev}",
    "rule.port_in_not": "it did not come in on bridge port {dev}",
    "rule.port_out": "it leaves by bridge port {dev}",
    "rule.port_out_not": "it does not leave by bridge port {dev}",
    "rule.src": "its source is {addr}",
    "rule.src_not": "its source is not {addr}",
    "rule.src_net": "its source is in {addr}",
    "rule.src_net_not": "its source is not in {addr}",
    "rule.dst": "its destination is {addr}",
    "rule.dst_not": "its destination is not {addr}",
    "rule.dst_net": "its destination is in {addr}",
    "rule.dst_net_not": "its destination is not in {addr}",
    "rule.mac_src": "its source MAC is {mac}",
    "rule.mac_dst": "its destination MAC is {mac}",
    "rule.proto": "it is {proto}",
    "rule.proto_not": "it is not {proto}",
    "rule.frame": "it is an {proto} frame",
    "rule.frame_not": "it is not an {proto} frame",
    "rule.dport": "it goes to port {port}",
    "rule.dport_not": "it does not go to port {port}",
    "rule.sport": "it comes from port {port}",
    "rule.sport_not": "it does not come from port {port}",
    "rule.icmp_type": "it is an ICMP {type}",
    "rule.icmp_type_not": "it is not an ICMP {type}",
    "rule.ct.related_established": "it belongs to a connection the kernel already knows, or is "
                                   "related to one (such as an ICMP error about it)",
    "rule.ct.established": "it belongs to a connection the kernel already knows",
    "rule.ct.new": "it starts a new connection (the first packet conntrack sees of it)",
    "rule.ct.related": "it is related to a known connection (such as an ICMP error about it)",
    "rule.ct.invalid": "conntrack could not place it in any connection (state INVALID)",
    "rule.ct.states": "its conntrack state is one of {states}",
    "rule.ct.not": "its conntrack state is not one of {states}",
    "rule.ct.dir": "it travels in the {dir} direction of its connection",
    "rule.dst_local": "its destination is one of the host's own addresses",
    "rule.dst_local_not": "its destination is not one of the host's own addresses",
    "rule.src_local": "its source is one of the host's own addresses",
    "rule.src_local_not": "its source is not one of the host's own addresses",
    "rule.addrtype_src": "its source address is of type {type}",
    "rule.addrtype_src_not": "its source address is not of type {type}",
    "rule.addrtype_dst": "its destination address is of type {type}",
    "rule.addrtype_dst_not": "its destination address is not of type {type}",
    "rule.bridged": "it is being bridged (from one bridge port to another)",
    "rule.bridged_not": "it is not being bridged",
    "rule.physdev_in": "it came in on bridge port {dev}",
    "rule.physdev_in_not": "it did not come in on bridge port {dev}",
    "rule.physdev_out": "it leaves by bridge port {dev}",
    "rule.physdev_out_not": "it does not leave by bridge port {dev}",
    "rule.syn": "it is a TCP SYN (the opening packet of a connection)",
    "rule.other": "{option} {value}",
    "rule.nft": "the nft match `{text}`",
})

_ANY = (phrases.msg("rule.any"),)
NAT_TARGETS = ("DNAT", "SNAT", "MASQUERADE", "REDIRECT", "NETMAP")
LOG_TARGETS = ("LOG", "NFLOG")

# option -> (kind, takes a value)
_IGNORED = {"-m", "--match", "-t", "--table", "-c", "--comment", "--log-level", "--log-ip",
            "--log-tcp-sequence", "--log-tcp-options", "--log-ip-options", "--log-uid",
            "--nflog-threshold", "--nflog-range", "--nflog-size", "--log-arp", "--log-ip6"}
_FLAGS = {"--physdev-is-bridged", "--physdev-is-in", "--physdev-is-out", "--syn", "--log",
          "--random", "--random-fully", "--persistent", "--log-arp", "--log-ip", "--log-ip6",
          "--log-tcp-sequence", "--log-tcp-options", "--log-ip-options", "--log-uid"}
_TARGET_OPTS = {"--to-destination", "--to-source", "--to-ports", "--to", "--nflog-prefix",
                "--nflog-group", "--log-prefix", "--log-level", "--nflog-threshold",
                "--nflog-range", "--nflog-size", "--random", "--random-fully", "--persistent",
                "--log", "--log-arp", "--log-ip", "--log-ip6"}
_CT_STATES = {frozenset({"RELATED", "ESTABLISHED"}): "rule.ct.related_established",
              frozenset({"ESTABLISHED"}): "rule.ct.established",
              frozenset({"NEW"}): "rule.ct.new", frozenset({"RELATED"}): "rule.ct.related",
              frozenset({"INVALID"}): "rule.ct.invalid"}
_FRAME = {"ARP": "ARP", "IPV4": "IPv4", "0X0800": "IPv4", "0X0806": "ARP", "IPV6": "IPv6",
          "0X86DD": "IPv6"}


@dataclass(frozen=True)
class RuleWords:
    """A rule read: its matches in words, its target and the target's options."""

    matches: tuple = ()                  # phrases.Msg, in the rule's order
    target: str | None = None            # ACCEPT, DROP, DNAT, DOCKER (a chain), ...
    goto: bool = False                   # -g: a goto, not a jump
    opts: dict = field(default_factory=dict)    # target options: --to-destination -> value
    nft: bool = False                    # an nft statement, not -save form
    trace_probe: bool = False            # the sandbox's trace probe (-j TRACE, nftrace set 1)
    log: bool = False                    # it logs (LOG/NFLOG target, ebtables --log / --nflog-*)

    @property
    def nat(self) -> str | None:
        return self.target if self.target in NAT_TARGETS else None

    def phrases(self):
        """The matches, or "any packet" when the rule has none."""
        return self.matches or _ANY


def _addr(family: str, which: str, value: str, neg: bool) -> phrases.Msg:
    value = value[:-3] if value.endswith("/32") else value
    net = "/" in value
    key = f"rule.{which}{'_net' if net else ''}{'_not' if neg else ''}"
    return phrases.msg(key, addr=value)


def _iface(family: str, which: str, dev: str, neg: bool) -> phrases.Msg:
    if family == "bridge":
        return phrases.msg(f"rule.port_{which}{'_not' if neg else ''}", dev=dev)
    return phrases.msg(f"rule.{which}{'_not' if neg else ''}", dev=dev)


def _states(value: str, neg: bool) -> phrases.Msg:
    states = [s.strip().upper() for s in value.split(",") if s.strip()]
    if neg:
        return phrases.msg("rule.ct.not", states=states)
    key = _CT_STATES.get(frozenset(states))
    return phrases.msg(key) if key else phrases.msg("rule.ct.states", states=states)


def _addrtype(which: str, value: str, neg: bool) -> phrases.Msg:
    if value.upper() == "LOCAL":
        return phrases.msg(f"rule.{which}_local{'_not' if neg else ''}")
    return phrases.msg(f"rule.addrtype_{which}{'_not' if neg else ''}", type=value)


@lru_cache(maxsize=4096)
def words(family: str, text: str | None) -> RuleWords:
    """The rule ``text`` of ``family`` ("ip" or "bridge") in words (cached per text)."""
    text = (text or "").strip()
    if not text:
        return RuleWords()
    if not text.startswith("-"):
        return _nft(text)
    try:
        tokens = shlex.split(text)
    except ValueError:
        tokens = text.split()
    matches: list = []
    opts: dict = {}
    target, goto, neg, log = None, False, False, False
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        i += 1
        if tok == "!":
            neg = True
            continue
        if tok in ("-A", "--append", "-I", "--insert"):
            i += 1
            if tok in ("-I", "--insert") and i < len(tokens) and tokens[i].isdigit():
                i += 1
            continue
        if tok in ("-j", "--jump", "-g", "--goto"):
            target, goto, i = nxt, tok in ("-g", "--goto"), i + 1
            continue
        if tok in _TARGET_OPTS:
            if tok in _FLAGS:
                opts[tok] = True
            else:
                opts[tok], i = nxt, i + 1
            log = log or tok.startswith(("--nflog", "--log"))
            neg = False
            continue
        if tok in _FLAGS:
            matches.append(_flag(tok, neg))
            neg = False
            continue
        if tok in _IGNORED:
            i += 1
            neg = False
            continue
        i += 1
        m = _option(family, tok, nxt, neg)
        neg = False
        if m is not None:
            matches.append(m)
    log = log or target in LOG_TARGETS
    return RuleWords(tuple(matches), target, goto, opts, trace_probe=target == "TRACE", log=log)


def _flag(tok: str, neg: bool) -> phrases.Msg:
    if tok == "--physdev-is-bridged":
        return phrases.msg("rule.bridged_not" if neg else "rule.bridged")
    if tok == "--syn":
        return phrases.msg("rule.syn")
    return phrases.msg("rule.other", option=("! " if neg else "") + tok, value="")


def _option(family: str, tok: str, value: str, neg: bool) -> phrases.Msg | None:
    if tok in ("-i", "--in-interface"):
        return _iface(family, "in", value, neg)
    if tok in ("-o", "--out-interface"):
        return _iface(family, "out", value, neg)
    if tok in ("-s", "--source", "--src", "--ip-src", "--ip-source"):
        if family == "bridge" and tok in ("-s", "--source", "--src"):
            return phrases.msg("rule.mac_src", mac=value)
        return _addr(family, "src", value, neg)
    if tok in ("-d", "--destination", "--dst", "--ip-dst", "--ip-destination"):
        if family == "bridge" and tok in ("-d", "--destination", "--dst"):
            return phrases.msg("rule.mac_dst", mac=value)
        return _addr(family, "dst", value, neg)
    if tok in ("-p", "--protocol", "--ip-proto", "--ip-protocol"):
        if family == "bridge" and tok in ("-p", "--protocol"):
            name = _FRAME.get(value.upper(), value)
            return phrases.msg("rule.frame_not" if neg else "rule.frame", proto=name)
        return phrases.msg("rule.proto_not" if neg else "rule.proto", proto=value.upper())
    if tok in ("--dport", "--destination-port", "--ip-dport", "--ip-destination-port"):
        return phrases.msg("rule.dport_not" if neg else "rule.dport", port=value)
    if tok in ("--sport", "--source-port", "--ip-sport", "--ip-source-port"):
        return phrases.msg("rule.sport_not" if neg else "rule.sport", port=value)
    if tok in ("--ctstate", "--state"):
        return _states(value, neg)
    if tok == "--ctdir":
        return phrases.msg("rule.ct.dir", dir=value.lower())
    if tok == "--dst-type":
        return _addrtype("dst", value, neg)
    if tok == "--src-type":
        return _addrtype("src", value, neg)
    if tok == "--physdev-in":
        return phrases.msg("rule.physdev_in_not" if neg else "rule.physdev_in", dev=value)
    if tok == "--physdev-out":
        return phrases.msg("rule.physdev_out_not" if neg else "rule.physdev_out", dev=value)
    if tok == "--icmp-type":
        return phrases.msg("rule.icmp_type_not" if neg else "rule.icmp_type", type=value)
    if tok == "--comment":
        return None
    return phrases.msg("rule.other", option=("! " if neg else "") + tok, value=value)


def _nft(text: str) -> RuleWords:
    """An nft statement: the sandbox's trace probe, or a rule read by ``nftwords``
    (docker 29's nftables rules) into the phrases and targets of its iptables form."""
    if "nftrace set 1" in text:
        return RuleWords((phrases.msg("rule.nft", text=text),), None, nft=True, trace_probe=True)
    r = nftwords.read(text, _iface, _addr, _states, _addrtype)
    return RuleWords(tuple(r["matches"]), r["target"], r["goto"], r["opts"], nft=True,
                     log=r["log"])
