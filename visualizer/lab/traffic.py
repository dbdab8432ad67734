"""Run a step's traffic (ping, telnet, nc, udp-send) in a sandbox namespace and judge it."""
from __future__ import annotations

import asyncio
import re
import sys

from . import commands, udpsend
from ..core.lessons import Traffic

_PING = re.compile(r"(\d+) packets transmitted, (\d+) (?:packets )?received")
_UDP = re.compile(r"(\d+) sent, (\d+) answered, (\d+) refused")


def timeout_for(t: Traffic) -> float:
    if t.kind == "ping":
        return t.count * 0.2 + 2.5
    if t.kind == "udp":
        return t.count * (udpsend.WAIT_S + 0.05) + 2.0
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
    if t.kind == "udp":
        # UDP has no handshake: it got through unless an ICMP error came back
        # (an answer, when one comes, counts as received).
        m = _UDP.search(output)
        tx, rx, refused = (int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else (0, 0, 0)
        return {"ok": tx > 0 and refused == 0, "transmitted": tx, "received": rx,
                "refused": refused}
    return {"ok": True, "transmitted": 0, "received": 0}


def argv_of(t: Traffic) -> list[str]:
    """The program to start: the step's command, ``udp-send`` being the lab's own."""
    argv = t.command()
    if argv and argv[0] == "udp-send":
        return [sys.executable, "-I", udpsend.__file__, *argv[1:]]
    return argv


async def run(ns: str, t: Traffic, on_line) -> dict:
    """Run the traffic, calling ``on_line(str)`` for each output line as it comes."""
    argv = argv_of(t)
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
