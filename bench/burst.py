"""The burst benchmark: a self-paced site, as it ships (one daphne process, the
in-memory channel layer, SQLite, the default pool and cap), when 100 learners
click Run in the same second.

Each learner is a browser session of its own on a real websocket; no workshop,
no hot start.  They open the lesson page (its socket sends ``lab.open``, as the
page does, and the lab builds a sandbox for it while they read), then all click
Run within one second.  Figures: first event (the run request -> its first trace.event),
done (-> its lab.result), how many runs a second the lab sustained through the
burst, and the CPU time a run cost the servers (daphne, the lab and the tools
they ran).  The last line is the RESULT line.
"""
from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.cluster import Cluster, quiet_machine, ws  # noqa: E402
from bench.workshop import EVENT_PREFIX, pct  # noqa: E402

LEARNERS = int(os.environ.get("BENCH_LEARNERS", "100"))
LESSON, STEP = "container-to-container", 1


async def opened(url: str, session: str):
    """A learner opens the lesson page: its socket says which lesson it shows."""
    sock = await ws(url, "/ws/lab/", session)
    await sock.send(json.dumps({"type": "lab.open", "lesson": LESSON, "step": STEP}))
    return sock


async def learner(sock, start: float) -> dict:
    try:
        await asyncio.sleep(max(0.0, start - time.monotonic()))
        t = time.monotonic()
        await sock.send(json.dumps({"type": "lab.run", "lesson": LESSON, "step": STEP,
                                    "batch": True}))
        first, statuses = None, {}
        while True:
            text = await asyncio.wait_for(sock.recv(), 300)
            if text.startswith(EVENT_PREFIX):
                if first is None:
                    first = (time.monotonic() - t) * 1000
                continue
            msg = json.loads(text)
            if msg["type"] == "lab.status":
                statuses.setdefault(msg["status"], (time.monotonic() - t) * 1000)
            if msg["type"] in ("lab.result", "lab.error"):
                return {"sent": t, "first_ms": first, "done": time.monotonic(), "statuses": statuses,
                        "done_ms": (time.monotonic() - t) * 1000, "msg": msg,
                        "error": msg["type"] == "lab.error"}
    finally:
        await sock.close()


async def main() -> int:
    waited = await quiet_machine()
    print(f"machine quiet after {waited:.1f} s", flush=True)
    with Cluster(1, {}, redis=False) as c:
        sessions = c.sessions(LEARNERS)
        url = c.urls[0]
        t0 = time.monotonic()
        socks = await asyncio.gather(*[opened(url, s) for s in sessions])
        # The learners read the step; the lab builds a sandbox for each page meanwhile.
        await asyncio.sleep(3.0)
        await quiet_machine()
        print(f"{len(socks)} pages open, their sandboxes built, in {time.monotonic() - t0:.1f} s",
              flush=True)
        cpu0, web0 = c.cpu_seconds(), c.cpu_seconds(servers_only=True)
        start = time.monotonic() + 0.2           # then all click Run within one second
        outs = await asyncio.gather(*[learner(sock, start + i / LEARNERS)
                                      for i, sock in enumerate(socks)])
        cpu, web = c.cpu_seconds() - cpu0, c.cpu_seconds(servers_only=True) - web0
    ok = [o for o in outs if not o["error"]]
    print(f"CPU: {web:.1f} s daphne, {cpu - web:.1f} s the lab and its tools", flush=True)
    if os.environ.get("BENCH_DEBUG"):
        for st in ("queued", "building", "running", "done"):
            xs = [o["statuses"][st] for o in outs if st in o["statuses"]]
            print(f"  status {st}: n={len(xs)} p50 {pct(xs, .5):.0f} ms p95 {pct(xs, .95):.0f} ms")
    for o in outs:
        if o["error"]:
            print(f"run failed: {o['msg'].get('kind')}: {o['msg'].get('message')}")
    first = [o["first_ms"] for o in ok if o["first_ms"] is not None]
    done = [o["done_ms"] for o in outs]
    span = max(o["done"] for o in outs) - min(o["sent"] for o in outs)
    rate = len(ok) / span if span > 0 else float("nan")
    print(f"{len(ok)} of {len(outs)} runs in {span:.1f} s: {rate:.1f} runs/s sustained; "
          f"{cpu:.1f} CPU s in all, {cpu / max(1, len(outs)) * 1000:.0f} ms CPU a run", flush=True)
    print(f"RESULT burst learners={len(outs)} ok={len(ok)} errors={len(outs) - len(ok)} "
          f"first_event_p50_ms={pct(first, .5):.0f} first_event_p95_ms={pct(first, .95):.0f} "
          f"done_p95_ms={pct(done, .95):.0f} runs_per_s={rate:.1f} "
          f"cpu_ms_per_run={cpu / max(1, len(outs)) * 1000:.0f}")
    return 0 if len(ok) == len(outs) else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
