"""A sandbox's topology as data, like Mininet's ``Topo``: read once, used everywhere.

The sandbox builds it, the diagram draws it, and the tracker takes interface
roles from it (which host interfaces are bridge ports, which is the uplink)
instead of guessing from names.  Elements carry the lesson step that adds
them (``step``, default 0), so the topology can be asked for what exists at
a given step.
"""
from __future__ import annotations

from dataclasses import dataclass, field

KINDS = ("ns", "bridge", "veth", "route")


@dataclass(frozen=True)
class Topology:
    name: str = ""
    ns: tuple = ()
    bridge: tuple = ()
    veth: tuple = ()
    route: tuple = ()
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict) -> "Topology":
        if isinstance(data, Topology):
            return data
        known = {k: tuple(dict(x) for x in data.get(k, [])) for k in KINDS}
        extra = {k: v for k, v in data.items() if k not in KINDS and k != "name"}
        return cls(name=data.get("name", ""), extra=extra, **known)

    # dict-style access, for code that reads the topology as TOML data
    def __getitem__(self, key: str):
        if key in KINDS:
            return list(getattr(self, key))
        if key == "name":
            return self.name
        return self.extra[key]

    def __contains__(self, key: str) -> bool:
        return key in KINDS or key == "name" or key in self.extra

    def get(self, key: str, default=None):
        try:
            return self[key]
        except KeyError:
            return default

    def as_dict(self) -> dict:
        return {"name": self.name, **{k: [dict(x) for x in getattr(self, k)] for k in KINDS},
                **self.extra}

    # -- questions --------------------------------------------------------
    def at_step(self, step: int) -> "Topology":
        """Only the elements that exist once steps 1..``step`` have run."""
        pick = (lambda items: tuple(x for x in items if int(x.get("step", 0)) <= step))
        return Topology(self.name, *(pick(getattr(self, k)) for k in KINDS), extra=self.extra)

    def role(self, ifname: str | None, ns: str = "host") -> str | None:
        """``bridge``, ``bridge-port``, ``uplink`` (a routed link), ``loopback`` or None."""
        if not ifname:
            return None
        if ifname == "lo":
            return "loopback"
        if any(b["ns"] == ns and b["name"] == ifname for b in self.bridge):
            return "bridge"
        for v in self.veth:
            if v["ns"] == ns and v["name"] == ifname:
                return "bridge-port" if v.get("master") else "uplink"
            if v["peer_ns"] == ns and v["peer_name"] == ifname:
                return "uplink"
        return None
