"""NAT a journey's chain dumps cannot show, from the other evidence of the run.

A rewrite between two chain dumps is recorded as the journey goes
(``Journey.note_headers``).  What no later dump shows, a capture that saw the
packet afterwards (``from_captures``) or the conntrack tuples
(``add_conntrack_nat``) do: the rewrite at POSTROUTING, the last hook (what the
next hop sees), and conntrack's reverse mapping of a reply.  Every entry says who
did it (``by``: a nat rule, or conntrack applying the flow's mapping, ``reverse``
on a reply) and the hook where the kernel's NAT does it (``hook``); what is worked
out rather than read is listed in its ``derived``.
"""
from __future__ import annotations


def from_captures(j, pkts: list[dict]) -> list[dict]:
    """Rewrites no later chain dump shows, read from a capture that saw the packet
    after them (source "capture", ``seen``: that interface): a SNAT or MASQUERADE at
    POSTROUTING, the last hook (what the next hop sees); conntrack's reverse mapping
    of a reply's source there; the DNAT of a packet whose trace ends at its rule (the
    hairpin SYN the bridge kept, never confirmed in conntrack)."""
    if j.last_at is None:
        return []
    done = {n["field"] for n in j.nat}
    out = []
    for p in pkts:
        if p.get("direction") != ("in" if ":" in p["iface"] else "out"):
            continue        # a frame as it arrived shows it before the rewrites
        for fld in ("src", "dst", "sport", "dport"):
            old, new = j.headers.get(fld), p.get(fld)
            if old is None or new is None or old == new or fld in done:
                continue
            done.add(fld)
            by_rule = j.last_nat_at and j.last_at == j.last_nat_at
            out.append({"at": j.last_nat_at if by_rule else "conntrack", "field": fld, "old": old,
                        "new": new, "source": "capture", "seen": p["iface"],
                        **j.nat_kind(fld, j.last_nat_at if by_rule else None)})
    return out


def add_conntrack_nat(journeys: list[dict], table: list[dict]):
    """NAT that no later trace dump can show, taken from the conntrack table (source
    "conntrack"): SNAT done at POSTROUTING (the last hook) on a request, and the
    reverse rewrite conntrack applies to replies of a NATed flow."""
    by_id = {c["id"]: c for c in table}
    seen = set()
    for j in journeys:
        c = by_id.get(j.get("flow"))
        if not c:
            continue
        orig, reply = c["orig"], c["reply"]
        if j["direction"] == "request":
            first = c["id"] not in seen
            seen.add(c["id"])
            if j["nat"] or reply["dst"] == orig["src"] or j.get("src") != orig["src"]:
                continue
            # The flow's first packet is rewritten by the nat chain, later ones by conntrack.
            j["nat"].append({"at": "ip nat POSTROUTING" if first else "conntrack", "field": "src",
                             "old": orig["src"], "new": reply["dst"], "source": "conntrack",
                             "by": "rule" if first else "conntrack", "reverse": False,
                             "hook": "ip POSTROUTING", "derived": ["by", "hook"]})
            continue
        # A reply arrives addressed with the reply tuple and leaves with the original's;
        # a rewrite the trace did not show (done at the last hook) comes from the tuples.
        done = {(n["field"], n["new"]) for n in j["nat"]}
        for addr, port, came, goes, came_p, goes_p in (
                ("dst", "dport", reply["dst"], orig["src"], reply.get("dport"), orig.get("sport")),
                ("src", "sport", reply["src"], orig["dst"], reply.get("sport"), orig.get("dport"))):
            if j.get(addr) != came or (addr, goes) in done or (came == goes and came_p == goes_p):
                continue
            # conntrack's reverse mapping: a reply's destination at PREROUTING, its
            # source at POSTROUTING (the host's own connections: OUTPUT, INPUT)
            kind = {"source": "conntrack", "by": "conntrack", "reverse": True,
                    "hook": "ip PREROUTING" if addr == "dst" else "ip POSTROUTING",
                    "derived": ["by", "reverse", "hook"]}
            if came != goes:
                j["nat"].append({"at": "conntrack", "field": addr, "old": came, "new": goes, **kind})
            if came_p is not None and came_p != goes_p:
                j["nat"].append({"at": "conntrack", "field": port, "old": came_p, "new": goes_p,
                                 **kind})
