"""The lab's line protocol: one JSON object per line, validated both ways.

Requests (client -> lab): ``{"id": int, "op": str, ...}`` with op one of
``run`` (owner, lesson, step, rules), ``release`` (owner), ``snapshot``
(owner), ``warm`` (lesson), ``ping``.  Replies carry the request's id and a
dotted ``type``: lab.status, trace.event, traffic.output, lab.result,
lab.error, or lab.reply (the final answer of non-run ops).
"""
from __future__ import annotations

import json

from . import rulecheck

MAX_LINE = 1 << 20
OPS = {"run": {"owner", "lesson", "step", "rules", "oracle"}, "release": {"owner"},
       "snapshot": {"owner"}, "warm": {"lesson", "count"}, "ping": set()}
REPLY_TYPES = {"lab.status", "trace.event", "traffic.output", "lab.result", "lab.error",
               "lab.reply"}
FINAL_TYPES = {"lab.result", "lab.error", "lab.reply"}


class ProtocolError(ValueError):
    pass


def encode(obj: dict) -> bytes:
    return (json.dumps(obj, separators=(",", ":"), default=str) + "\n").encode()


def encode_reply(rid: int, msg: dict) -> bytes:
    """A reply line, its id first: ``{"id":7,"type":...}``.  A trace event line is then
    the websocket's message behind a short prefix (``split_event``), so the web side
    passes it on without decoding and encoding every event."""
    return encode({"id": rid, **msg})


EVENT_TEXT_HEAD = '{"type":"trace.event","event":'     # an event as the page receives it
_EVENT_AFTER_ID = b'"type":"trace.event",'


def split_event(line: bytes) -> tuple[int, str] | None:
    """(id, websocket text) of a trace event reply line, None for any other line."""
    if not line.startswith(b'{"id":'):
        return None
    comma = line.find(b",", 6, 30)
    if comma < 0 or not line.startswith(_EVENT_AFTER_ID, comma + 1):
        return None
    try:
        rid = int(line[6:comma])
    except ValueError:
        return None
    return rid, "{" + line[comma + 1:].rstrip(b"\n").decode("utf-8", "replace")


def check_rules(rules) -> list[str]:
    """The learner rules of a request, checked by the one rule validator."""
    try:
        return rulecheck.check_list(rules)
    except rulecheck.RuleRefused as e:
        raise ProtocolError(e.message) from None


def decode_request(line: bytes) -> dict:
    if len(line) > MAX_LINE:
        raise ProtocolError("request too large")
    try:
        req = json.loads(line)
    except ValueError as e:
        raise ProtocolError(f"not JSON: {e}") from e
    if not isinstance(req, dict) or not isinstance(req.get("id"), int):
        raise ProtocolError("a request is an object with an integer id")
    op = req.get("op")
    if op not in OPS:
        raise ProtocolError(f"unknown op {op!r}")
    extra = set(req) - OPS[op] - {"id", "op"}
    if extra:
        raise ProtocolError(f"unexpected keys for {op}: {sorted(extra)}")
    for key in OPS[op] - {"step", "rules", "oracle", "count"}:
        if not isinstance(req.get(key), str) or not req[key] or len(req[key]) > 200:
            raise ProtocolError(f"{op} needs a string {key}")
    if op == "warm" and req.get("count") is not None:
        c = req["count"]
        if not isinstance(c, int) or isinstance(c, bool) or not 0 <= c <= 10000:
            raise ProtocolError("count must be an integer from 0 to 10000")
    if op == "run":
        step = req.get("step")
        if step is not None and (not isinstance(step, int) or isinstance(step, bool) or step < 1):
            raise ProtocolError("step must be a positive integer")
        req["rules"] = check_rules(req.get("rules"))
    return req


def decode_reply(line: bytes) -> dict:
    msg = json.loads(line)
    if not isinstance(msg, dict) or msg.get("type") not in REPLY_TYPES:
        raise ProtocolError(f"unexpected reply from the lab: {line[:200]!r}")
    return msg
