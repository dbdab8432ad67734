"""What a run observed for the newer ``expect`` keys (``gradekeys``: ``icmp_error``,
``ct_related``, ``refused``, ``nflog``, ``no_nflog``, ``left_by``), for Save as lesson.
Pure.

``lessonexport.expectations`` adds these to ``lessonobserve.observed``'s.  A positive value
(an error came back, these prefixes logged, a frame left by these ports) is read off
the item's own journeys: its packets of the item's protocol, and the ICMP errors
about them, whose events lie inside any cut of the
run the lab makes (``session.grade_items``).  A negative value (no error, no related
packet, not refused, a known prefix never logged) must also hold for the whole run's
events (``negatives``): the lab's cut of a list of items may take in a neighbour's.
As for the other keys, the grader keeps only what passes on the run itself (``observed``).
"""
from __future__ import annotations

import re

from . import grader
from .gradekeys import ICMP_ERRORS, MAX_BODY_TEXT
from .icmperr import ERROR_TYPES

_PREFIX = re.compile(r"""(?:--nflog-prefix|--log-prefix|\blog\s+prefix)\s+("[^"]*"|'[^']*'|\S+)""")
NEGATIVE = {"icmp_error": False, "ct_related": False, "refused": False}


def own_ids(t, part: dict) -> set:
    """The ids of the item's own journeys: its protocol's packets in its part of the run
    (requests and replies, whatever NAT made of their addresses), and the ICMP errors
    about any of them."""
    ids = {j["id"] for j in part.get("journeys", []) if j.get("proto") == t.proto}
    for j in part.get("journeys", []):
        if j.get("caused_by") in ids:
            ids.add(j["id"])
        if j["id"] in ids:
            ids.update(j.get("icmp_errors") or [])
    return ids


def prefixes_known(result: dict, probe: bool = False) -> set[str]:
    """The NFLOG prefixes of the loaded rules that are not the sandbox's own probes (with
    ``probe``: those of its probes, the bridge family's tracing by NFLOG)."""
    out = set()
    for rules in (result.get("chains") or {}).values():
        for r in rules:
            if bool(r.get("probe")) is probe:
                out |= {m.strip("\"'") for m in _PREFIX.findall(r.get("rule") or "")}
    return {p for p in out if p}


def _kinds(events: list) -> list[str]:
    found = set()
    for ev in events:
        if ev.get("proto") == "icmp" and ev.get("icmp_type") in ERROR_TYPES:
            found.add(next((n for n, tc in ICMP_ERRORS.items()
                            if (ev.get("icmp_type"), ev.get("icmp_code")) == tc), "other"))
    return sorted(found)


def values(t, part: dict, events: list) -> dict:
    """This item's values of the newer keys, from its own journeys' events."""
    ids = own_ids(t, part)
    mine = [e for e in events if e.get("journey") in ids]
    kernel = [e for e in mine if e.get("source") == "nftrace" and not e.get("probe")]
    out: dict = {}
    kinds = _kinds(mine)
    out["icmp_error"] = kinds[0] if len(kinds) == 1 and kinds[0] in ICMP_ERRORS else bool(kinds)
    out["ct_related"] = any("related" in (e.get("ct_state") or "") for e in kernel)
    if t.proto in ("tcp", "udp"):
        out["refused"] = bool(part.get("refused")) or bool(kinds) or any(
            "RST" in (e.get("tcp_flags") or "").split(",") for e in kernel)
    logged = sorted({e["prefix"] for e in mine if e.get("source") == "nflog" and e.get("prefix")}
                    - prefixes_known(part, probe=True))
    if logged:
        out["nflog"] = logged
    unlogged = sorted(prefixes_known(part) - {e.get("prefix") for e in events if e.get("source") == "nflog"})
    if unlogged:
        out["no_nflog"] = unlogged
    ports = sorted({e["oif"] for e in kernel if e.get("family") == "bridge"
                    and e.get("hook") in ("output", "postrouting") and e.get("oif")})
    if ports:
        out["left_by"] = ports
    return {**out, **http_values(part)}


def http_values(part: dict) -> dict:
    """An http item's response: its status, and its body's first line (which listener
    answered: the lab's page says ``hello from <ns>``)."""
    if not part.get("http_status"):
        return {}
    first = ((part.get("http_body") or "").strip().splitlines() or [""])[0].strip()
    body = {"http_body": first} if 0 < len(first) <= MAX_BODY_TEXT else {}
    return {"http_status": part["http_status"], **body}


def negatives(want: dict) -> dict:
    """The keys of ``want`` that say something did not happen (checked on the whole run)."""
    return {k: v for k, v in want.items() if (k in NEGATIVE and v is False) or k == "no_nflog"}


def _passing(want: dict, t, part: dict, events: list) -> set[str]:
    g = grader.Expectation(dict(want), t.proto, t.dst).grade(events, part)
    return {c.key for c in g.checks if c.ok}


def observed(t, part: dict, events: list, all_events: list) -> dict:
    """The newer keys of one traffic item's ``expect``: the values the grader passes on
    the item's part of the run, the negatives on the whole run's events too."""
    want = {k: v for k, v in values(t, part, events).items() if k in grader.EXPECT_KEYS}
    # a prefix another item logged is not this one's to deny
    anywhere = {e.get("prefix") for e in all_events if e.get("source") == "nflog"}
    want["no_nflog"] = [p for p in want.get("no_nflog", []) if p not in anywhere]
    if not want["no_nflog"]:
        del want["no_nflog"]
    keep = _passing(want, t, part, events)
    neg = negatives(want)
    if neg:
        keep -= set(neg) - _passing(neg, t, part, all_events)
    return {k: v for k, v in want.items() if k in keep}
