"""Where a packet is and why it got here, for the first lesson event of each hop.

The routing decision (a local process: INPUT; on: FORWARD; the host's own:
OUTPUT), the bridge's (forwarded from port to port, flooded, passed up to the
host), br_netfilter running the ip hooks for a frame on a bridge port, and the
kernel routing a packet again after its NAT.  Read from the event's devices and
headers and the topology (which bridge a port belongs to, the bridge's MAC:
the sentence says when it rests on the topology).  Part of ``explain.py``.
"""
from __future__ import annotations

from . import explain_text  # noqa: F401  (the sentences, defined at import)
from . import phrases
from .records import Event

m = phrases.msg
BROADCAST = "ff:ff:ff:ff:ff:ff"


def hop_sentence(ex, ev: Event, notes) -> phrases.Msg | None:
    """Where the packet is and why it got here: the sentence of a hop's first lesson event."""
    w, f, p = ev.where, ev.ifaces, ev.packet
    if w.family == "bridge":
        bridge = ex.masters.get(f.iif) or ex.masters.get(f.oif) or "?"
        mac = (p.mac_dst or "").lower()
        if w.hook == "prerouting":
            return m("explain.where.bridge_in", port=f.iif or "?", bridge=bridge)
        if w.hook == "input":
            if mac and mac == ex.macs.get(bridge):
                return m("explain.where.bridge_up", bridge=bridge, mac=mac)
            if mac == BROADCAST:
                return m("explain.where.bridge_up_broadcast", bridge=bridge, mac=mac)
            if mac in ex.net.behind:
                port, ns = ex.net.behind[mac]
                return m("explain.where.bridge_up_promisc", bridge=bridge, mac=mac, ns=ns,
                         port=port)
            return m("explain.where.bridge_up_other", bridge=bridge)
        if w.hook in ("forward", "output"):
            first = not notes.ports_out
            notes.ports_out.add(f.oif)
            if not first:
                return m("explain.where.bridge_flood_copy", physout=f.oif, bridge=bridge)
            if w.hook == "output":
                return m("explain.where.bridge_output", bridge=bridge, port=f.oif or "?")
            if mac == BROADCAST:
                return m("explain.where.bridge_flood", bridge=bridge, mac=mac, physout=f.oif)
            return m("explain.where.bridge_forward", bridge=bridge, physin=f.iif or "?",
                     physout=f.oif or "?")
        if w.hook == "postrouting":
            return m("explain.where.bridge_post", port=f.oif or "?")
        return None
    if w.family == "arp":       # arptables' hooks: ARP is not routed, there is no routing decision
        if w.hook == "input":
            return m("explain.where.arp_in", dev=f.iif or "?")
        return m("explain.where.arp_out", oif=f.oif or "?") if w.hook == "output" else None
    role_in = ex.topo.role(f.iif)
    if w.hook == "prerouting":
        if role_in == "bridge" and f.physin:
            return m("explain.where.brnf", bridge=f.iif, port=f.physin)
        return m("explain.where.arrived", dev=f.iif or "?")
    if w.hook == "input":
        return m("explain.where.input", dst=p.dst or "?")
    if w.hook == "forward":
        if role_in == "bridge" and f.oif == f.iif and f.physin and f.physout:
            return m("explain.where.brnf_forward", bridge=f.iif, physin=f.physin,
                     physout=f.physout)
        return m("explain.where.forward", dst=p.dst or "?", oif=f.oif or "?")
    if w.hook == "output":
        notes.routed = f.oif
        return m("explain.where.output", oif=f.oif or "?")
    if w.hook == "postrouting":
        j = ex.journey(ev.journey)
        if notes.routed and f.oif and f.oif != notes.routed and j is not None and j.nat:
            return m("explain.where.rerouted", oif=f.oif, before=notes.routed)
        return m("explain.where.post", oif=f.physout or f.oif or "?")
    return None

