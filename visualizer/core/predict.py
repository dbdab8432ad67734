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
and gives every wrong part a hint drawn from where the packet really went
(``predictgrade``). Pure: validated data in, a dict out.
"""
from __future__ import annotations

import ipaddress

from . import errors, model
from .errors import say
from .predictgrade import (CAPTURE_KINDS, PARTS, box_of, captured_kinds,  # noqa: F401 (the API)
                           failed_journey, grade)

MAX_HOOKS = 16
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
        raise PredictionError(say("error.predict.object",
                                  example='{"through": false, "dies_at": "ip:filter:forward"}'))
    extra = sorted(set(data) - set(PARTS))
    if extra:
        raise PredictionError(say("error.predict.parts", parts=", ".join(extra),
                                  known=", ".join(PARTS)))
    out = {}
    if data.get("through") is not None:
        if not isinstance(data["through"], bool):
            raise PredictionError(say("error.predict.through"))
        out["through"] = data["through"]
    if data.get("dies_at") is not None:
        key = data["dies_at"]
        if not isinstance(key, str) or key.count(":") != 2 or not model.find_table(*key.split(":")):
            raise PredictionError(say("error.predict.dies_at", value=repr(str(key)[:60])))
        out["dies_at"] = key
    if data.get("hooks") is not None:
        hooks = data["hooks"]
        if not isinstance(hooks, list) or len(hooks) > MAX_HOOKS or not all(
                isinstance(h, str) and h.count(":") == 1 and h.split(":")[0] in model.FAMILIES
                and h.split(":")[1] in model.HOOKS for h in hooks):
            raise PredictionError(say("error.predict.hooks", most=MAX_HOOKS))
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
        raise PredictionError(say("error.predict.captures", most=MAX_CAPTURES,
                                  kinds=", ".join(CAPTURE_KINDS), example='{"veth-c2": ["arp"]}'))
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
        raise PredictionError(say("error.predict.nat_addr")) from None
    return out


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
            raise PredictionError(say("error.predict.cli_form", value=repr(item)))
        if key == "through":
            if value.lower() not in ("yes", "no", "true", "false"):
                raise PredictionError(say("error.predict.cli_through"))
            data[key] = value.lower() in ("yes", "true")
        elif key == "hooks":
            data[key] = [h.strip() for h in value.split(",") if h.strip()]
        elif key == "captures":
            pairs = [x.strip().rpartition(":") for x in value.split(",") if x.strip()]
            data[key] = {i: [k for k in kinds.split("+") if k] for i, _, kinds in pairs}
        else:
            data[key] = value
    return check(data)
