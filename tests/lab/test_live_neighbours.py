"""A run's neighbour (ARP) entries go with its result: the kernel keeps one neighbour
table for every namespace of the machine, and a thousand held sandboxes keeping
theirs filled it (``gc_thresh3``), so later runs' pings failed."""
from __future__ import annotations

from tests.conftest import in_private_namespaces

SCRIPT = r"""
import asyncio, json, socket, sys
sys.path.insert(0, sys.argv[1])
from visualizer.core import lessons
from visualizer.lab import rtnl, server, session
from visualizer.lab.netns import in_netns
server.private_run()

def count(ns):
    # a dump of the namespace's learnt entries, without deleting them
    out = subprocess.run(["ip", "-n", ns, "neigh", "show", "nud", "all"], capture_output=True,
                         text=True, timeout=10).stdout
    return len([ln for ln in out.splitlines() if ln.strip() and "PERMANENT" not in ln
                and "NOARP" not in ln])

import subprocess
async def main():
    lesson = lessons.get("container-to-container")
    sb = await session.prepare("n1", lesson)
    try:
        seen = []
        real = sb.forget_neighbours
        def spy():
            seen.append({n: count(sb.ns(n)) for n in sb.namespaces})
            return real()
        sb.forget_neighbours = spy
        res = await session.run_step(sb, lesson, lesson.step(1), [], lambda m: None)
        after = {n: count(sb.ns(n)) for n in sb.namespaces}
        subprocess.run(["ip", "-n", sb.ns("c1"), "neigh", "add", "172.17.0.99", "lladdr",
                        "02:00:00:00:00:99", "dev", "eth0", "nud", "permanent"], check=True, timeout=10)
        kept = sb.forget_neighbours()
        perm = subprocess.run(["ip", "-n", sb.ns("c1"), "neigh", "show", "172.17.0.99"],
                              capture_output=True, text=True, timeout=10).stdout
        print(json.dumps({"ok": res["ok"], "before": seen[0], "after": after, "kept": kept,
                          "permanent": perm}))
    finally:
        sb.close()

asyncio.run(main())
"""


def test_a_held_sandbox_keeps_no_learnt_neighbours(live_lab):
    out = in_private_namespaces(SCRIPT, timeout=120)
    assert out["ok"] and sum(out["before"].values()) >= 2, out    # the ping learnt c1 <-> c2
    assert sum(out["after"].values()) == 0, out
    assert out["kept"] == 0 and "PERMANENT" in out["permanent"], out   # a static entry stays
