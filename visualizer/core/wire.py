"""How a message on the wire is declared and checked (the declarations are in
``messages.py``).

A :class:`Message` names its route (a websocket, the channel layer, the lab's
line protocol), who sends it, and its fields: each with a type, whether it is
required, and its limits, some of which come from the one ``LabConfig`` (the
rule count and length).  One validator, :func:`check`, serves every receiver:
the consumers, the lab client and the lab server.  :func:`build` is how a
sender makes one: it refuses a field the declaration does not name, so what is
sent is what ``docs/engine-api.md`` lists (a test compares the two).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable

from . import errors
from .errors import say
from .config import LabConfig

# field type -> (Python types, its name in the docs, its name in an error message)
TYPES: dict[str, tuple] = {
    "str": ((str,), "string", "a string"), "int": ((int,), "integer", "an integer"),
    "bool": ((bool,), "boolean", "true or false"), "float": ((int, float), "number", "a number"),
    "list": ((list,), "list", "a list"), "dict": ((dict,), "object", "an object"),
    "any": ((object,), "any JSON", "a value")}
MAX_DEPTH = 32          # deeper JSON than this is refused before it is decoded


@dataclass(frozen=True)
class Field:
    """One field: ``type`` is a key of :data:`TYPES`; ``max_len`` bounds a string
    (or ``max_items`` a list) and may be a ``LabConfig`` attribute's name;
    ``check(value, cfg)`` returns the cleaned value or raises ``errors.Error``."""

    name: str
    type: str = "any"
    doc: str = ""
    required: bool = False
    null: bool = False
    min: int | None = None
    max: int | None = None
    max_len: int | str | None = None
    max_items: int | str | None = None
    choices: tuple = ()
    check: Callable[[Any, LabConfig], Any] | None = None


@dataclass(frozen=True)
class Message:
    """A message type on one route.  ``key`` is the field that names it (``type``,
    or ``op`` for a lab request); ``open`` lets it carry more fields than these
    (a result carries the whole RESULT object, documented as such)."""

    type: str
    route: str
    sender: str
    fields: tuple[Field, ...] = ()
    doc: str = ""
    key: str = "type"
    open: bool = False
    names: frozenset = field(init=False, default=frozenset())

    def __post_init__(self):
        object.__setattr__(self, "names", frozenset(f.name for f in self.fields))


class Registry:
    """Every declared message, by (route, type)."""

    def __init__(self, messages: list[Message]):
        self.all = list(messages)
        self.by_key = {(m.route, m.type): m for m in self.all}
        if len(self.by_key) != len(self.all):
            raise ValueError("a message type is declared twice on one route")
        self._accepted: dict[tuple, list[Message]] = {}
        for m in self.all:
            self._accepted.setdefault((m.route, m.sender), []).append(m)

    def get(self, route: str, type_: str) -> Message:
        try:
            return self.by_key[(route, type_)]
        except KeyError:
            raise KeyError(f"no message {type_!r} is declared on route {route!r}") from None

    def accepted(self, route: str, sender: str) -> list[Message]:
        return self._accepted.get((route, sender), [])


def _limit(value, cfg: LabConfig):
    return getattr(cfg, value) if isinstance(value, str) else value


def check_field(f: Field, value, cfg: LabConfig):
    """One field's value, checked against its declaration; returns the clean value."""
    if value is None:
        if f.null or not f.required:
            return None
        raise errors.InputError(_must_be(f))
    wrong_bool = isinstance(value, bool) != (f.type == "bool") and f.type != "any"
    if wrong_bool or not isinstance(value, TYPES[f.type][0]):
        raise errors.InputError(_must_be(f))
    if f.type == "int" and ((f.min is not None and value < f.min)
                            or (f.max is not None and value > f.max)):
        raise errors.InputError(say("error.wire.range", field=f.name, lo=f.min, hi=f.max))
    if f.type == "str" and f.max_len is not None and len(value) > _limit(f.max_len, cfg):
        raise errors.InputError(say("error.wire.too_long", field=f.name, most=_limit(f.max_len, cfg)))
    if f.type == "list" and f.max_items is not None and len(value) > _limit(f.max_items, cfg):
        raise errors.InputError(say("error.wire.too_many", field=f.name, count=len(value),
                                    most=_limit(f.max_items, cfg)))
    if f.choices and value not in f.choices:
        raise errors.InputError(say("error.wire.choice", field=f.name, choices=", ".join(map(str, f.choices))))
    return f.check(value, cfg) if f.check else value


def _must_be(f: Field):
    return say("error.wire.type", field=f.name, what=say(f"error.wire.what.{f.type}"))


def check(reg: Registry, route: str, data, cfg: LabConfig | None = None,
          sender: str = "client") -> tuple[Message, dict]:
    """A decoded message received on ``route`` -> (its declaration, its clean fields);
    ``errors.InputError`` naming what is wrong otherwise."""
    cfg = cfg or LabConfig()
    accepted = reg.accepted(route, sender)
    key = accepted[0].key if accepted else "type"
    example = ", ".join(repr(m.type) for m in accepted)
    if not isinstance(data, dict) or not isinstance(data.get(key), str):
        raise errors.InputError(say("error.wire.not_object", key=repr(key), example=example))
    msg = next((m for m in accepted if m.type == data[key]), None)
    if msg is None:
        raise errors.InputError(say("error.wire.unknown_type", key=key, value=repr(data[key][:40]),
                                    example=example))
    extra = sorted(set(data) - msg.names - {key, "id"})
    if extra and not msg.open:
        allowed = ", ".join(f.name for f in msg.fields) or say("error.wire.nothing_else")
        raise errors.InputError(say("error.wire.unknown_keys", type=msg.type,
                                    keys=", ".join(x[:40] for x in extra), allowed=allowed))
    clean = {f.name: check_field(f, data.get(f.name), cfg) for f in msg.fields}
    return msg, clean


def build(reg: Registry, route: str, type_: str, fields: dict) -> dict:
    """A message to send: ``{"type": type_, **fields}``, refusing an undeclared field."""
    msg = reg.get(route, type_)
    if not msg.open:
        extra = set(fields) - msg.names
        if extra:
            raise TypeError(f"{type_} on {route} declares no field {sorted(extra)}")
    return {msg.key: type_, **fields} if msg.key else dict(fields)


def too_deep(text: str, limit: int = MAX_DEPTH) -> bool:
    """Nesting deeper than ``limit`` (counted outside strings): refused before
    ``json.loads``, which would recurse into it.  Text with fewer brackets than
    that is not walked at all (the common case: one count, in C)."""
    if text.count("[") + text.count("{") <= limit:
        return False
    depth, in_str, esc = 0, False, False
    for c in text:
        if in_str:
            if esc:
                esc = False
            elif c == "\\":
                esc = True
            elif c == '"':
                in_str = False
        elif c == '"':
            in_str = True
        elif c in "[{":
            depth += 1
            if depth > limit:
                return True
        elif c in "]}":
            depth -= 1
    return False


def decode(text: str | bytes | None, max_bytes: int) -> Any:
    """Websocket or line text -> JSON data; ``errors.InputError`` for a frame that is
    binary, too large, too deep or not JSON."""
    if text is None:
        raise errors.InputError(say("error.wire.binary"))
    raw = text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass")
    if len(raw) > max_bytes:
        raise errors.InputError(say("error.wire.too_large", size=len(raw), most=max_bytes))
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if too_deep(text):
        raise errors.InputError(say("error.wire.too_deep", most=MAX_DEPTH))
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as e:
        raise errors.InputError(say("error.wire.not_json", pos=getattr(e, "pos", 0) + 1)) from None


ROUTE_TITLES = {
    "lab": "`/ws/lab/`: the browser's lab socket",
    "workshop": "`/ws/workshop/`: a learner's page in a workshop",
    "board": "`/ws/board/<code>/`: an instructor's board",
    "group": "channel-layer messages between the web processes",
    "line": "the lab's line protocol (client ↔ lab process); requests are keyed by `op`, "
            "replies are the `lab` route's server messages plus `lab.reply`, each with the "
            "request's `id` first",
    "cli": "`manage.py trace --json`: JSON lines on stdout",
}


def _describe_field(f: Field) -> str:
    bits = [TYPES[f.type][1]]
    if f.required:
        bits.append("required")
    if f.null:
        bits.append("or null")
    if f.min is not None or f.max is not None:
        bits.append(f"{f.min}..{f.max}")
    for what, limit in (("characters", f.max_len), ("items", f.max_items)):
        if limit is not None:
            bits.append(f"at most {limit if isinstance(limit, int) else 'LabConfig.' + limit} "
                        f"{what}")
    if f.choices:
        bits.append("one of " + ", ".join(f"`{c}`" for c in f.choices))
    return f"  - `{f.name}` ({', '.join(bits)})" + (f": {f.doc}" if f.doc else "")


def describe(reg: Registry) -> str:
    """The messages as Markdown, route by route (``docs/engine-api.md`` holds this text)."""
    out: list[str] = []
    for route, title in ROUTE_TITLES.items():
        msgs = [m for m in reg.all if m.route == route]
        if not msgs:
            continue
        out.append(f"#### {title}")
        for m in msgs:
            who = "client → server" if m.sender == "client" else "server → client"
            more = "; and more fields, as described" if m.open else ""
            out.append(f"- `{m.type}` ({who}{more}): {m.doc}")
            out += [_describe_field(f) for f in m.fields]
        out.append("")
    return "\n".join(out)
