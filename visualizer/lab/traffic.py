"""Run a step's traffic (ping, telnet, nc) in a sandbox namespace and judge it."""
from __future__ import annotations

import asyncio
import re

from . import commands
from ..core.lessons import Traffic

_PING = re.compile(r"(\d+) packets transmitted, (\d+) (?:packets )?received")


def timeout_for(t: Traffic) -> float:
    if t.kind == "ping":
        return t.count * 0.2 + 2.5
    return 3.0


def judge(t: Traffic, output: str, code: int | None) -> dict:
    """ok / transmitted / received from the program's own output."""
    if t.kind == "ping":
        m = _PING.search(output)
        tx, rx = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
        return {"ok": rx > 0 and rx == tx, "transmitted": tx, "received": rx}
    if t.kind == "tcp":
        ok = "Connected to" in output or "succeeded" in output
        return {"ok": ok, "transmitted": 1, "received": 1 if ok else 0}
    return {"ok": True, "transmitted": 0, "received": 0}


async def run(ns: str, t: Traffic, on_line) -> dict:
    """Run the traffic, calling ``on_line(str)`` for each output line as it comes."""
    argv = t.command()
    if not argv:
        return {"ok": True, "transmitted": 0, "received": 0, "output": "", "command": ""}
    proc = await commands.spawn(argv, ns=ns)
    lines = []

    async def pump():
        async for raw in proc.stdout:
            line = raw.decode(errors="replace").rstrip("\n")
            lines.append(line)
            await on_line(line)

    timed_out = False
    try:
        await asyncio.wait_for(asyncio.gather(pump(), proc.wait()), timeout_for(t))
    except asyncio.TimeoutError:
        timed_out = True
        commands.kill(proc)
        await proc.wait()
    output = "\n".join(lines)
    if timed_out:
        note = f"(stopped after {timeout_for(t):g}s: no answer)"
        lines.append(note)
        await on_line(note)
        output = "\n".join(lines)
    res = judge(t, output, proc.returncode)
    res.update(output=output, command=t.describe())
    return res
