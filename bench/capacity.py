"""How many sandboxes one lab holds.

First idle ones: fill a pool of N (default 1,000) for one lesson, count build
errors, and print what they take (the lab's RSS and the machine's available
memory before and after).  Then N learners each run a step on one of them, 50 at
a time, with the default cap (what the machine holds), and each keeps its
sandbox afterwards, as a learner does for ``LAB_IDLE_TIMEOUT``: the second RESULT
line says how many runs failed and how many sandboxes the learners hold."""
from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "visualizer.project.settings")

from visualizer.core.config import LabConfig  # noqa: E402
from visualizer.lab.client import LabClient  # noqa: E402

N = int(os.environ.get("BENCH_SANDBOXES", "1000"))
LESSON = "container-to-container"


def mem_available_kib() -> int:
    for line in open("/proc/meminfo"):
        if line.startswith("MemAvailable:"):
            return int(line.split()[1])
    return 0


def tree_rss_kib(pid: int) -> int:
    """RSS of a process and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                ppid = int(open(f"/proc/{d}/stat").read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(d))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo += children.get(p, [])
        try:
            for line in open(f"/proc/{p}/status"):
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


async def main() -> int:
    before = mem_available_kib()
    client = LabClient(LabConfig(warm_lessons=()))
    t0 = time.monotonic()
    try:
        await client.start()
        await client.warm(LESSON, N)
        last = -1
        while True:
            info = await client.ping()
            held = info["pool"].get(LESSON, 0)
            if held != last and held % 100 == 0:
                print(f"  {held} sandboxes held, {time.monotonic() - t0:.0f} s", flush=True)
            last = held
            if held >= N or info["build_errors"]:
                break
            await asyncio.sleep(0.5)
        took = time.monotonic() - t0
        rss = tree_rss_kib(client.proc.pid)
        after = mem_available_kib()
        errors = info["build_errors"]
        used_mib = (before - after) / 1024
        print(f"held {held} idle sandboxes in one lab in {took:.1f} s, {errors} errors; "
              f"lab RSS {rss / 1024:.0f} MiB, machine memory used {used_mib:.0f} MiB "
              f"({used_mib / max(held, 1) * 1024:.0f} KiB a sandbox)")
        print(f"RESULT sandboxes={held} errors={errors} seconds={took:.1f} "
              f"lab_rss_mib={rss / 1024:.0f} memory_mib={used_mib:.0f}", flush=True)
        if held < N or errors:
            return 1
        return await learners_keep_theirs(client, before)
    finally:
        await client.stop()


async def learners_keep_theirs(client, before: int, at_once: int = 50) -> int:
    t0 = time.monotonic()
    failed: list[str] = []

    async def learner(i: int):
        try:
            r = await asyncio.wait_for(client.run(f"learner{i:04d}", LESSON, 1, []), 300)
            if not r.get("ok"):
                failed.append(f"learner{i:04d}: not ok")
        except Exception as e:  # noqa: BLE001 - every failure is counted and shown
            failed.append(f"learner{i:04d}: {getattr(e, 'kind', type(e).__name__)}: {e}")
    for first in range(0, N, at_once):
        await asyncio.gather(*[learner(i) for i in range(first, min(N, first + at_once))])
        if (first + at_once) % 200 == 0:
            print(f"  {first + at_once} learners have run, {time.monotonic() - t0:.0f} s", flush=True)
    took = time.monotonic() - t0
    info = await client.ping()
    held = info["sandboxes"] - sum(info["pool"].values())
    rss = tree_rss_kib(client.proc.pid)
    used_mib = (before - mem_available_kib()) / 1024
    for line in failed[:5]:
        print(f"  run failed: {line}")
    print(f"{N} learners ran a step, 50 at a time, in {took:.1f} s: {len(failed)} errors; they "
          f"hold {held} sandboxes (cap {info['capacity']}, {info['reclaimed']} reclaimed); "
          f"lab RSS {rss / 1024:.0f} MiB, machine memory used {used_mib:.0f} MiB")
    print(f"RESULT held learners={N} errors={len(failed)} held={held} seconds={took:.1f} "
          f"lab_rss_mib={rss / 1024:.0f} memory_mib={used_mib:.0f}")
    return 0 if not failed and held >= N else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
