"""Run a step's traffic (ping, telnet, nc, udp-send, curl) in a sandbox namespace and judge it."""
from __future__ import annotations

import asyncio
import re
import sys

from . import commands, httpserve, udpsend
from ..core.lessons import Traffic
from ..core.traffic import HTTP_MAX_S

_PING = re.compile(r"(\d+) packets transmitted, (\d+) (?:packets )?received")
_UDP = re.compile(r"(\d+) sent, (\d+) answered, (\d+) refused")
_HTTP = re.compile(r"^HTTP/\d(?:\.\d)? (\d{3})", re.M)
# curl's exit codes: could not connect (a reset or an ICMP error came back), timed out
CURL_REFUSED, CURL_TIMED_OUT = 7, 28
MAX_BODY = 2000


# what each traffic item's result says of it (a run of several keeps them per item)
ITEM_KEYS = ("ok", "transmitted", "received", "refused", "http_status", "http_body",
             "http_error")
LISTEN_READY_S = 3.0


async def listen(ns: str, a) -> commands.Process:
    """Start a step's listener (``lessons.Action`` kind listen) in namespace ``ns``: nc
    for tcp and udp, the lab's own fixed HTTP server (``httpserve``) for http, which
    says when it is bound; returns the running program (the sandbox ends it)."""
    if a.value == "http":
        proc = await commands.spawn([sys.executable, "-I", httpserve.__file__, a.args,
                                     a.ns], ns=ns)
        try:
            await asyncio.wait_for(proc.stdout.readline(), LISTEN_READY_S)
        except asyncio.TimeoutError:
            pass        # the traffic then says what it met
        return proc
    udp = ["-u"] if a.value == "udp" else []
    proc = await commands.spawn(["nc", *udp, "-l", "-k", a.args], ns=ns)
    await asyncio.sleep(0.05)   # let it bind before traffic starts
    return proc


def timeout_for(t: Traffic) -> float:
    if t.kind == "ping":
        return t.count * 0.2 + 2.5
    if t.kind == "udp":
        return t.count * (udpsend.WAIT_S + 0.05) + 2.0
    if t.kind == "http":
        return HTTP_MAX_S + 1.5
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
    if t.kind == "http":
        return judge_http(output, code)
    return {"ok": True, "transmitted": 0, "received": 0}


def judge_http(output: str, code: int | None) -> dict:
    """An HTTP request as curl told it: the response's status and body, or why there
    was none (``http_error``: refused, timed out, or failed)."""
    m = _HTTP.search(output)
    status = int(m.group(1)) if m else 0
    body = output[m.start():].partition("\n\n")[2][:MAX_BODY] if m else ""
    error = "" if status else ("refused" if code == CURL_REFUSED else
                               "timed out" if code == CURL_TIMED_OUT or code is None or code < 0
                               else "failed")
    return {"ok": bool(status), "transmitted": 1, "received": 1 if status else 0,
            "refused": 1 if error == "refused" else 0, "http_status": status,
            "http_body": body, "http_error": error}


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
            line = raw.decode(errors="replace").rstrip("\r\n")   # curl -i: CRLF headers
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
