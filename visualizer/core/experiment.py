"""An experiment: any traffic from any node, through the learner's rules, sysctls and
listeners, on a lesson step's sandbox or the plain docker bridge.  Pure.

``check`` validates every value of a ``lab.experiment`` (or the CLI's flags) and
names the field it refuses; ``as_step`` turns a checked experiment into the
(lesson, step) the lab runs like any lesson step, so the trace, journeys,
outcomes and explanations come out the same.  Nothing reaches a shell: every
value ends in an argv or a sysctl file name made from allowlisted parts.

The seam for what is not built yet (the experiment page, save-as-lesson,
permalinks, ``workshop.goto`` to an experiment): ``Experiment.as_dict`` is the
checked experiment as data, and every run's RESULT carries it as ``experiment``.
"""
from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, replace
from pathlib import Path

from . import dockersets, errors, lessons, rulecheck
from .errors import say
from .traffic import LISTEN_PROTOS as LISTEN_KINDS

PLAIN = "_plain"                 # the base "lesson" of an experiment on the plain docker bridge
PLAIN_TOPOLOGY, PLAIN_RULESETS = "docker-bridge", ("docker",)
PROTOS = ("icmp", "tcp", "udp", "http")
LISTEN_PROTOS = LISTEN_KINDS     # tcp, udp, http (the lab's server of one fixed response)
MAX_ITEMS = lessons.MAX_TRAFFIC_ITEMS
MAX_LISTENERS = 4
MAX_SYSCTLS = 8
MAX_COUNT = 10
MAX_SIZE = 1400                  # payload bytes: one frame on a 1500-byte link
MAX_TTL = 255
# The sysctls an experiment may set: name pattern -> allowed values.  ``<dev>``
# stands for an interface of the namespace (or all/default).
SYSCTLS = {
    "net.ipv4.ip_forward": ("0", "1"),
    "net.bridge.bridge-nf-call-iptables": ("0", "1"),
    "net.bridge.bridge-nf-call-arptables": ("0", "1"),
    "net.bridge.bridge-nf-call-ip6tables": ("0", "1"),
    "net.ipv4.icmp_echo_ignore_all": ("0", "1"),
    "net.ipv4.conf.<dev>.route_localnet": ("0", "1"),
    "net.ipv4.conf.<dev>.rp_filter": ("0", "1", "2"),
    "net.ipv4.conf.<dev>.forwarding": ("0", "1"),
    "net.ipv4.conf.<dev>.accept_local": ("0", "1"),
}
_DEV = re.compile(r"net\.ipv4\.conf\.([^.]+)\.([a-z_]+)")
_BASE = re.compile(r"([a-z0-9][a-z0-9-]{0,99})(?::(\d{1,5}))?")


_PROTO_OF = {"ping": "icmp", "tcp": "tcp", "udp": "udp", "http": "http"}   # kind -> proto


class ExperimentError(errors.InputError):
    """A value of an experiment it will not run; the message names the field."""


@dataclass(frozen=True)
class Experiment:
    base: str                       # lesson slug, or PLAIN
    base_step: int                  # the step whose state it starts from (0: PLAIN)
    rules: tuple[str, ...] = ()
    sysctls: tuple[tuple[str, str, str], ...] = ()    # (ns, name, value)
    listeners: tuple[tuple[str, str, int], ...] = ()  # (ns, proto, port)
    traffic: tuple[lessons.Traffic, ...] = ()
    docker: str = ""                # a docker ruleset's name (dockersets); "": the base's

    def as_dict(self) -> dict:
        """The checked experiment as data (the wire's shape)."""
        return {"base": "" if self.base == PLAIN else f"{self.base}:{self.base_step}",
                "rules": list(self.rules),
                "sysctls": [{"ns": n, "name": k, "value": v} for n, k, v in self.sysctls],
                "listeners": [{"ns": n, "proto": p, "port": port}
                              for n, p, port in self.listeners],
                "traffic": [{"from": t.src, "to": t.dst, "proto": _PROTO_OF.get(t.kind),
                             "port": t.port,
                             "count": t.count, "size": t.size, "ttl": t.ttl}
                            for t in self.traffic],
                "docker": self.docker}


def plain_lesson(root: Path) -> lessons.Lesson:
    """The plain docker bridge as a one-step lesson: docker's rules, nothing changed."""
    topology = lessons.load_topology(root, PLAIN_TOPOLOGY)
    step = lessons.Step(number=1, title="The plain docker bridge", explain="",
                        traffic=lessons.Traffic(kind="none"))
    return lessons.Lesson(slug=PLAIN, title="Experiment", summary="", seeds=(), scenario="",
                          topology=topology, rulesets=PLAIN_RULESETS,
                          rules={"iptables": "", "ebtables": [], "nft": ""}, steps=(step,),
                          root=root)


def base_lesson(slug: str, known: dict, root: Path) -> lessons.Lesson:
    """The lesson an experiment's base names (PLAIN: the plain docker bridge)."""
    if slug == PLAIN:
        return plain_lesson(root)
    if slug not in known:
        _fail("base", say("error.exp.unknown_lesson", value=repr(slug[:100])))
    return known[slug]


def _fail(field: str, why):
    """Refuse ``field``: the message names it, then says why (a catalogue message)."""
    raise ExperimentError(errors.at(field, why))


def _int(field: str, value, lo: int, hi: int, default: int | None = None) -> int:
    if value is None and default is not None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        _fail(field, say("error.exp.whole_number", lo=lo, hi=hi, value=repr(str(value)[:40])))
    if not lo <= value <= hi:
        _fail(field, say("error.exp.range", lo=lo, hi=hi, value=value))
    return value


def _str(field: str, value, max_len: int = 100) -> str:
    if not isinstance(value, str) or not value:
        _fail(field, say("error.exp.string"))
    if len(value) > max_len:
        _fail(field, say("error.exp.too_long", most=max_len))
    return value


def _ns(field: str, value, names: list[str]) -> str:
    value = _str(field, value)
    if value not in names:
        _fail(field, say("error.exp.namespace", value=repr(value[:40]), names=", ".join(names)))
    return value


def _list(field: str, value, limit: int) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        _fail(field, say("error.exp.list"))
    if len(value) > limit:
        _fail(field, say("error.exp.too_many", count=len(value), most=limit))
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            _fail(f"{field}[{i}]", say("error.exp.object"))
    return value


def parse_base(value) -> tuple[str, int | None]:
    """``"lesson"`` / ``"lesson:step"`` / ``""`` (the plain bridge) -> (slug, step or None)."""
    if value in (None, ""):
        return PLAIN, 0
    value = _str("base", value, 110)
    m = _BASE.fullmatch(value)
    if not m:
        _fail("base", say("error.exp.base", value=repr(value[:40])))
    return m.group(1), int(m.group(2)) if m.group(2) else None


def check(data: dict, known: dict, root: Path, max_rules: int = rulecheck.MAX_RULES,
          max_rule_len: int = rulecheck.MAX_RULE_LEN) -> Experiment:
    """``{base, rules, sysctls, listeners, traffic}`` -> an Experiment, or
    ExperimentError naming the first bad field.  ``known``: the lesson registry."""
    slug, step = parse_base(data.get("base"))
    lesson = base_lesson(slug, known, root)
    if slug != PLAIN:
        n = len(lesson.steps)
        step = _int("base", step, 1, n, default=n)
    names = lesson.topology.namespace_names()
    try:
        rules = rulecheck.check_list(data.get("rules"), max_rules, max_rule_len)
    except rulecheck.RuleRefused as e:
        raise ExperimentError(errors.at("rules", e.msg or e.message),
                              e.kind) from None
    sysctls = tuple(_sysctl(f"sysctls[{i}]", s, lesson)
                    for i, s in enumerate(_list("sysctls", data.get("sysctls"), MAX_SYSCTLS)))
    listeners = tuple(_listener(f"listeners[{i}]", x, names)
                      for i, x in enumerate(_list("listeners", data.get("listeners"),
                                                  MAX_LISTENERS)))
    items = _list("traffic", data.get("traffic"), MAX_ITEMS)
    if not items:
        _fail("traffic", say("error.exp.no_traffic"))
    traffic = tuple(_traffic(f"traffic[{i}]", t, names) for i, t in enumerate(items))
    docker = data.get("docker") or ""
    if docker and dockersets.unknown(str(docker)):
        _fail("docker", say("error.docker.unknown", name=repr(str(docker)[:40]),
                            names=", ".join(dockersets.DOCKER)))
    return Experiment(slug, step, tuple(rules), sysctls, listeners, traffic, str(docker))


def _sysctl(field: str, raw: dict, lesson: lessons.Lesson) -> tuple[str, str, str]:
    names = lesson.topology.namespace_names()
    ns = _ns(f"{field}.ns", raw.get("ns", "host"), names)
    name = _str(f"{field}.name", raw.get("name"))
    pattern = name
    m = _DEV.fullmatch(name)
    if m:
        devs = set(lesson.topology.interfaces(ns)) | {"all", "default"}
        if m.group(1) not in devs:
            _fail(f"{field}.name", say("error.exp.no_interface", ns=ns, dev=repr(m.group(1)[:20]),
                                       devs=", ".join(sorted(devs))))
        pattern = f"net.ipv4.conf.<dev>.{m.group(2)}"
    if pattern not in SYSCTLS:
        _fail(f"{field}.name", say("error.exp.sysctl", value=repr(name[:60]),
                                   allowed=", ".join(SYSCTLS)))
    value = raw.get("value")
    value = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if value not in SYSCTLS[pattern]:
        _fail(f"{field}.value", say("error.exp.sysctl_value", name=name,
                                    values=" | ".join(SYSCTLS[pattern]), value=repr(str(value)[:20])))
    return ns, name, value


def _listener(field: str, raw: dict, names: list[str]) -> tuple[str, str, int]:
    ns = _ns(f"{field}.ns", raw.get("ns"), names)
    proto = raw.get("proto", "tcp")
    if proto not in LISTEN_PROTOS:
        _fail(f"{field}.proto", say("error.exp.listen_proto", protos=", ".join(LISTEN_PROTOS),
                                    value=repr(str(proto)[:20])))
    return ns, proto, _int(f"{field}.port", raw.get("port"), 1, 65535)


def _traffic(field: str, raw: dict, names: list[str]) -> lessons.Traffic:
    src = _ns(f"{field}.from", raw.get("from"), names)
    to = _str(f"{field}.to", raw.get("to"), 45)
    try:
        addr = ipaddress.IPv4Address(to)
    except ValueError:
        _fail(f"{field}.to", say("error.exp.address", value=repr(to[:45])))
    if addr.is_multicast or addr == ipaddress.IPv4Address("255.255.255.255"):
        _fail(f"{field}.to", say("error.exp.unicast"))
    proto = raw.get("proto", "icmp")
    if proto not in PROTOS:
        _fail(f"{field}.proto", say("error.exp.proto", protos=", ".join(PROTOS),
                                    value=repr(str(proto)[:20])))
    port = 0
    if proto != "icmp":
        port = _int(f"{field}.port", raw.get("port"), 1, 65535,
                    default=80 if proto == "http" else None)
    elif raw.get("port") not in (None, 0):
        _fail(f"{field}.port", say("error.exp.icmp_port"))
    one = proto in ("tcp", "http")
    count = _int(f"{field}.count", raw.get("count"), 1, MAX_COUNT, default=1 if one else 3)
    if one and count != 1:
        _fail(f"{field}.count", say(f"error.exp.{proto}_count"))
    size = _int(f"{field}.size", raw.get("size"), 0, MAX_SIZE, default=0)
    if one and size:
        _fail(f"{field}.size", say(f"error.exp.{proto}_size"))
    ttl = _int(f"{field}.ttl", raw.get("ttl"), 0, MAX_TTL, default=0)
    if proto == "http" and ttl:
        _fail(f"{field}.ttl", say("error.exp.http_ttl"))
    kind = {v: k for k, v in _PROTO_OF.items()}[proto]
    return lessons.Traffic(kind=kind, src=src, dst=str(addr), count=count, port=port,
                           tool="nc" if proto == "tcp" else "", size=size, ttl=ttl)


def as_step(exp: Experiment, known: dict, root: Path) -> tuple[lessons.Lesson, lessons.Step]:
    """The (lesson, step) the lab runs: the base's steps up to the base step, that step's
    own changes followed by the experiment's sysctls and listeners, and its traffic.  No
    expectations: the run is graded by what it observes."""
    lesson = base_lesson(exp.base, known, root)
    n = exp.base_step or 1
    base = lesson.steps[n - 1]
    actions = list(base.actions)
    actions += [lessons.Action(kind="sysctl", args=name, ns=ns, value=value)
                for ns, name, value in exp.sysctls]
    actions += [lessons.Action(kind="listen", args=str(port), ns=ns, value=proto)
                for ns, proto, port in exp.listeners]
    step = replace(base, actions=tuple(actions), traffic=exp.traffic[0],
                   traffic_items=exp.traffic if len(exp.traffic) > 1 else (),
                   expect={}, try_it=True, predict_captures=())
    return replace(lesson, steps=lesson.steps[:n - 1] + (step,)), step
