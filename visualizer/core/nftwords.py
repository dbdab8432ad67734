"""An nft rule's text in words, with the phrases ``rulewords`` gives iptables rules.

docker's nftables backend (Engine 29, ``_rulesets/docker-29-nftables``) writes rules
as nft statements (``iifname != "docker0" tcp dport 8080 counter dnat to
172.17.0.2:80 comment "DNAT"``).  ``read(text)`` reads the matches it knows (interface
names, addresses, ports, ct state, ``fib ... type``, verdict maps) into the same
catalogue phrases as their iptables forms, and the verdict into the target names
iptables uses (ACCEPT, DROP, DNAT with ``--to-destination``, a chain for ``jump``), so
that the hop explanations read both alike.  A piece it does not know is quoted as
written (``rule.nft``), never guessed at; ``counter`` and ``comment`` decide nothing.
"""
from __future__ import annotations

import shlex

from . import phrases

phrases.define({
    "rule.nft.vmap_iif": "the chain to jump to is looked up by the interface it came in on, "
                         "in the verdict map {map}",
    "rule.nft.vmap_oif": "the chain to jump to is looked up by the interface it leaves by, "
                         "in the verdict map {map}",
    "rule.nft.vmap": "the chain to jump to is looked up by `{key}` in the verdict map {map}",
})

_VERDICTS = {"accept": "ACCEPT", "drop": "DROP", "reject": "REJECT", "return": "RETURN",
             "masquerade": "MASQUERADE", "continue": None}
_NAT = {"dnat": ("DNAT", "--to-destination"), "snat": ("SNAT", "--to-source"),
        "redirect": ("REDIRECT", "--to-ports")}
_IFACES = {"iifname": "in", "iif": "in", "oifname": "out", "oif": "out"}
_ADDRS = {"saddr": "src", "daddr": "dst"}
_PORTS = {"dport": "rule.dport", "sport": "rule.sport"}


def _tokens(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


def read(text: str, iface, addr, states, addrtype) -> dict:
    """The rule's {matches, target, goto, opts, log}; ``iface``, ``addr``, ``states`` and
    ``addrtype`` are rulewords' phrase makers (family "ip"), shared with iptables."""
    toks = _tokens(text)
    out = {"matches": [], "target": None, "goto": False, "opts": {}, "log": False}
    unread: list[str] = []
    i = 0

    def value(j: int) -> tuple[bool, str, int]:
        """(negated, the value, the index after it) of a match whose value starts at j."""
        neg = j < len(toks) and toks[j] == "!="
        j += neg
        return neg, toks[j] if j < len(toks) else "", j + 1

    def flush():
        if unread:
            out["matches"].append(phrases.msg("rule.nft", text=" ".join(unread)))
            unread.clear()

    while i < len(toks):
        tok, nxt = toks[i], toks[i + 1] if i + 1 < len(toks) else ""
        step = _one(toks, i, tok, nxt, out, value, iface, addr, states, addrtype)
        if step is None:
            unread.append(tok)
            i += 1
            continue
        flush()
        i = step
    flush()
    return out


def _one(toks, i, tok, nxt, out, value, iface, addr, states, addrtype) -> int | None:
    """Read the piece at ``toks[i]`` into ``out``; the index after it, or None if unknown."""
    m = out["matches"]
    if tok in ("counter",):
        return i + 1
    if tok == "comment":
        out["opts"]["comment"] = nxt
        return i + 2
    if tok in _IFACES and nxt == "vmap":
        key = "rule.nft.vmap_iif" if _IFACES[tok] == "in" else "rule.nft.vmap_oif"
        m.append(phrases.msg(key, map=toks[i + 2].lstrip("@") if i + 2 < len(toks) else ""))
        return i + 3
    if nxt == "vmap":
        m.append(phrases.msg("rule.nft.vmap", key=tok,
                             map=toks[i + 2].lstrip("@") if i + 2 < len(toks) else ""))
        return i + 3
    if tok in _IFACES:
        neg, v, j = value(i + 1)
        m.append(iface("ip", _IFACES[tok], v, neg))
        return j
    if tok == "ip" and nxt in _ADDRS:
        neg, v, j = value(i + 2)
        m.append(addr("ip", _ADDRS[nxt], v, neg))
        return j
    if tok == "ip" and nxt == "protocol":
        neg, v, j = value(i + 2)
        m.append(phrases.msg("rule.proto_not" if neg else "rule.proto", proto=v.upper()))
        return j
    if tok in ("tcp", "udp") and nxt in _PORTS:
        neg, v, j = value(i + 2)
        m.append(phrases.msg("rule.proto", proto=tok.upper()))
        m.append(phrases.msg(_PORTS[nxt] + ("_not" if neg else ""), port=v))
        return j
    if tok == "ct" and nxt == "state":
        neg, v, j = value(i + 2)
        m.append(states(v, neg))
        return j
    if tok == "fib" and nxt in _ADDRS and i + 3 < len(toks) and toks[i + 2] == "type":
        neg, v, j = value(i + 3)
        m.append(addrtype(_ADDRS[nxt], v, neg))
        return j
    if tok in _VERDICTS:
        out["target"] = _VERDICTS[tok]
        return i + 1
    if tok in ("jump", "goto") and nxt:
        out["target"], out["goto"] = nxt, tok == "goto"
        return i + 2
    if tok in _NAT and nxt == "to" and i + 2 < len(toks):
        out["target"], opt = _NAT[tok]
        out["opts"][opt] = toks[i + 2].lstrip(":") if tok == "redirect" else toks[i + 2]
        return i + 3
    if tok == "log":
        out["log"], j = True, i + 1
        while j + 1 < len(toks) and toks[j] in ("prefix", "group", "level"):
            out["opts"]["--log-prefix" if toks[j] == "prefix" else f"--log-{toks[j]}"] = toks[j + 1]
            j += 2
        return j
    return None


_KEYS = {("ip", "saddr"): "src", ("ip", "daddr"): "dst", ("ip", "protocol"): "proto",
         ("ct", "state"): "ctstate", ("tcp", "dport"): "dport", ("tcp", "sport"): "sport",
         ("udp", "dport"): "dport", ("udp", "sport"): "sport"}
_SKIP = {"counter", *_VERDICTS}


def match_parts(text: str) -> list[tuple[str, str | None, bool, str]]:
    """The rule's matches as (shown, kind, negated, value), kinds as ``matchwhy`` reads
    iptables options (in, out, src, dst, proto, dport, sport, ctstate, dst_type,
    src_type); a piece it does not know has kind None (the packet's fields do not
    decide it).  The verdict, ``counter``, ``comment`` and verdict maps are no matches."""
    if "nftrace set 1" in text:             # the sandbox's probe: no match to explain
        return []
    toks, out, i = _tokens(text), [], 0
    while i < len(toks):
        tok, nxt = toks[i], toks[i + 1] if i + 1 < len(toks) else ""
        if tok in _SKIP:
            i += 1
            continue
        if tok in ("comment", "jump", "goto") or nxt == "vmap":
            i += 2 if tok in ("comment", "jump", "goto") else 3
            continue
        if tok in _NAT and nxt == "to":
            i += 3
            continue
        width, kind = 1, _IFACES.get(tok)
        if kind is None and (tok, nxt) in _KEYS:
            width, kind = 2, _KEYS[(tok, nxt)]
        elif kind is None and tok == "fib" and nxt in _ADDRS and toks[i + 2:i + 3] == ["type"]:
            width, kind = 3, f"{_ADDRS[nxt]}_type"
        if kind is None:
            out.append((tok, None, False, ""))
            i += 1
            continue
        j = i + width
        neg = toks[j:j + 1] == ["!="]
        j += neg
        value = toks[j] if j < len(toks) else ""
        shown = " ".join(toks[i:j + 1])
        if kind in ("in", "out"):           # as nft writes it: the name quoted
            shown = " ".join([*toks[i:j], f'"{value}"'])
        if kind in ("dport", "sport"):
            out.append((shown, "proto", False, tok))
        if kind in ("in", "out") and value.endswith("*"):
            value = value[:-1] + "+"
        out.append((shown, kind, neg, value))
        i = j + 1
    return out
