"""Predict, then watch the kernel decide: a learner's prediction, graded by the kernel.

Before a run the learner may say (each part optional):

- ``through``: will the traffic get through? (bool)
- ``dies_at``: if not, the box where it dies: a table key ``family:table:hook``
  (``ip:filter:forward``), as the diagram names its boxes;
- ``hooks``: the hooks the first request visits, in order (``["bridge:prerouting", ...]``);
- ``nat_addr``: the address the first request carries after NAT;
- ``captures``: what each capture the step names (``predict_captures``) will show:
  ``{"veth-c2": ["arp", "request"]}``, kinds from ``CAPTURE_KINDS``.

``grade`` compares each part with the kernel's events and the run's result,
and gives every wrong part a hint drawn from where the packet really went.
Pure: validated data in, a dict out.
"""
from __future__ import annotations

import ipaddress

from . import errors, grader, model, phrases

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
})

PARTS = ("through", "dies_at", "hooks", "nat_addr", "captures")
MAX_HOOKS = 16
CAPTURE_KINDS = ("arp", "request", "reply")   # ARP frames, the traffic's requests, its replies
MAX_CAPTURES = 8


class PredictionError(errors.InputError):
    """A prediction that is not well formed, with the reason."""


def offered(step) -> list[str]:
    """The parts a step asks the learner to predict."""
    if step.traffic.kind == "none":
        return []
    out = ["through", "dies_at"]
    if "path" in step.expect:
        out.append("hooks")
    if "nat" in step.expect:
        out.append("nat_addr")
    if getattr(step, "predict_captures", ()):     # a step-like object may not name any
        out.append("captures")
    return out


def check(data) -> dict | None:
    """A prediction from the wire -> a clean dict (None: the learner skipped)."""
    if data is None:
        return None
    if not isinstance(data, dict):
        raise PredictionError("'prediction' must be an object like {\"through\": false, "
                              "\"dies_at\": \"ip:filter:forward\"}")
    extra = sorted(set(data) - set(PARTS))
    if extra:
        raise PredictionError(f"unknown prediction part(s): {', '.join(extra)}; "
                              f"parts: {', '.join(PARTS)}")
    out = {}
    if data.get("through") is not None:
        if not isinstance(data["through"], bool):
            raise PredictionError("'through' must be true or false")
        out["through"] = data["through"]
    if data.get("dies_at") is not None:
        key = data["dies_at"]
        if not isinstance(key, str) or key.count(":") != 2 or not model.find_table(*key.split(":")):
            raise PredictionError(f"'dies_at' must name a table of the diagram, like "
                                  f"ip:filter:forward, not {str(key)[:60]!r}")
        out["dies_at"] = key
    if data.get("hooks") is not None:
        hooks = data["hooks"]
        if not isinstance(hooks, list) or len(hooks) > MAX_HOOKS or not all(
                isinstance(h, str) and h.count(":") == 1 and h.split(":")[0] in model.FAMILIES
                and h.split(":")[1] in model.HOOKS for h in hooks):
            raise PredictionError(f"'hooks' must be a list of at most {MAX_HOOKS} hooks like "
                                  "\"bridge:prerouting\"")
        out["hooks"] = list(hooks)
    if data.get("nat_addr") is not None:
        out["nat_addr"] = _nat_answer(data["nat_addr"])
    if data.get("captures") is not None:
        out["captures"] = _captures_answer(data["captures"])
    return out or None


def _captures_answer(value) -> dict:
    """``{iface: [kind, ...]}``: what each capture will show (an empty list: nothing)."""
    if not isinstance(value, dict) or not 0 < len(value) <= MAX_CAPTURES or not all(
            isinstance(k, str) and 0 < len(k) <= 32 and isinstance(v, list)
            and all(x in CAPTURE_KINDS for x in v) for k, v in value.items()):
        raise PredictionError(f"'captures' must be an object of at most {MAX_CAPTURES} "
                              f"interfaces, each a list of {', '.join(CAPTURE_KINDS)}, like "
                              '{"veth-c2": ["arp"]}')
    return {k: sorted(set(v), key=CAPTURE_KINDS.index) for k, v in value.items()}


def _nat_answer(value) -> str:
    """``203.0.113.10`` or ``172.17.0.2:80`` (the form the lessons write a DNAT's
    target in), normalised; anything else is refused."""
    addr, sep, port = str(value).strip().partition(":")
    try:
        out = str(ipaddress.IPv4Address(addr))
        if sep:
            if not port.isdigit() or not 0 < int(port) < 65536:
                raise ValueError
            out += f":{int(port)}"
    except ValueError:
        raise PredictionError("'nat_addr' must be an IPv4 address like 203.0.113.10, "
                              "or an address and port like 172.17.0.2:80") from None
    return out


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


def _how_reached(events: list[dict], drop: dict) -> str:
    """``, reached from FORWARD rule 2`` when the drop is in a user chain."""
    if not drop["base_chain"] or drop["chain"] == drop["base_chain"]:
        return ""
    jumps = [e for e in events if e["journey"] == drop["journey"] and e["seq"] < drop["seq"]
             and e["verdict"] in ("jump", "goto") and e["target"] == drop["chain"]]
    if not jumps:
        return ""
    j = jumps[-1]
    return f", reached from {j['chain']} rule {j['rule_pos'] if j['rule_pos'] is not None else '?'}"


def _where(drop: dict) -> str:
    return f"{drop['family']} {drop['table']} {drop['chain']}"


def grade(prediction: dict | None, step, events: list[dict], result: dict) -> dict | None:
    """{"parts": [{part, said, kernel, right, hint}], "right": n, "total": n} or None.

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


def _part(name, said, got, right, hint) -> dict:
    return {"part": name, "said": said, "kernel": got, "right": right, "hint": hint}


def _died(ctx) -> str:
    """Where the traffic died, in words, with how a user chain was reached."""
    drop, failed = ctx["drop"], ctx["failed"]
    if drop:
        return f"{_where(drop)}{_how_reached(ctx['events'], drop)}"
    return failed["drop_at"]


def _grade_through(said, ctx) -> dict:
    got, failed, first = bool(ctx["result"].get("ok")), ctx["failed"], ctx["first"]
    hint = ""
    if said != got:
        if got:
            hint = "it got through: every request was answered"
        elif failed:
            hint = phrases.render("predict.died", where=_died(ctx), direction=failed["direction"],
                                  journey=failed["id"], summary=failed["summary"])
        else:
            hint = (f"it did not get through: {first['outcome_detail']}" if first
                    else "it did not get through: no request was traced")
    return _part("through", said, got, said == got, hint)


def _grade_dies_at(said, ctx) -> dict:
    drop, failed, first, events = ctx["drop"], ctx["failed"], ctx["first"], ctx["events"]
    got = box_of(failed["drop_at"]) if failed else None
    right = said == got
    if right:
        inner = drop and drop["chain"] != drop["base_chain"] and drop["base_chain"]
        hint = (f"right: in its {drop['chain']} chain{_how_reached(events, drop)}"
                if inner else "" if drop else failed["outcome_detail"])
    elif failed is None:
        hint = (f"you said {_label(said)}; nothing dropped it"
                + (f": {first['outcome_detail']}" if first else ""))
    else:
        passed = said.split(":")
        visited = [f"{f}:{h}" for f, h in failed["path"]]
        through = (phrases.render("predict.passed_it", hook=_label(said).split(" ", 1)[1])
                   if f"{passed[0]}:{passed[2]}" in visited else phrases.render("predict.passed_nothing"))
        hint = phrases.render("predict.died_elsewhere", said=_label(said), passed=through,
                              where=_died(ctx), direction=failed["direction"],
                              journey=failed["id"], summary=failed["summary"],
                              detail=failed["outcome_detail"])
    return _part("dies_at", said, got, right, hint)


def _grade_hooks(said, ctx) -> dict:
    first = ctx["first"]
    got = [f"{f}:{h}" for f, h in first["path"]] if first else []
    right = said == got
    hint = ""
    if not right:
        n = next((i for i, (a, b) in enumerate(zip(said, got)) if a != b), min(len(said), len(got)))
        before = f"after {_hook_label(got[n - 1])}" if n else "first"
        if n < len(got) and n < len(said):
            hint = f"{before}, you said {_hook_label(said[n])}; the packet went to {_hook_label(got[n])}"
        elif n < len(got):
            hint = f"{before}, the packet went on to {_hook_label(got[n])}"
        elif n < len(said):
            hint = f"the packet's last hook was {_hook_label(got[-1]) if got else 'none'}; " \
                   f"it never reached {_hook_label(said[n])}"
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
    hint = "" if right else ("; ".join(f"the kernel rewrote {n['field']} {n['old']} → {n['new']} "
                                       f"at {n['at']}" for n in nat)
                             or "the kernel rewrote no address of the first request")
    return _part("nat_addr", said, got[0] if got else None, right, hint)


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
        return ", ".join(phrases.render(f"predict.kind.{k}") for k in kinds) or phrases.render(
            "predict.nothing")
    hint = "; ".join(phrases.render("predict.capture_wrong", iface=i, said=words(said[i]),
                                    got=words(got[i])) for i in wrong)
    return _part("captures", said, got, not wrong, hint)


_PARTS = {"through": _grade_through, "dies_at": _grade_dies_at, "hooks": _grade_hooks,
          "nat_addr": _grade_nat_addr, "captures": _grade_captures}


def attach(result: dict, prediction: dict | None, step, events: list[dict]) -> dict:
    """Put the prediction and its grade in a run's result (``lab.result``, the CLI's)."""
    if prediction:
        result["prediction"] = prediction
        result["prediction_grade"] = grade(prediction, step, events, result)
    return result


def parse_cli(items: list[str]) -> dict | None:
    """``--predict`` values (``through=no``, ``dies_at=ip:filter:forward``,
    ``hooks=bridge:prerouting,ip:prerouting``, ``nat_addr=203.0.113.10``,
    ``captures=veth-c1:arp+request,veth-c2:``) -> a prediction."""
    data: dict = {}
    for item in items:
        key, sep, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key:
            raise PredictionError(f"--predict takes PART=VALUE, not {item!r}")
        if key == "through":
            if value.lower() not in ("yes", "no", "true", "false"):
                raise PredictionError("through=yes or through=no")
            data[key] = value.lower() in ("yes", "true")
        elif key == "hooks":
            data[key] = [h.strip() for h in value.split(",") if h.strip()]
        elif key == "captures":
            pairs = [x.strip().rpartition(":") for x in value.split(",") if x.strip()]
            data[key] = {i: [k for k in kinds.split("+") if k] for i, _, kinds in pairs}
        else:
            data[key] = value
    return check(data)
