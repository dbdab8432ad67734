"""``manage.py trace --from NS --to ADDR ...``: the experiment flags, read into the
fields of a ``lab.experiment`` (which ``core.experiment`` checks, naming the field)."""
from __future__ import annotations

from ..core import errors, experiment


def add_arguments(parser):
    g = parser.add_argument_group("experiment (instead of a lesson: --from, --to, --proto)")
    g.add_argument("--from", dest="exp_from", metavar="NS", help="the namespace that sends")
    g.add_argument("--to", dest="exp_to", metavar="ADDR", help="the IPv4 address it sends to")
    g.add_argument("--proto", choices=experiment.PROTOS, default="icmp")
    g.add_argument("--port", type=int, default=None, help="tcp, udp: the destination port")
    g.add_argument("--count", type=int, default=None, help="packets (icmp, udp; tcp: 1)")
    g.add_argument("--size", type=int, default=None, help="payload bytes (icmp, udp)")
    g.add_argument("--ttl", type=int, default=None, help="the IP TTL")
    g.add_argument("--listen", action="append", default=[], metavar="NS:PROTO:PORT",
                   help="start a listener first, e.g. c1:tcp:8080 (repeat for several)")
    g.add_argument("--sysctl", action="append", default=[], metavar="[NS:]NAME=VALUE",
                   help="set an allowlisted sysctl first, e.g. net.ipv4.ip_forward=0")
    g.add_argument("--base", default="", metavar="LESSON[:STEP]",
                   help="start from that lesson step's sandbox (default: the plain docker bridge)")


def wanted(opts) -> bool:
    return bool(opts.get("exp_from") or opts.get("exp_to"))


def fields_of(opts) -> dict:
    """The experiment's fields from the flags; errors.InputError for a malformed flag."""
    listeners = []
    for spec in opts["listen"]:
        parts = spec.split(":")
        if len(parts) != 3 or not parts[2].isdigit():
            raise errors.InputError(f"--listen {spec!r}: NS:PROTO:PORT, e.g. c1:tcp:8080")
        listeners.append({"ns": parts[0], "proto": parts[1], "port": int(parts[2])})
    sysctls = []
    for spec in opts["sysctl"]:
        name, eq, value = spec.partition("=")
        if not eq:
            raise errors.InputError(f"--sysctl {spec!r}: NAME=VALUE, e.g. net.ipv4.ip_forward=0")
        ns, colon, name = name.rpartition(":")
        sysctls.append({"ns": ns if colon else "host", "name": name, "value": value})
    item = {"from": opts["exp_from"], "to": opts["exp_to"], "proto": opts["proto"]}
    for key in ("port", "count", "size", "ttl"):
        if opts[key] is not None:
            item[key] = opts[key]
    return {"base": opts["base"], "rules": list(opts["rule"]), "sysctls": sysctls,
            "listeners": listeners, "traffic": [item], "docker": opts.get("docker") or ""}
