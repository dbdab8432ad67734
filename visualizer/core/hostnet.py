"""What the topology says of the host's interfaces, for the explainer's derived
statements: an interface's address (MASQUERADE's new source), the device whose
network holds an address, whether the far side of a routed link can route back
to an address.  Every sentence built on these says it was worked out from the
topology: the kernel's events do not carry them.
"""
from __future__ import annotations

import ipaddress

from .topology import Topology


class HostNet:
    def __init__(self, topo: Topology):
        self.topo = topo
        self.masters = {ln.end.name: ln.end.master for ln in topo.ports()}
        self.macs = {b.name: (b.mac or "").lower() for b in topo.bridges_in("host")}
        # a namespace's MAC behind a bridge port -> (the port, the namespace)
        self.behind = {ln.peer.mac.lower(): (ln.end.name, ln.peer.ns) for ln in topo.ports()
                       if ln.peer.mac}
        self._addrs: dict[str, tuple] = {}
        for b in topo.bridges_in("host"):
            self._addrs[b.name] = b.addresses
        for ln in topo.links("host"):
            self._addrs[ln.end.name] = ln.end.addresses

    def address(self, ifname: str | None) -> str | None:
        """The first address the topology gives a host interface (derived, not the kernel's)."""
        addrs = self._addrs.get(ifname or "")
        return addrs[0].split("/", 1)[0] if addrs else None

    def device_to(self, addr: str) -> str | None:
        """The host interface whose network (in the topology) holds ``addr``."""
        try:
            ip = ipaddress.ip_address(addr)
        except ValueError:
            return None
        for name, addrs in self._addrs.items():
            if any(ip in ipaddress.ip_interface(a).network for a in addrs if "/" in a):
                return name
        return None

    def routes_back(self, ifname: str, addr: str) -> bool:
        """Whether the namespace across ``ifname`` (a routed link) has, in the topology,
        a route or an address that covers ``addr``."""
        ip = ipaddress.ip_address(addr)
        link = next((ln for ln in self.topo.uplinks() if ln.end.name == ifname), None)
        if link is None:
            return True
        nets = [ipaddress.ip_interface(a).network for a in link.peer.addresses if "/" in a]
        for r in self.topo.routes:
            if r.ns == link.peer.ns:
                if r.dst == "default":
                    return True
                nets.append(ipaddress.ip_network(r.dst, strict=False))
        return any(ip in n for n in nets)

    def network_of(self, ifname: str, addr: str) -> str:
        ip = ipaddress.ip_address(addr)
        return next(str(ipaddress.ip_interface(a).network) for a in self._addrs[ifname]
                    if "/" in a and ip in ipaddress.ip_interface(a).network)
