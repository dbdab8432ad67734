"""A step's traffic: what a namespace sends (ping, tcp, udp, http), as an argv, and a
``traffic`` table or list of tables read from ``lesson.toml``.  Pure."""
from __future__ import annotations

import ipaddress
import shlex
from dataclasses import dataclass, field, replace

from . import errors, gradekeys
from .errors import say

TRAFFIC_KINDS = ("ping", "tcp", "udp", "http", "none")
HTTP_CONNECT_S, HTTP_MAX_S = 2, 3  # curl gives up connecting, and on the whole request
MAX_TRAFFIC_ITEMS = 6         # traffic items one step (or experiment) runs in order
MAX_BETWEEN = 12              # actions a traffic list may hold between (and after) them


class LessonError(errors.InputError):
    """A lesson folder that does not load, with the reason (``lessons.LessonError``: it
    lives here because a step's traffic is read here)."""


@dataclass(frozen=True)
class Traffic:
    kind: str = "ping"          # ping | tcp | udp | http | none
    src: str = "c1"             # namespace that sends
    dst: str = ""               # address
    count: int = 3
    port: int = 0
    tool: str = ""              # tcp: telnet | nc (default telnet)
    size: int = 0               # ping: payload bytes (-s); udp: datagram payload bytes
    ttl: int = 0                # ping (-t), tcp with nc (-M), udp: the IP TTL (0: the default)
    expect: dict = field(default_factory=dict)   # this item's own expectations (a list's item)
    before: tuple = ()          # actions a traffic list runs just before this item
    after: tuple = ()           # inspect actions a list ends with, run after the last item

    def command(self) -> list[str]:
        """The argv that runs in namespace ``src`` (``udp-send``: the lab's own sender,
        ``lab/udpsend.py``, run by the lab's Python: Debian's nc cannot send a count)."""
        if self.kind == "ping":
            return ["ping", "-n", "-c", str(self.count), "-i", "0.2", "-W", "1",
                    *(["-s", str(self.size)] if self.size else []),
                    *(["-t", str(self.ttl)] if self.ttl else []), self.dst]
        if self.kind == "tcp":
            if self.tool == "nc" or self.ttl:
                return ["nc", "-v", "-z", "-w", "2", *(["-M", str(self.ttl)] if self.ttl else []),
                        self.dst, str(self.port)]
            return ["telnet", self.dst, str(self.port)]
        if self.kind == "udp":
            return ["udp-send", self.dst, str(self.port), str(self.count),
                    str(self.size or 16), str(self.ttl)]
        if self.kind == "http":     # one GET; -i prints the status line and headers
            return ["curl", "-sS", "-i", "--noproxy", "*", "--connect-timeout",
                    str(HTTP_CONNECT_S), "--max-time", str(HTTP_MAX_S),
                    f"http://{self.dst}:{self.port or 80}/"]
        return []

    def describe(self) -> str:
        return f"{self.src}$ " + shlex.join(self.command()) if self.kind != "none" else ""

    @property
    def proto(self) -> str | None:
        """The protocol of the packets it sends: what a step's expectations are about."""
        return {"ping": "icmp", "tcp": "tcp", "udp": "udp", "http": "tcp"}.get(self.kind)



LISTEN_PROTOS = ("tcp", "udp", "http")


def check_listener(port: str, proto: str) -> None:
    """A listener: a port, and ``proto`` tcp (nc, the default), udp (nc -u) or http (the
    lab's own server of one fixed response, ``lab/httpserve.py``)."""
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        raise LessonError(say("error.lesson.listen_port", value=repr(port)))
    if proto not in LISTEN_PROTOS:
        raise LessonError(say("error.lesson.listen_proto", protos=", ".join(LISTEN_PROTOS),
                              value=repr(proto)))


def listen_command(proto: str, port: str) -> str:
    """What a listener runs, as a step shows it."""
    if proto == "http":
        return f"http-serve {port}"
    return f"nc {'-u ' if proto == 'udp' else ''}-l -k {port}"


TRAFFIC_KEYS = {f for f in Traffic.__dataclass_fields__} - {"before", "after"} | {"from", "to"}
# kinds of action a traffic list may hold between its items: none changes the rules
# (the run's rule index is loaded once, before the traffic)
BETWEEN_KINDS = ("ip", "bridge", "sysctl", "inspect")


def items(where: str, raw, action=None) -> tuple[Traffic, ...]:
    """A step's ``traffic``: one table, or a list of them run in order (at most
    MAX_TRAFFIC_ITEMS traffic items); each may carry its own ``expect``.  A list may
    hold actions (``action(table)`` reads one) between them, run before the next item.
    A bad one is a LessonError naming it, never a raw TypeError or ValueError."""
    listed = raw if isinstance(raw, list) else [raw]
    acts = [i for i in listed if isinstance(i, dict) and set(i) & set(BETWEEN_KINDS + ("ns",))
            and not set(i) & {"kind", "from", "to", "src", "dst"}]
    if not listed or len(listed) - len(acts) > MAX_TRAFFIC_ITEMS or len(acts) > MAX_BETWEEN:
        raise LessonError(errors.at(where, 
            "error.lesson.traffic_list", most=MAX_TRAFFIC_ITEMS, actions=MAX_BETWEEN,
            count=len(listed)))
    out, pending = [], []
    for n, item in enumerate(listed, start=1):
        at = f"{where}: traffic item {n}" if isinstance(raw, list) else f"{where}: traffic"
        if not isinstance(item, dict):
            raise LessonError(say("error.lesson.not_table", at=at, value=repr(item)))
        if any(item is a for a in acts):
            pending.append(_between(at, item, action))
            continue
        unknown = sorted(set(item) - TRAFFIC_KEYS)
        if unknown:
            raise LessonError(errors.at(at, 
                "error.lesson.unknown_keys", keys=", ".join(unknown)))
        t = dict(item)
        if "from" in t:
            t["src"] = t.pop("from")
        if "to" in t:
            t["dst"] = t.pop("to")
        if not isinstance(t.get("expect", {}), dict):
            raise LessonError(errors.at(at, "error.lesson.expect_table"))
        gradekeys.validate(t.get("expect", {}), at)
        for key in ("count", "port", "size", "ttl"):
            if key in t and (isinstance(t[key], bool) or not isinstance(t[key], int)):
                raise LessonError(errors.at(at, 
                    "error.lesson.whole_number", key=repr(key), value=repr(t[key])))
        traffic = Traffic(**t, before=tuple(pending))
        if traffic.kind not in TRAFFIC_KINDS:
            raise LessonError(errors.at(at, 
                "error.lesson.traffic_kind", value=repr(traffic.kind)))
        if traffic.kind == "http":
            traffic = _http(at, traffic)
        out.append(traffic)
        pending = []
    if not out or any(a.kind != "inspect" for a in pending):
        raise LessonError(errors.at(where, "error.lesson.traffic_end"))
    if pending:
        out[-1] = replace(out[-1], after=tuple(pending))
    return tuple(out)


def _http(at: str, t: Traffic) -> Traffic:
    """An ``http`` item: one request to an IPv4 address (the URL curl gets is built from
    it), port 80 unless it names one."""
    try:
        ipaddress.IPv4Address(t.dst)
    except ValueError:
        raise LessonError(errors.at(at, 
            "error.lesson.http_to", value=repr(t.dst))) from None
    if not 0 <= t.port <= 65535:
        raise LessonError(errors.at(at, 
            "error.lesson.port", value=t.port))
    return replace(t, port=t.port or 80, count=1)


def _between(at: str, item: dict, action):
    """One action of a traffic list, read by ``action`` (``lessons._action``)."""
    kinds = [k for k in item if k in BETWEEN_KINDS]
    if action is None or len(kinds) != 1:
        raise LessonError(errors.at(at, 
            "error.lesson.between", kinds=", ".join(BETWEEN_KINDS), value=repr(item)))
    try:
        return action(item)
    except LessonError as e:
        raise LessonError(errors.at(at, e.msg or e.message)) from None
