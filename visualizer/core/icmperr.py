"""An ICMP error (port unreachable, admin prohibited, time exceeded) is a journey of its
own; this links it to the journey of the packet that caused it.  Pure.

The kernel's evidence: the error's trace events carry conntrack state ``related``
and the conntrack id of the connection it is about (the kernel attaches a related
ICMP error to that connection's entry).  Which packet of that connection caused it
is derived: the latest journey of the connection before the error (the trace's
20 bytes of transport header stop before the addresses of the header the error
quotes, so the kernel's message does not name the packet itself).
"""
from __future__ import annotations

from . import phrases

ERROR_TYPES = {3, 4, 5, 11, 12}    # unreachable, source quench, redirect, time exceeded, parameter

phrases.define({
    "icmperr.caused_by": "The kernel sent this ICMP error about journey #{cause}'s connection: "
                         "its trace events carry that connection's conntrack id ({ct_id}) with "
                         "state related. That it answers journey #{cause}, the connection's latest "
                         "packet before it, is derived.",
})


def link(journeys: list[dict], events: list[dict]) -> list[dict]:
    """Give each ICMP error journey ``caused_by`` (a journey id, or None) with its
    sentence (``caused_by_text``, ``caused_by_msg``), and each cause ``icmp_errors``
    (the ids of the errors about it); returns ``journeys``."""
    related: dict[int, int] = {}        # error journey id -> the ct id its events name
    for e in events:
        if (e.get("proto") == "icmp" and e.get("icmp_type") in ERROR_TYPES
                and e.get("ct_state") == "related" and e.get("ct_id")):
            related.setdefault(e["journey"], e["ct_id"])
    by_id = {j["id"]: j for j in journeys}
    for j in journeys:
        j.setdefault("icmp_errors", [])
        j.setdefault("caused_by", None)
    for jid, ct_id in related.items():
        err = by_id.get(jid)
        if err is None:
            continue
        before = [j for j in journeys if j.get("flow") == ct_id and j["id"] not in related
                  and j.get("first_seq", 0) < err.get("first_seq", 0)]
        if not before:
            continue
        cause = max(before, key=lambda j: j.get("first_seq", 0))
        m = phrases.msg("icmperr.caused_by", cause=cause["id"], ct_id=ct_id)
        err.update(caused_by=cause["id"], caused_by_text=m.text(), caused_by_msg=m.wire())
        cause["icmp_errors"].append(jid)
    return journeys
