"""Why a packet failed a rule: each match of a rule's -save text, tested against the
packet's fields at the event (``core/checked.py`` lists the rules it was checked against).

``matches`` reads a rule once (cached) into ``Match``es, ``! -i x`` (iptables-save) and
``-i ! x`` (ebtables-save) both negated; ``reason`` gives the first match the packet's
fields decide against, as a catalogue message ("`-i docker0`: it came in on eth0"), or
None when they decide none (``-m limit``, a mark).  A reason taken from the topology
rather than the packet (``Host``: the host's addresses for ``-m addrtype``, a port's
bridge for ``--logical-in``) says it is derived.
"""
from __future__ import annotations

import ipaddress
import shlex
from dataclasses import dataclass
from functools import lru_cache

from . import nftwords, phrases
from .records import Event
from .topology import Topology

phrases.define({
    "checked.in": "`{match}`: it came in on {dev}",
    "checked.in_none": "`{match}`: it has no input interface here",
    "checked.out": "`{match}`: it leaves by {dev}",
    "checked.out_none": "`{match}`: it has no output interface here",
    "checked.port_in": "`{match}`: it came in on bridge port {dev}",
    "checked.port_out": "`{match}`: it leaves by bridge port {dev}",
    "checked.logical_in": "`{match}`: it came in on {port}, a port of {bridge} (derived from "
                          "the topology)",
    "checked.logical_out": "`{match}`: it leaves by {port}, a port of {bridge} (derived from "
                           "the topology)",
    "checked.proto": "`{match}`: it is {proto}",
    "checked.frame": "`{match}`: it is an {frame} frame",
    "checked.src": "`{match}`: its source is {addr}",
    "checked.dst": "`{match}`: its destination is {addr}",
    "checked.mac_src": "`{match}`: its source MAC is {mac}",
    "checked.mac_dst": "`{match}`: its destination MAC is {mac}",
    "checked.sport": "`{match}`: its source port is {port}",
    "checked.dport": "`{match}`: its destination port is {port}",
    "checked.icmp_type": "`{match}`: its ICMP type is {type}",
    "checked.ctstate": "`{match}`: its state is {state}",
    "checked.ctdir": "`{match}`: it travels in the {dir} direction of its connection",
    "checked.dst_local": "`{match}`: its destination {addr} is one of the host's own addresses "
                         "(derived from the topology)",
    "checked.dst_not_local": "`{match}`: its destination {addr} is not one of the host's own "
                             "addresses (derived from the topology)",
    "checked.src_local": "`{match}`: its source {addr} is one of the host's own addresses "
                         "(derived from the topology)",
    "checked.src_not_local": "`{match}`: its source {addr} is not one of the host's own "
                             "addresses (derived from the topology)",
    "checked.routed": "`{match}`: it came in on {iif} and leaves by {oif}: it is routed, not "
                      "bridged (derived from the topology)",
    "checked.bridged": "`{match}`: it came in on and leaves by the bridge {dev}: it is being "
                       "bridged (derived from the topology)",
})

_PROTOS = {"1": "icmp", "6": "tcp", "17": "udp", "2": "igmp"}
_FRAMES = {"ipv4": "IPv4", "0x0800": "IPv4", "arp": "ARP", "0x0806": "ARP", "ipv6": "IPv6",
           "0x86dd": "IPv6"}
_ICMP = {"echo-reply": 0, "pong": 0, "destination-unreachable": 3, "echo-request": 8,
         "ping": 8, "time-exceeded": 11}
# Options read as matches: name -> what it compares.  Any other option before the
# target is a match whose outcome the packet's fields do not decide (why None).
_KINDS = {
    "-i": "in", "--in-interface": "in", "-o": "out", "--out-interface": "out",
    "--logical-in": "logical_in", "--logical-out": "logical_out",
    "-s": "src", "--source": "src", "--src": "src", "-d": "dst", "--destination": "dst",
    "--dst": "dst", "--ip-src": "ip_src", "--ip-source": "ip_src", "--ip-dst": "ip_dst",
    "--ip-destination": "ip_dst", "-p": "proto", "--protocol": "proto",
    "--ip-proto": "ip_proto", "--ip-protocol": "ip_proto",
    "--sport": "sport", "--source-port": "sport", "--ip-sport": "sport",
    "--ip-source-port": "sport", "--dport": "dport", "--destination-port": "dport",
    "--ip-dport": "dport", "--ip-destination-port": "dport", "--sports": "sports",
    "--source-ports": "sports", "--dports": "dports", "--destination-ports": "dports",
    "--ctstate": "ctstate", "--state": "ctstate", "--ctdir": "ctdir",
    "--dst-type": "dst_type", "--src-type": "src_type", "--icmp-type": "icmp_type",
    "--physdev-is-bridged": "bridged",
}
_FLAGS = {"--physdev-is-bridged", "--physdev-is-in", "--physdev-is-out", "--syn"}
# Options that never decide a match (watchers, comments, the module names).
_INERT = {"-m", "--match", "--comment", "--nflog-prefix", "--nflog-group", "--nflog-range",
          "--nflog-threshold", "--log-prefix", "--log-level", "--log", "--log-ip", "--log-arp",
          "--log-ip6"}


@dataclass(frozen=True)
class Match:
    """One option of a rule: as written (``shown``), what it compares, negated or not."""

    shown: str
    kind: str | None              # None: not decided by the packet's fields
    neg: bool
    value: str = ""


@lru_cache(maxsize=4096)
def matches(family: str, text: str) -> tuple[Match, ...]:
    """The matches of a rule in -save form, in order (cached: parsed once a text).
    ``! -i x`` (iptables-save) and ``-i ! x`` (ebtables-save) both negate.  An nft
    statement is read by ``nftwords.match_parts``."""
    if not text:
        return ()
    if not text.startswith("-"):        # an nft statement (docker 29's rules, the probes)
        return tuple(Match(*part) for part in nftwords.match_parts(text))
    try:
        words = shlex.split(text)
    except ValueError:
        words = text.split()
    out, i, neg, module = [], 0, False, ""
    if words[:1] and words[0] in ("-A", "-I"):
        i = 2
    while i < len(words):
        w, start = words[i], i
        i += 1
        if w == "!":
            neg = True
            continue
        if w in ("-j", "--jump", "-g", "--goto"):
            break
        if not w.startswith("-"):
            continue
        value = ""
        if w not in _FLAGS and i < len(words) and not _is_option(words[i]):
            value, i = words[i], i + 1
            if value == "!":
                neg, value = True, words[i] if i < len(words) else ""
                i += 1
        if w in ("-m", "--match"):
            module = value
        if w not in _INERT:
            kind = _KINDS.get(w)
            if family == "bridge":
                kind = {"src": "mac_src", "dst": "mac_dst", "proto": "frame"}.get(kind, kind)
            kind = {"ip_src": "src", "ip_dst": "dst", "ip_proto": "proto"}.get(kind, kind)
            shown = " ".join(words[start:i])
            if neg and "!" not in words[start:i]:
                shown = "! " + shown
            if kind in ("dst_type", "src_type") and module:
                shown = f"-m {module} {shown}"
            out.append(Match(shown, kind, neg, value))
        neg = False
    return tuple(out)


def _is_option(word: str) -> bool:
    return word.startswith("-") and not word[1:2].isdigit()


@lru_cache(maxsize=1024)
def _net(value: str):
    try:
        return ipaddress.ip_network(value, strict=False)
    except ValueError:
        return None


def _in_net(addr: str | None, value: str) -> bool | None:
    net = _net(value)
    if addr is None or net is None:
        return None
    try:
        return ipaddress.ip_address(addr) in net
    except ValueError:
        return None


def _iface(pattern: str, name: str) -> bool:
    return name.startswith(pattern[:-1]) if pattern.endswith("+") else name == pattern


def _ports(value: str, port: int) -> bool | None:
    """``80``, ``1024:65535``, ``:1024``, ``80,443`` (multiport) against a port."""
    try:
        for part in value.split(","):
            lo, sep, hi = part.partition(":")
            if (not sep and int(lo) == port) or (sep and int(lo or 0) <= port <= int(hi or 65535)):
                return True
    except ValueError:
        return None
    return False


class Host:
    """What the topology tells of the host: its own addresses, its ports' bridges."""

    def __init__(self, topology: Topology):
        addrs = [a for b in topology.bridges_in("host") for a in b.addresses]
        addrs += [a for ln in topology.links("host") for a in ln.end.addresses]
        self.local = [ipaddress.ip_network("127.0.0.0/8")] + [
            ipaddress.ip_network(a.split("/")[0]) for a in addrs]
        self.bridge_of = {ln.end.name: ln.end.master for ln in topology.ports()}
        self.topology = topology

    def is_local(self, addr: str | None) -> bool | None:
        try:
            ip = ipaddress.ip_address(addr) if addr else None
        except ValueError:
            return None
        return None if ip is None else any(ip in n for n in self.local)


def why(m: Match, ev: Event, host: Host):
    """Does the packet at this event pass ``m``?  True; a ``phrases.Msg`` saying why it
    fails; or None when its fields do not decide it."""
    ok = _test(m, ev, host)
    if ok is None:
        return None
    passed, reason = ok
    if passed != m.neg:
        return True
    return reason


def _test(m: Match, ev: Event, host: Host):
    """(the unnegated match holds, the reason it holds or not, in words) or None."""
    test = _TESTS.get(m.kind)
    return test(m, ev, host) if test else None


def _device(m: Match, ev: Event, host: Host):
    f, say = ev.ifaces, phrases.msg
    if m.kind in ("in", "out"):
        dev = f.iif if m.kind == "in" else f.oif
        if dev is None:
            p = ev.packet
            return (False, say(f"checked.{m.kind}_none", match=m.shown)) \
                if (p.src or p.mac_src or p.proto) else None
        key = f"checked.{m.kind}" if ev.where.family == "ip" else f"checked.port_{m.kind}"
        return _iface(m.value, dev), say(key, match=m.shown, dev=dev)
    if m.kind == "bridged":
        if f.iif is None or f.oif is None:
            return None
        bridged = f.iif == f.oif and host.topology.role(f.iif) == "bridge"
        return bridged, (say("checked.bridged", match=m.shown, dev=f.iif) if bridged
                         else say("checked.routed", match=m.shown, iif=f.iif, oif=f.oif))
    port = f.iif if m.kind == "logical_in" else f.oif
    bridge = host.bridge_of.get(port)
    if bridge is None:
        return None
    return _iface(m.value, bridge), say(f"checked.{m.kind}", match=m.shown, port=port,
                                        bridge=bridge)


def _address(m: Match, ev: Event, host: Host):
    p, k, v = ev.packet, m.kind, m.value
    if k in ("mac_src", "mac_dst"):
        mac = p.mac_src if k == "mac_src" else p.mac_dst
        if mac is None or "/" in v or ":" not in v:
            return None
        return mac.lower() == v.lower(), phrases.msg(f"checked.{k}", match=m.shown, mac=mac)
    if k in ("dst_type", "src_type"):
        addr = p.dst if k == "dst_type" else p.src
        local = host.is_local(addr) if v.upper() == "LOCAL" else None
        if local is None:
            return None
        key = f"checked.{k[:3]}_{'local' if local else 'not_local'}"
        return local, phrases.msg(key, match=m.shown, addr=addr)
    addr = p.src if k == "src" else p.dst
    hit = _in_net(addr, v) if p.proto != "arp" else None
    return None if hit is None else (hit, phrases.msg(f"checked.{k}", match=m.shown, addr=addr))


def _protocol(m: Match, ev: Event, host: Host):
    p, v = ev.packet, m.value
    if m.kind == "frame":
        want = _FRAMES.get(v.lower())
        if want is None or p.proto is None:
            return None
        frame = "ARP" if p.proto == "arp" else "IPv4"
        return frame == want, phrases.msg("checked.frame", match=m.shown, frame=frame)
    if m.kind == "icmp_type":
        want = _ICMP.get(v.lower(), v.split("/")[0])
        if p.proto != "icmp" or p.icmp_type is None or not str(want).isdigit():
            return None
        return int(want) == p.icmp_type, phrases.msg("checked.icmp_type", match=m.shown,
                                                     type=p.icmp_type)
    if p.proto is None or p.proto == "arp":
        return None
    want = _PROTOS.get(v, v.lower())
    return want in ("all", "0", p.proto), phrases.msg("checked.proto", match=m.shown, proto=p.proto)


def _port(m: Match, ev: Event, host: Host):
    src = m.kind.startswith("s")
    port = ev.packet.sport if src else ev.packet.dport
    hit = None if port is None else _ports(m.value, port)
    key = "checked.sport" if src else "checked.dport"
    return None if hit is None else (hit, phrases.msg(key, match=m.shown, port=port))


def _conntrack(m: Match, ev: Event, host: Host):
    if m.kind == "ctdir":
        d = ev.ct.ct_direction
        return None if d is None else (d == m.value.lower(),
                                       phrases.msg("checked.ctdir", match=m.shown, dir=d))
    state = ev.ct.ct_state
    wanted = {s.strip().lower() for s in m.value.split(",") if s.strip()}
    if not state or wanted & {"snat", "dnat"}:
        return None
    have = set(state.split(","))
    return bool(have & wanted), phrases.msg("checked.ctstate", match=m.shown, state=state)


_TESTS = {
    **dict.fromkeys(("in", "out", "logical_in", "logical_out", "bridged"), _device),
    **dict.fromkeys(("src", "dst", "mac_src", "mac_dst", "dst_type", "src_type"), _address),
    **dict.fromkeys(("proto", "frame", "icmp_type"), _protocol),
    **dict.fromkeys(("sport", "dport", "sports", "dports"), _port),
    **dict.fromkeys(("ctstate", "ctdir"), _conntrack),
}


def reason(family: str, text: str, ev: Event, host: Host) -> phrases.Msg | None:
    """Why the packet failed this rule, from its fields at the event; None if they
    do not decide it (the first failing match the fields decide is the reason)."""
    for m in matches(family, text):
        r = why(m, ev, host)
        if isinstance(r, phrases.Msg):
            return r
    return None
