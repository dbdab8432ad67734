"""A prediction graded by the kernel: each part the learner said against the run's events,
with a hint for a wrong part drawn from where the packet really went.

Every hint is a catalogue message (``phrases``): the wire carries its English as
``hint`` and its ``{id, args}`` as ``hint_msg``, which the page renders in its language.
Table, chain and hook names are arguments, as the tools print them.
"""
from __future__ import annotations

from . import grader, journeys, model, phrases  # noqa: F401 (journeys: the outcome.* ids of outcome_msg)
from .phrases import Msg

PARTS = ("through", "dies_at", "hooks", "nat_addr", "captures")
CAPTURE_KINDS = ("arp", "request", "reply")   # ARP frames, the traffic's requests, its replies

phrases.define({
    "predict.died": "it died in {where}: the {direction} #{journey} ({summary})",
    "predict.died_elsewhere": "you said {said}; {passed}died in {where}: the {direction} "
                              "#{journey} ({summary}), {detail}",
    "predict.passed_it": "it got through {hook} and ",
    "predict.passed_nothing": "it ",
    "predict.capture_wrong": "{iface}: you said {said}; its capture showed {got}",
    "predict.nothing": "nothing",
    "predict.kind.arp": "ARP",
    "predict.kind.request": "requests",
    "predict.kind.reply": "replies",
    "predict.where_reached": "{where}, reached from {chain} rule {pos}",
    "predict.got_through": "it got through: every request was answered",
    "predict.not_through": "it did not get through: {detail}",
    "predict.not_traced": "it did not get through: no request was traced",
    "predict.right_in_chain": "right: in its {chain} chain",
    "predict.right_in_chain_from": "right: in its {chain} chain, reached from {from_chain} rule {pos}",
    "predict.nothing_dropped": "you said {said}; nothing dropped it",
    "predict.nothing_dropped_detail": "you said {said}; nothing dropped it: {detail}",
    "predict.hooks.first_said": "first, you said {said}; the packet went to {got}",
    "predict.hooks.after_said": "after {prev}, you said {said}; the packet went to {got}",
    "predict.hooks.first_on": "first, the packet went on to {got}",
    "predict.hooks.after_on": "after {prev}, the packet went on to {got}",
    "predict.hooks.never": "the packet's last hook was {last}; it never reached {said}",
    "predict.hooks.none": "the packet reached no hook; it never reached {said}",
    "predict.nat_rewrote": "the kernel rewrote {field} {old} → {new} at {at}",
    "predict.nat_none": "the kernel rewrote no address of the first request",
    "predict.and": "{first}; {rest}",
})


def grade(prediction: dict | None, step, events: list[dict], result: dict) -> dict | None:
    """{"parts": [{part, said, kernel, right, hint, hint_msg}], "right": n, "total": n} or None.

    "Where does it die" is graded against where the traffic failed (``failed_journey``:
    a reply dropped after its request went through counts), not the first request."""
    if not prediction:
        return None
    first = grader.first_journey(result, step.traffic.proto, "request")
    failed = failed_journey(result, step.traffic.proto)
    ctx = {"events": events, "result": result, "first": first, "failed": failed,
           "drop": _drop(events, failed)}
    parts = [_PARTS[name](prediction[name], ctx) for name in PARTS if name in prediction]
    return {"parts": parts, "right": sum(p["right"] for p in parts), "total": len(parts)}


def _part(name, said, got, right, hint: Msg | str | None) -> dict:
    """One graded part; a hint that is plain text (an old journey's outcome) has no hint_msg."""
    msg = hint if isinstance(hint, Msg) else None
    text = msg.text() if msg else hint or ""
    return {"part": name, "said": said, "kernel": got, "right": right,
            "hint": text, "hint_msg": msg.wire() if msg else None}


def _outcome(journey: dict) -> Msg | str:
    """A journey's outcome detail: its message when the journey carries one."""
    w = journey.get("outcome_msg")
    return phrases.from_wire(w) if w else journey.get("outcome_detail", "")


def _label(key: str) -> str:
    fam, table, hook = key.split(":")
    return f"{fam} {table} {hook.upper()}"


def _hook_label(h: str) -> str:
    fam, hook = h.split(":")
    return f"{fam} {hook.upper()}"


def _drop(events: list[dict], journey: dict | None) -> dict | None:
    if journey is None:
        return None
    return next((e for e in events if e["journey"] == journey["id"] and e["verdict"] == "drop"
                 and e["source"] == "nftrace" and not e.get("probe")), None)


def failed_journey(result: dict, proto: str | None) -> dict | None:
    """Where the traffic failed: its first packet, request or reply, whose journey
    was dropped (a rule, a policy, or the kernel after a DNAT); when none of the
    traffic's own protocol was, the first dropped packet it depended on (the ARP
    a ping waits for)."""
    dropped = sorted((j for j in result.get("journeys", []) if j.get("outcome") == "dropped"
                      and j.get("drop_at")), key=lambda j: j.get("first_seq", 0))
    return (next((j for j in dropped if j.get("proto") == proto), None)
            or next(iter(dropped), None))


def box_of(drop_at: str) -> str | None:
    """``ip filter FORWARD`` (a journey's drop_at) -> the diagram's ``ip:filter:forward``."""
    parts = (drop_at or "").split()
    if len(parts) != 3:
        return None
    fam, table, chain = parts
    hook = model.hook_of(fam, chain) or chain.lower()
    return f"{fam}:{table}:{hook}" if model.find_table(fam, table, hook) else None


def _jump_to(events: list[dict], drop: dict) -> dict | None:
    """The jump that reached the user chain a drop is in (None: a base chain's drop)."""
    if not drop["base_chain"] or drop["chain"] == drop["base_chain"]:
        return None
    jumps = [e for e in events if e["journey"] == drop["journey"] and e["seq"] < drop["seq"]
             and e["verdict"] in ("jump", "goto") and e["target"] == drop["chain"]]
    return jumps[-1] if jumps else None


def _pos(jump: dict):
    return jump["rule_pos"] if jump["rule_pos"] is not None else "?"


def _died(ctx) -> Msg | str:
    """Where the traffic died, with how a user chain was reached."""
    drop, failed = ctx["drop"], ctx["failed"]
    if not drop:
        return failed["drop_at"]
    where = f"{drop['family']} {drop['table']} {drop['chain']}"
    jump = _jump_to(ctx["events"], drop)
    return phrases.msg("predict.where_reached", where=where, chain=jump["chain"],
                       pos=_pos(jump)) if jump else where


def _grade_through(said, ctx) -> dict:
    got, failed, first = bool(ctx["result"].get("ok")), ctx["failed"], ctx["first"]
    hint = None
    if said != got:
        if got:
            hint = phrases.msg("predict.got_through")
        elif failed:
            hint = phrases.msg("predict.died", where=_died(ctx), direction=failed["direction"],
                               journey=failed["id"], summary=failed["summary"])
        else:
            hint = (phrases.msg("predict.not_through", detail=_outcome(first)) if first
                    else phrases.msg("predict.not_traced"))
    return _part("through", said, got, said == got, hint)


def _grade_dies_at(said, ctx) -> dict:
    drop, failed, first, events = ctx["drop"], ctx["failed"], ctx["first"], ctx["events"]
    got = box_of(failed["drop_at"]) if failed else None
    right = said == got
    if right:
        inner = drop and drop["chain"] != drop["base_chain"] and drop["base_chain"]
        jump = _jump_to(events, drop) if inner else None
        hint = (phrases.msg("predict.right_in_chain_from", chain=drop["chain"],
                            from_chain=jump["chain"], pos=_pos(jump)) if jump
                else phrases.msg("predict.right_in_chain", chain=drop["chain"]) if inner
                else None if drop else _outcome(failed))
    elif failed is None:
        hint = (phrases.msg("predict.nothing_dropped_detail", said=_label(said),
                            detail=_outcome(first)) if first
                else phrases.msg("predict.nothing_dropped", said=_label(said)))
    else:
        passed = said.split(":")
        visited = [f"{f}:{h}" for f, h in failed["path"]]
        through = (phrases.msg("predict.passed_it", hook=_label(said).split(" ", 1)[1])
                   if f"{passed[0]}:{passed[2]}" in visited else phrases.msg("predict.passed_nothing"))
        hint = phrases.msg("predict.died_elsewhere", said=_label(said), passed=through,
                           where=_died(ctx), direction=failed["direction"],
                           journey=failed["id"], summary=failed["summary"],
                           detail=_outcome(failed))
    return _part("dies_at", said, got, right, hint)


def _grade_hooks(said, ctx) -> dict:
    first = ctx["first"]
    got = [f"{f}:{h}" for f, h in first["path"]] if first else []
    right = said == got
    hint = None
    if not right:
        n = next((i for i, (a, b) in enumerate(zip(said, got)) if a != b), min(len(said), len(got)))
        prev = _hook_label(got[n - 1]) if n else None
        if n < len(got) and n < len(said):
            hint = (phrases.msg("predict.hooks.after_said", prev=prev, said=_hook_label(said[n]),
                                got=_hook_label(got[n])) if prev else
                    phrases.msg("predict.hooks.first_said", said=_hook_label(said[n]),
                                got=_hook_label(got[n])))
        elif n < len(got):
            hint = (phrases.msg("predict.hooks.after_on", prev=prev, got=_hook_label(got[n]))
                    if prev else phrases.msg("predict.hooks.first_on", got=_hook_label(got[n])))
        elif n < len(said):
            hint = (phrases.msg("predict.hooks.never", last=_hook_label(got[-1]),
                                said=_hook_label(said[n])) if got
                    else phrases.msg("predict.hooks.none", said=_hook_label(said[n])))
    return _part("hooks", said, got, right, hint)


def _grade_nat_addr(said, ctx) -> dict:
    """The address (and the port, when the learner gave one) the first request
    carried after NAT."""
    nat = (ctx["first"] or {}).get("nat", [])
    rewrites = [n for n in nat if n["field"] in ("src", "dst")]
    addr, _, port = said.partition(":")
    got = [n["new"] for n in rewrites]
    right = addr in got
    if right and port:
        fld = next(n["field"] for n in rewrites if n["new"] == addr)
        ports = [n["new"] for n in nat if n["field"] == ("dport" if fld == "dst" else "sport")]
        kept = ctx["first"].get("dport" if fld == "dst" else "sport")
        right = int(port) in (ports or [kept])
    said_all = [phrases.msg("predict.nat_rewrote", field=n["field"], old=n["old"], new=n["new"],
                            at=n["at"]) for n in nat]
    hint = None if right else (_joined(said_all) if said_all else phrases.msg("predict.nat_none"))
    return _part("nat_addr", said, got[0] if got else None, right, hint)


def _joined(msgs: list[Msg]) -> Msg:
    """Several clauses as one hint: "a; b; c" in English, each language its own way."""
    return msgs[0] if len(msgs) == 1 else phrases.msg("predict.and", first=msgs[0],
                                                      rest=_joined(msgs[1:]))


def captured_kinds(result: dict, iface: str) -> list[str]:
    """What a capture showed of the run's traffic, in ``CAPTURE_KINDS``: ARP frames, and
    the packets of the journeys going each way (frames of no journey, IGMP, left out)."""
    direction = {j["id"]: j["direction"] for j in result.get("journeys", [])}
    got = set()
    for p in result.get("captures", {}).get(iface, []):
        if p.get("proto") == "arp":
            got.add("arp")
        elif p.get("journey") in direction:
            got.add(direction[p["journey"]])
    return [k for k in CAPTURE_KINDS if k in got]


def _grade_captures(said, ctx) -> dict:
    got = {iface: captured_kinds(ctx["result"], iface) for iface in said}
    wrong = [i for i in said if said[i] != got[i]]

    def words(kinds):
        return [phrases.msg(f"predict.kind.{k}") for k in kinds] or phrases.msg("predict.nothing")
    hint = _joined([phrases.msg("predict.capture_wrong", iface=i, said=words(said[i]),
                                got=words(got[i])) for i in wrong]) if wrong else None
    return _part("captures", said, got, not wrong, hint)


_PARTS = {"through": _grade_through, "dies_at": _grade_dies_at, "hooks": _grade_hooks,
          "nat_addr": _grade_nat_addr, "captures": _grade_captures}
