"""Does a journey follow a ``model.PATHS`` key?  The grader's ``path`` and ``reply_path``
(and Save as lesson's observations) ask it here.  Pure: a journey summary and the run's
events in, None or what is wrong out.

The journey's hooks must come in the key's order, from its first hook; a hook may be
missing only if nothing but a nat table could have reported it in this run (nat chains
run for a connection's first packet alone, so a reply or a later request passes such a
hook without any trace event).

A flooded frame visits the bridge's out hooks once per port: the bridge clones it at
its first out hook (bridge FORWARD for a bridged frame, bridge OUTPUT for one the host
sends) and each copy goes through the later hooks on its own.  So the path is cut there
into one copy per port, each compared with the key after what came before the cut.  The
ports are the out devices (``oif``) the kernel's bridge FORWARD and OUTPUT events carry;
"flooded" (two ports or more) is worked out from them.  ``model.PATH_KIND`` marks the
keys that want a flood (or a hairpin: in and out by one port); the others want one port.
"""
from __future__ import annotations

from . import model, phrases
from .phrases import Msg

_FORK = (("bridge", "forward"), ("bridge", "output"))

phrases.define({
    "grade.path.hops_flooded": "{hops}, the bridge hooks once for each port it leaves by (two "
                               "or more: flooded)",
    "grade.path.hops_hairpin": "{hops}, out of the bridge port it came in by",
    "grade.path.starts": "starts at {got}, not {want}",
    "grade.path.starts_nothing": "starts at nothing, not {want}",
    "grade.path.order": "{hops} is not in the order of {key}",
    "grade.path.lacks": "{hops} lacks {hidden}, and those hooks do report in this run",
    "grade.path.flooded": "{hops}: it left the bridge by {ports}, a copy by each (flooded; "
                          "derived from the out devices of its bridge hooks), and {key} leaves "
                          "by one port",
    "grade.path.not_flooded": "{hops}: it left the bridge by {ports} only, not flooded (a "
                              "flooded frame leaves by two ports or more)",
    "grade.path.not_flooded_none": "{hops}: it left the bridge by no port, not flooded",
    "grade.path.not_hairpin": "{hops}: its bridge FORWARD takes it from {physin} to {physout}, "
                              "not back out of the port it came in by",
    "grade.path.no_forward": "{hops}: no bridge FORWARD event names its ports, so it does not "
                             "show a hairpin",
})


def hops_text(hops) -> str:
    return " → ".join(f"{f} {h.upper()}" for f, h in hops)


def wanted(key: str) -> str | Msg:
    """The hooks of a key, as the grader says what it expects."""
    hops = hops_text(model.PATHS[key])
    kind = model.PATH_KIND.get(key)
    return phrases.msg(f"grade.path.hops_{kind}", hops=hops) if kind else hops


def hooks_seen(events: list[dict]) -> set[tuple[str, str]]:
    """(family, hook) where a table other than nat reported anything in this run."""
    return {(e["family"], e["hook"]) for e in events
            if e["source"] == "nftrace" and e["hook"] and e["table"] != "nat"}


def copies(path) -> tuple[list, list[list]]:
    """(the hops before the bridge's first out hook, [each copy's hops from there on]);
    a path that never reaches a bridge out hook is all prefix, with one empty copy."""
    hops = [tuple(h) for h in path]
    fork = next((h for h in hops if h in _FORK), None)
    cuts = [i for i, h in enumerate(hops) if h == fork]
    if not cuts:
        return hops, [[]]
    ends = cuts[1:] + [len(hops)]
    return hops[:cuts[0]], [hops[a:b] for a, b in zip(cuts, ends)]


def _bridge_out(journey: dict, events: list[dict]) -> list[dict]:
    return [e for e in events if e.get("journey") == journey.get("id")
            and e.get("source") == "nftrace" and e.get("family") == "bridge"
            and (e.get("family"), e.get("hook")) in _FORK and e.get("oif")]


def out_ports(journey: dict, events: list[dict]) -> list[str]:
    """The bridge ports the journey left by, in the kernel's order (its bridge FORWARD and
    OUTPUT events' ``oif``)."""
    ports: list[str] = []
    for e in _bridge_out(journey, events):
        if e["oif"] not in ports:
            ports.append(e["oif"])
    return ports


def _in_order(seq: list, expected: list) -> bool:
    pos = 0
    for hop in seq:
        if hop not in expected[pos:]:
            return False
        pos = expected.index(hop, pos) + 1
    return True


def problem(journey: dict, key: str, events: list[dict]) -> Msg | None:
    """None if the journey follows ``model.PATHS[key]``; else what is wrong."""
    expected = [tuple(h) for h in model.PATHS[key]]
    observed = [tuple(h) for h in journey["path"]]
    if not observed:
        return phrases.msg("grade.path.starts_nothing", want=hops_text(expected[:1]))
    if observed[0] != expected[0]:
        return phrases.msg("grade.path.starts", got=hops_text(observed[:1]),
                           want=hops_text(expected[:1]))
    before, each = copies(observed)
    if not all(_in_order(before + c, expected) for c in each):
        return phrases.msg("grade.path.order", hops=hops_text(observed), key=key)
    visible = hooks_seen(events)
    hidden = [h for h in expected if h not in observed and h in visible]
    if hidden:
        return phrases.msg("grade.path.lacks", hops=hops_text(observed), hidden=hops_text(hidden))
    return _kind_problem(journey, key, events, hops_text(observed))


def _kind_problem(journey: dict, key: str, events: list[dict], hops: str) -> Msg | None:
    kind, ports = model.PATH_KIND.get(key), out_ports(journey, events)
    if kind == "flooded" and len(ports) < 2:
        return (phrases.msg("grade.path.not_flooded", hops=hops, ports=ports) if ports
                else phrases.msg("grade.path.not_flooded_none", hops=hops))
    if kind != "flooded" and len(ports) >= 2:
        return phrases.msg("grade.path.flooded", hops=hops, ports=ports, key=key)
    if kind == "hairpin":
        fwd = [e for e in _bridge_out(journey, events) if e.get("hook") == "forward"]
        if not fwd:
            return phrases.msg("grade.path.no_forward", hops=hops)
        if not any(e.get("iif") == e["oif"] for e in fwd):
            return phrases.msg("grade.path.not_hairpin", hops=hops, physin=fwd[0].get("iif"),
                               physout=fwd[0]["oif"])
    return None
