"""Decode the packet headers the kernel copies into trace and log messages.

Pure functions over bytes: Ethernet, IPv4, ARP, ICMP, TCP and UDP, into flat
dicts whose keys match the event fields (src, dst, proto, sport, ...).
"""
from __future__ import annotations

import struct

PROTOS = {1: "icmp", 2: "igmp", 6: "tcp", 17: "udp"}
ICMP_NAMES = {0: "echo-reply", 3: "dest-unreachable", 8: "echo-request", 11: "time-exceeded"}
TCP_FLAGS = ((0x02, "SYN"), (0x10, "ACK"), (0x01, "FIN"), (0x04, "RST"), (0x08, "PSH"), (0x20, "URG"))
ETH_P_IP, ETH_P_ARP = 0x0800, 0x0806


def _ip4(b: bytes) -> str:
    return "%d.%d.%d.%d" % tuple(b[:4])



def mac(b: bytes) -> str:
    return ":".join(f"{x:02x}" for x in b)


def ether(data: bytes | None) -> dict:
    if not data or len(data) < 14:
        return {}
    return {"mac_dst": mac(data[0:6]), "mac_src": mac(data[6:12]),
            "ethertype": struct.unpack_from("!H", data, 12)[0]}


def ipv4(data: bytes | None) -> dict:
    """IPv4 header fields; ``_l4`` holds the bytes after the header, if any."""
    if not data or len(data) < 20 or data[0] >> 4 != 4:
        return {}
    ihl = (data[0] & 0x0F) * 4
    tot_len, ip_id, frag, ttl, proto = struct.unpack_from("!HHHBB", data, 2)
    out = {"src": _ip4(data[12:16]), "dst": _ip4(data[16:20]), "ip_id": ip_id, "ttl": ttl,
           "proto": PROTOS.get(proto, str(proto)), "ip_len": tot_len}
    if len(data) > ihl:
        out["_l4"] = data[ihl:]
    return out


def arp(data: bytes | None) -> dict:
    if not data or len(data) < 28:
        return {}
    op = struct.unpack_from("!H", data, 6)[0]
    return {"proto": "arp", "arp_op": "request" if op == 1 else "reply" if op == 2 else str(op),
            "src": _ip4(data[14:18]), "dst": _ip4(data[24:28]), "arp_sha": mac(data[8:14])}


def transport(proto: str | None, data: bytes | None) -> dict:
    if not data:
        return {}
    if proto == "icmp" and len(data) >= 8:
        t, c, _sum, ident, seq = struct.unpack_from("!BBHHH", data)
        out = {"icmp_type": t, "icmp_code": c}
        if t in (0, 8):
            out.update(icmp_id=ident, icmp_seq=seq)
        return out
    if proto == "tcp" and len(data) >= 14:
        sport, dport, seq, ack = struct.unpack_from("!HHII", data)
        flags = data[13]
        return {"sport": sport, "dport": dport, "tcp_seq": seq, "tcp_ack": ack,
                "tcp_flags": ",".join(n for bit, n in TCP_FLAGS if flags & bit)}
    if proto == "udp" and len(data) >= 8:
        sport, dport, length = struct.unpack_from("!HHH", data)
        return {"sport": sport, "dport": dport, "udp_len": length}
    return {}


def network(data: bytes | None, ethertype: int | None = None) -> dict:
    """IPv4 or ARP, decided by ethertype when known, else by the version nibble."""
    if ethertype == ETH_P_ARP or (ethertype is None and data and len(data) == 28
                                  and data[:4] == b"\x00\x01\x08\x00"):
        return arp(data)
    return ipv4(data)


def packet(ll: bytes | None, net: bytes | None, l4: bytes | None = None) -> dict:
    """All headers of one packet; ``l4`` overrides the bytes after the IP header."""
    out = ether(ll)
    out.update(network(net, out.get("ethertype")))
    tail = out.pop("_l4", None)
    out.update(transport(out.get("proto"), l4 if l4 else tail))
    return out


def frame(data: bytes) -> dict:
    """A whole Ethernet frame, as an AF_PACKET socket reads it."""
    out = ether(data)
    if out.get("ethertype") in (ETH_P_IP, ETH_P_ARP):
        out.update(packet(None, data[14:]) if out["ethertype"] == ETH_P_IP else arp(data[14:]))
    return out


def identity(h: dict) -> tuple | None:
    """What stays the same for one packet across NAT: IP id, protocol and L4 signature."""
    proto = h.get("proto")
    if proto == "icmp":
        return ("icmp", h.get("ip_id"), h.get("icmp_type"), h.get("icmp_id"), h.get("icmp_seq"))
    if proto == "tcp":
        return ("tcp", h.get("ip_id"), h.get("tcp_seq"), h.get("tcp_ack"), h.get("tcp_flags"))
    if proto == "udp":
        return ("udp", h.get("ip_id"), h.get("udp_len"))
    if proto == "arp":
        return ("arp", h.get("arp_op"), h.get("src"), h.get("dst"))
    return None


def summary(h: dict) -> str:
    """One human line for a packet: ``172.17.0.2 > 172.17.0.3 ICMP echo-request seq=1``."""
    proto = h.get("proto")
    if proto == "arp":
        if h.get("arp_op") == "request":
            return f"ARP who-has {h.get('dst')} tell {h.get('src')}"
        return f"ARP {h.get('src')} is-at {h.get('arp_sha')}"
    src, dst = h.get("src"), h.get("dst")
    if proto == "icmp":
        name = ICMP_NAMES.get(h.get("icmp_type"), f"type {h.get('icmp_type')}")
        seq = f" id={h.get('icmp_id')} seq={h['icmp_seq']}" if h.get("icmp_seq") is not None else ""
        return f"{src} > {dst} ICMP {name}{seq}"
    if proto in ("tcp", "udp"):
        flags = f" [{h['tcp_flags']}]" if h.get("tcp_flags") else ""
        return f"{src}:{h.get('sport')} > {dst}:{h.get('dport')} {proto.upper()}{flags}"
    if src:
        return f"{src} > {dst} proto {proto}"
    return f"ethertype 0x{h.get('ethertype', 0):04x}"
