"""A sandbox's topology as data, like Mininet's ``Topo``: read once, used everywhere.

The sandbox builds it, the diagram draws it, and the tracker takes interface
roles from it (which host interfaces are bridge ports, which is the uplink)
instead of guessing from names.  Its elements (``core.elements``) carry the
lesson step that adds them, so the topology can be asked what exists at a
step (``at``) or what a run of steps adds (``added``); the questions about
interfaces (``links``, ``ports``, ``uplinks``, ``role``) are answered here only.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .elements import Bridge, Element, End, Link, Namespace, Route, Veth

__all__ = ["Topology", "Namespace", "Bridge", "Veth", "End", "Route", "Link", "KINDS"]

# TOML array name -> (Topology field, element type), in build order
KINDS = {"ns": ("namespaces", Namespace), "bridge": ("bridges", Bridge),
         "veth": ("veths", Veth), "route": ("routes", Route)}


@dataclass(frozen=True)
class Topology:
    name: str = ""
    namespaces: tuple[Namespace, ...] = ()
    bridges: tuple[Bridge, ...] = ()
    veths: tuple[Veth, ...] = ()
    routes: tuple[Route, ...] = ()
    extra: dict = field(default_factory=dict)   # top-level TOML keys not read here

    @classmethod
    def from_dict(cls, data) -> "Topology":
        """From the TOML data (``extends`` already merged); KeyError names a missing key."""
        if isinstance(data, Topology):
            return data
        elements = {attr: tuple(kind.from_toml(x) for x in data.get(key, []))
                    for key, (attr, kind) in KINDS.items()}
        extra = {k: v for k, v in data.items() if k not in KINDS and k != "name"}
        return cls(name=data.get("name", ""), extra=extra, **elements)

    def as_dict(self) -> dict:
        """The TOML form, as the lesson page sends it to the browser."""
        return {"name": self.name,
                **{key: [x.as_dict() for x in getattr(self, attr)] for key, (attr, _) in KINDS.items()},
                **self.extra}

    def get(self, key: str, default=None):
        """A value of the TOML form by key (for callers that read the topology as data)."""
        return self.as_dict().get(key, default)

    def elements(self) -> tuple[Element, ...]:
        return (*self.namespaces, *self.bridges, *self.veths, *self.routes)

    # -- steps --------------------------------------------------------------
    def _where(self, keep) -> "Topology":
        return Topology(self.name, *(tuple(x for x in getattr(self, attr) if keep(x.step))
                                     for attr, _ in KINDS.values()), extra=self.extra)

    def at(self, step: int) -> "Topology":
        """The topology once steps 1..``step`` have run (step 0: as the sandbox starts)."""
        return self._where(lambda s: s <= step)

    def added(self, after: int, upto: int) -> "Topology":
        """Only what steps ``after``+1..``upto`` add (``after`` -1: from the start)."""
        return self._where(lambda s: after < s <= upto)

    # -- names ----------------------------------------------------------------
    def namespace(self, name: str) -> Namespace | None:
        return next((n for n in self.namespaces if n.name == name), None)

    def namespace_names(self) -> tuple[str, ...]:
        return tuple(n.name for n in self.namespaces)

    def namespaces_named(self) -> tuple[str, ...]:
        """Every namespace an element lives in, in TOML order (to check they exist)."""
        return tuple([b.ns for b in self.bridges] + [e.ns for v in self.veths for e in v.ends]
                     + [r.ns for r in self.routes])

    # -- interfaces -----------------------------------------------------------
    def bridges_in(self, ns: str = "host") -> tuple[Bridge, ...]:
        return tuple(b for b in self.bridges if b.ns == ns)

    def links(self, ns: str = "host") -> tuple[Link, ...]:
        """Every veth end living in ``ns``, with its peer, in TOML order."""
        return tuple(Link(e, p, v) for v in self.veths
                     for e, p in ((v.end, v.peer), (v.peer, v.end)) if e.ns == ns)

    def ports(self, bridge: str | None = None, ns: str = "host") -> tuple[Link, ...]:
        """The veth ends in ``ns`` plugged into ``bridge`` (None: into any bridge)."""
        return tuple(ln for ln in self.links(ns) if ln.role == "bridge-port"
                     and (bridge is None or ln.end.master == bridge))

    def uplinks(self, ns: str = "host") -> tuple[Link, ...]:
        """The veth ends in ``ns`` that are routed links (no bridge)."""
        return tuple(ln for ln in self.links(ns) if ln.role == "uplink")

    def interfaces(self, ns: str = "host") -> tuple[str, ...]:
        """Names of the interfaces the topology puts in ``ns`` (bridges, veth ends)."""
        return tuple(b.name for b in self.bridges_in(ns)) + tuple(ln.end.name for ln in self.links(ns))

    def role(self, ifname: str | None, ns: str = "host") -> str | None:
        """``bridge``, ``bridge-port``, ``uplink`` (a routed link), ``loopback`` or None."""
        if not ifname:
            return None
        if ifname == "lo":
            return "loopback"
        if any(b.name == ifname for b in self.bridges_in(ns)):
            return "bridge"
        return next((ln.role for ln in self.links(ns) if ln.end.name == ifname), None)
