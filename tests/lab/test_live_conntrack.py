"""The conntrack table built from the kernel's conntrack events equals a table dump,
in real sandboxes after real traffic (NAT included)."""
from __future__ import annotations

from tests.conftest import in_private_namespaces

SCRIPT = r"""
import asyncio, json, sys
sys.path.insert(0, sys.argv[1])
from visualizer.core import lessons
from visualizer.lab import conntrack, server, session
server.private_run()
out = []

async def main():
    for slug, step in (("container-to-external", 2), ("conntrack", 3), ("external-to-container", 1)):
        lesson = lessons.get(slug)
        sb = await session.prepare(f"c{len(out)}", lesson)
        try:
            real, conntrack.Conntrack = conntrack.Conntrack, None     # a run must not dump
            try:
                res = await session.run_step(sb, lesson, lesson.step(step), [], lambda m: None)
            finally:
                conntrack.Conntrack = real
            dump = conntrack.read(sb.ns("host"))
            out.append({"slug": slug, "step": step, "events": res["conntrack"], "dump": dump})
        finally:
            sb.close()
    print(json.dumps(out))

asyncio.run(main())
"""


def test_the_table_from_events_is_the_dump(live_lab):
    for case in in_private_namespaces(SCRIPT):
        ev = {e["id"]: e for e in case["events"]}
        dump = {e["id"]: e for e in case["dump"]}
        assert dump and set(ev) == set(dump), case
        for cid, d in dump.items():
            e = ev[cid]
            # the timeout is as of the entry's last event: the dump's has run on since
            assert d["timeout"] <= e["timeout"], (case["slug"], e, d)
            assert {k: v for k, v in e.items() if k != "timeout"} == \
                {k: v for k, v in d.items() if k != "timeout"}, (case["slug"], e, d)
        if case["slug"] == "container-to-external":
            assert any(e["nat"] and "SNAT" in e["nat"] for e in case["events"])
