"""A topology's elements, typed: one frozen dataclass per kind of TOML table.

A topology.toml lists ``[[ns]]``, ``[[bridge]]``, ``[[veth]]`` and ``[[route]]``
tables; each becomes a ``Namespace``, ``Bridge``, ``Veth`` (a pair of ``End``s)
or ``Route`` carrying the lesson step that adds it (``step``, default 0).
Addresses are not elements of their own: the TOML gives them on the bridge
or veth end they belong to.

``as_dict()`` gives a table back as it was written, key for key and in its
order, keys this code does not read included: the lesson page sends the
topology to the browser in that form, so the JSON stays what the TOML says.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar


@dataclass(frozen=True, kw_only=True)
class Element:
    """What every element has: the step that adds it, and its TOML table's shape."""

    step: int = 0
    # The table's keys in their order, and the keys this code does not read:
    # only as_dict() uses them (equality and hashing ignore them).
    keys: tuple[str, ...] = field(default=(), compare=False, repr=False)
    extra: tuple[tuple[str, Any], ...] = field(default=(), compare=False, repr=False)
    KIND: ClassVar[str] = ""
    TOML: ClassVar[tuple[str, ...]] = ()        # the keys _read understands

    @classmethod
    def from_toml(cls, table: Mapping):
        """An element from its TOML table; KeyError names a required key it lacks."""
        if isinstance(table, cls):
            return table
        given = {k: v for k, v in table.items() if k in cls.TOML}
        extra = tuple((k, v) for k, v in table.items() if k not in cls.TOML and k != "step")
        return cls(**cls._read(given), step=int(table.get("step", 0)),
                   keys=tuple(table), extra=extra)

    @classmethod
    def _read(cls, t: Mapping) -> dict:
        raise NotImplementedError

    def _toml(self) -> dict:
        raise NotImplementedError

    def as_dict(self) -> dict:
        """The TOML table: the keys it was read from, in order (made in code: the set ones)."""
        known = {**dict(self.extra), **self._toml(), "step": self.step}
        keys = self.keys or tuple(k for k, v in known.items()
                                  if v not in (None, (), [], {}, "") and (k != "step" or v))
        return {k: known[k] for k in keys}


def _tuple(value) -> tuple:
    return tuple(value or ())


@dataclass(frozen=True, kw_only=True)
class Namespace(Element):
    """A network namespace; ``sysctls`` are written into it when it is made."""

    name: str
    sysctls: tuple[tuple[str, Any], ...] = ()
    KIND: ClassVar[str] = "ns"
    TOML: ClassVar[tuple[str, ...]] = ("name", "sysctls")

    @classmethod
    def _read(cls, t):
        return {"name": t["name"], "sysctls": tuple(dict(t.get("sysctls", {})).items())}

    def _toml(self):
        return {"name": self.name, "sysctls": dict(self.sysctls)}


@dataclass(frozen=True, kw_only=True)
class Bridge(Element):
    """A Linux bridge in namespace ``ns``, with the host's own addresses on it."""

    ns: str
    name: str
    addresses: tuple[str, ...] = ()
    mac: str | None = None
    KIND: ClassVar[str] = "bridge"
    TOML: ClassVar[tuple[str, ...]] = ("ns", "name", "addresses", "mac")

    @classmethod
    def _read(cls, t):
        return {"ns": t["ns"], "name": t["name"], "addresses": _tuple(t.get("addresses")),
                "mac": t.get("mac")}

    def _toml(self):
        return {"ns": self.ns, "name": self.name, "addresses": list(self.addresses),
                "mac": self.mac}


@dataclass(frozen=True)
class End:
    """One end of a veth pair: the interface ``name`` living in namespace ``ns``;
    ``master`` is the bridge it is a port of (None: a routed link)."""

    ns: str
    name: str
    addresses: tuple[str, ...] = ()
    mac: str | None = None
    master: str | None = None


@dataclass(frozen=True, kw_only=True)
class Veth(Element):
    """A veth pair: ``end`` (the TOML's ns/name/master...) and ``peer`` (its peer_*)."""

    end: End
    peer: End
    KIND: ClassVar[str] = "veth"
    TOML: ClassVar[tuple[str, ...]] = ("ns", "name", "addresses", "mac", "master",
                                       "peer_ns", "peer_name", "peer_addresses", "peer_mac")

    @classmethod
    def _read(cls, t):
        end = End(t["ns"], t["name"], _tuple(t.get("addresses")), t.get("mac"), t.get("master"))
        peer = End(t["peer_ns"], t["peer_name"], _tuple(t.get("peer_addresses")), t.get("peer_mac"))
        return {"end": end, "peer": peer}

    def _toml(self):
        e, p = self.end, self.peer
        return {"ns": e.ns, "name": e.name, "addresses": list(e.addresses), "mac": e.mac,
                "master": e.master, "peer_ns": p.ns, "peer_name": p.name,
                "peer_addresses": list(p.addresses), "peer_mac": p.mac}

    @property
    def ends(self) -> tuple[End, End]:
        return (self.end, self.peer)


@dataclass(frozen=True, kw_only=True)
class Route(Element):
    """A route in namespace ``ns``: ``dst`` via ``gateway`` or out of device ``dev``."""

    ns: str
    dst: str = "default"
    gateway: str | None = None
    dev: str | None = None
    KIND: ClassVar[str] = "route"
    TOML: ClassVar[tuple[str, ...]] = ("ns", "dst", "gateway", "dev")

    @classmethod
    def _read(cls, t):
        return {"ns": t["ns"], "dst": t.get("dst", "default"), "gateway": t.get("gateway"),
                "dev": t.get("dev")}

    def _toml(self):
        return {"ns": self.ns, "dst": self.dst, "gateway": self.gateway, "dev": self.dev}


@dataclass(frozen=True)
class Link:
    """A veth end as its namespace sees it: the interface, and the end across the cable."""

    end: End
    peer: End
    veth: Veth

    @property
    def role(self) -> str:
        """``bridge-port`` if the end is plugged into a bridge, else ``uplink`` (routed)."""
        return "bridge-port" if self.end.master else "uplink"
