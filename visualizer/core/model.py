"""The netfilter / bridge hook graph as pure data: no I/O, no kernel.

Families, hooks, tables with their priorities, and the decisions between
them.  The diagram, the lesson registry and the expected paths in tests are
all drawn from here, so there is one place that says what Linux does.

Priorities are the kernel's (``include/uapi/linux/netfilter_ipv4.h`` and
``netfilter_bridge.h``).  ``available`` is False for tables this kernel lacks
(the ebtables ``broute`` table is not in ebtables-nft here).
"""
from __future__ import annotations

from dataclasses import dataclass

FAMILIES = ("bridge", "ip")
HOOKS = ("prerouting", "input", "forward", "output", "postrouting")

# Chain names as iptables / ebtables users write them.
CHAIN_OF_HOOK = {h: h.upper() for h in HOOKS}
HOOK_OF_CHAIN = {v: k for k, v in CHAIN_OF_HOOK.items()}
HOOK_OF_CHAIN["BROUTING"] = "prerouting"


@dataclass(frozen=True)
class Table:
    """One table attached to one hook of one family, at a priority."""

    family: str
    name: str
    hook: str
    priority: int
    available: bool = True
    note: str = ""

    @property
    def key(self) -> str:
        return f"{self.family}:{self.name}:{self.hook}"

    @property
    def chain(self) -> str:
        return "BROUTING" if self.name == "broute" else CHAIN_OF_HOOK[self.hook]


_NO_BROUTE = "This kernel's ebtables-nft has no broute table."

TABLES: tuple[Table, ...] = (
    # bridge family (ebtables): NF_BR_PRI_* values
    Table("bridge", "broute", "prerouting", -450, available=False, note=_NO_BROUTE),
    Table("bridge", "nat", "prerouting", -300),
    Table("bridge", "filter", "input", -200),
    Table("bridge", "filter", "forward", -200),
    Table("bridge", "nat", "output", 100),
    # ebtables-nft registers every filter chain at NF_BR_PRI_FILTER_BRIDGED (-200),
    # OUTPUT included (ebtables-legacy had filter OUTPUT at +200).
    Table("bridge", "filter", "output", -200),
    Table("bridge", "nat", "postrouting", 300),
    # ip family (iptables): NF_IP_PRI_* values
    Table("ip", "raw", "prerouting", -300),
    Table("ip", "mangle", "prerouting", -150),
    Table("ip", "nat", "prerouting", -100),
    Table("ip", "mangle", "input", -150),
    Table("ip", "filter", "input", 0),
    Table("ip", "nat", "input", 100),
    Table("ip", "mangle", "forward", -150),
    Table("ip", "filter", "forward", 0),
    Table("ip", "raw", "output", -300),
    Table("ip", "mangle", "output", -150),
    Table("ip", "nat", "output", -100),
    Table("ip", "filter", "output", 0),
    Table("ip", "mangle", "postrouting", -150),
    Table("ip", "nat", "postrouting", 100),
)

# Conntrack runs between raw and mangle; it is drawn as a marker, not a table.
CONNTRACK_PRIORITY = -200
# The sandbox's own tracing tables (bridge, and ip input): chains at -301 that set nftrace,
# strictly ahead of ebtables nat PREROUTING and ip raw (-300): chains of equal priority
# run in registration order, which would make the order depend on how rules loaded.
TRACE_TABLE = "trace"
TRACE_PRIORITY = -301

TABLE_NAMES = {f: tuple(sorted({t.name for t in TABLES if t.family == f})) for f in FAMILIES}


def tables_at(family: str, hook: str) -> list[Table]:
    """Tables of ``family`` at ``hook``, in the order the kernel runs them."""
    return sorted((t for t in TABLES if t.family == family and t.hook == hook),
                  key=lambda t: t.priority)


def find_table(family: str, name: str, hook: str) -> Table | None:
    for t in TABLES:
        if (t.family, t.name, t.hook) == (family, name, hook):
            return t
    return None


def is_known(family: str, table: str, hook: str | None = None) -> bool:
    """True if the model knows this family/table (and hook, if given)."""
    if family not in FAMILIES:
        return False
    if table == TRACE_TABLE:
        return hook is None or hook in HOOKS
    if hook is None:
        return table in TABLE_NAMES[family]
    return find_table(family, table, hook) is not None


@dataclass(frozen=True)
class Stage:
    """A point on a packet's way: a (family, hook) or a decision."""

    id: str
    label: str
    family: str | None = None
    hook: str | None = None
    decision: bool = False


DECISIONS = {
    "bridge-decision": Stage("bridge-decision", "bridge decision (FDB)", decision=True),
    "routing-decision": Stage("routing-decision", "routing decision", decision=True),
    "output-routing": Stage("output-routing", "output routing", decision=True),
    "local-process": Stage("local-process", "local process", decision=True),
}

# Edges of the graph a packet can travel.  With br_netfilter, the ip hooks of
# a bridged IPv4 packet are called from inside the bridge hooks, right after
# the bridge hook's own tables: that is why the ip stages follow each bridge
# stage below.
EDGES: tuple[tuple[str, str], ...] = (
    ("bridge:prerouting", "ip:prerouting"),
    ("ip:prerouting", "bridge-decision"),
    ("bridge-decision", "bridge:forward"),
    ("bridge-decision", "bridge:input"),
    ("bridge:forward", "ip:forward"),
    ("ip:forward", "bridge:postrouting"),
    ("bridge:postrouting", "ip:postrouting"),
    ("bridge:input", "routing-decision"),
    ("ip:prerouting", "routing-decision"),
    ("routing-decision", "ip:input"),
    ("routing-decision", "ip:forward"),
    ("ip:input", "local-process"),
    ("local-process", "output-routing"),
    ("output-routing", "ip:output"),
    ("ip:output", "ip:postrouting"),
    ("ip:postrouting", "bridge:output"),
    ("bridge:output", "bridge:postrouting"),
)

# Expected (family, hook) sequences of whole journeys, by scenario.
PATHS: dict[str, tuple[tuple[str, str], ...]] = {
    # c1 -> c2 on the same bridge, br_netfilter on
    "bridged": (("bridge", "prerouting"), ("ip", "prerouting"), ("bridge", "forward"),
                ("ip", "forward"), ("bridge", "postrouting"), ("ip", "postrouting")),
    # c1 -> c2 with bridge-nf-call-iptables=0: only the bridge family
    "bridged-no-brnf": (("bridge", "prerouting"), ("bridge", "forward"),
                        ("bridge", "postrouting")),
    # host -> c1 through docker0
    "local-to-bridge": (("ip", "output"), ("ip", "postrouting"), ("bridge", "output"),
                        ("bridge", "postrouting")),
    # c1 -> host (addressed to docker0)
    "bridge-to-local": (("bridge", "prerouting"), ("ip", "prerouting"), ("bridge", "input"),
                        ("ip", "input")),
    # c1 -> wan: in on the bridge, routed out of eth0
    "bridge-to-routed": (("bridge", "prerouting"), ("ip", "prerouting"), ("bridge", "input"),
                         ("ip", "forward"), ("ip", "postrouting")),
    # wan -> c1: routed in on eth0, out through the bridge
    "routed-to-bridge": (("ip", "prerouting"), ("ip", "forward"), ("ip", "postrouting"),
                         ("bridge", "output"), ("bridge", "postrouting")),
    # host -> wan, no bridge at all
    "local-to-routed": (("ip", "output"), ("ip", "postrouting")),
    # wan -> the host's own address on eth0
    "routed-to-local": (("ip", "prerouting"), ("ip", "input")),
    # host -> c1 while the bridge has not learnt c1's MAC: flooded, a copy by every port
    "local-to-bridge-flooded": (("ip", "output"), ("ip", "postrouting"), ("bridge", "output"),
                                ("bridge", "postrouting")),
    # wan -> c1, flooded the same way
    "routed-to-bridge-flooded": (("ip", "prerouting"), ("ip", "forward"), ("ip", "postrouting"),
                                 ("bridge", "output"), ("bridge", "postrouting")),
    # c1 -> an unlearnt MAC on a bridge of three ports or more: a copy by every other port
    "bridged-flooded": (("bridge", "prerouting"), ("ip", "prerouting"), ("bridge", "forward"),
                        ("ip", "forward"), ("bridge", "postrouting"), ("ip", "postrouting")),
    # c1 -> c1 through the bridge (hairpin mode on its port): out by the port it came in by
    "hairpin": (("bridge", "prerouting"), ("ip", "prerouting"), ("bridge", "forward"),
                ("ip", "forward"), ("bridge", "postrouting"), ("ip", "postrouting")),
}

# Keys that ask more of a journey than its hook order (``grader.path_problem`` checks it).
# "flooded": it left the bridge by two ports or more (br_flood clones the frame: the hooks
# from the bridge's first out hook on come once per port, in port order); a path without
# this mark is left by one port.  "hairpin": its bridge FORWARD names the same port as in
# and out device ("bridged" takes a hairpin frame too: its hooks are in that order).
PATH_KIND = {"local-to-bridge-flooded": "flooded", "routed-to-bridge-flooded": "flooded",
             "bridged-flooded": "flooded", "hairpin": "hairpin"}


def hook_of(family: str, chain: str) -> str | None:
    """The hook a base chain named like iptables/ebtables' sits on."""
    return HOOK_OF_CHAIN.get(chain.upper())


def as_dict() -> dict:
    """The whole model as JSON-able data (for the browser)."""
    return {
        "families": list(FAMILIES),
        "hooks": list(HOOKS),
        "tables": [
            {"key": t.key, "family": t.family, "name": t.name, "hook": t.hook,
             "chain": t.chain, "priority": t.priority, "available": t.available,
             "note": t.note}
            for t in TABLES
        ],
        "edges": [list(e) for e in EDGES],
        "decisions": [{"id": d.id, "label": d.label} for d in DECISIONS.values()],
        "paths": {k: [list(s) for s in v] for k, v in PATHS.items()},
    }
