"""The lab's line protocol: one JSON object a line, checked by the one validator.

Requests (client -> lab) are ``{"id": int, "op": str, ...}``, the ``line``
route's client messages in ``messages.py``.  Replies carry the request's id
first, then a dotted ``type``: the ``lab`` route's server messages, or
``lab.reply`` (the final answer of an op other than ``run``).  A request the
lab refuses is answered on its own id, whenever the line names one.
"""
from __future__ import annotations

import json
import re

from . import errors, messages, wire
from .config import LabConfig

MAX_LINE = 1 << 20
REPLY_TYPES = {m.type for m in messages.REGISTRY.accepted("lab", "server")} | {"lab.reply"}
FINAL_TYPES = {"lab.result", "lab.error", "lab.reply"}
_ID = re.compile(rb'^\s*\{\s*"id"\s*:\s*(-?\d{1,18})\s*[,}]')


class ProtocolError(errors.InputError):
    """A request line the lab will not take; ``rid`` is the id it named (or -1)."""

    def __init__(self, err: errors.Error, rid: int):
        super().__init__(err.msg or err.message, err.kind)
        self.rid = rid


def encode(obj: dict) -> bytes:
    return (json.dumps(obj, separators=(",", ":"), default=str) + "\n").encode()


def encode_request(rid: int, op: str, **fields) -> bytes:
    """A request line, its id first (so a refusal can name it even if the rest is bad)."""
    line = encode({"id": rid, **messages.request(op, **fields)})
    if len(line) > MAX_LINE:
        raise errors.InputError(errors.say("error.line.too_large", size=len(line), most=MAX_LINE))
    return line


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


def request_id(line: bytes) -> int:
    """The id a request line names, read without decoding it (-1: none)."""
    m = _ID.match(line[:64])
    return int(m.group(1)) if m else -1


def decode_request(line: bytes, cfg: LabConfig | None = None) -> dict:
    """A request line -> its clean fields with ``id`` and ``op``; :class:`ProtocolError`
    (with the line's own id) when it is not one, with the limits of ``cfg``."""
    rid = request_id(line)
    try:
        data = wire.decode(line, MAX_LINE)
        if isinstance(data, dict) and (isinstance(data.get("id"), bool)
                                       or not isinstance(data.get("id"), int)):
            raise errors.InputError(errors.say("error.line.no_id"))
        msg, clean = wire.check(messages.REGISTRY, "line", data, cfg)
    except errors.Error as e:
        raise ProtocolError(e, rid) from None
    return {"id": data["id"], "op": msg.type, **clean}


def decode_reply(line: bytes) -> dict:
    msg = json.loads(line)
    if not isinstance(msg, dict) or msg.get("type") not in REPLY_TYPES:
        raise ValueError(f"unexpected reply from the lab: {line[:200]!r}")
    return msg
