"""Run external programs: never through a shell, always with a timeout.

Inside the lab process, ``in_ns`` prefixes ``nsenter --net=<path>`` so a
program runs in one of the sandbox's network namespaces.
"""
from __future__ import annotations

import asyncio
import os
import signal
from dataclasses import dataclass

from .preflight import which

DEFAULT_TIMEOUT = 10.0
NETNS_DIR = "/run/netns"


class CommandError(RuntimeError):
    """A program failed; ``message`` is its own error output."""

    def __init__(self, argv, code, message):
        super().__init__(message)
        self.argv, self.code, self.message = argv, code, message


@dataclass
class Result:
    argv: list
    code: int
    out: str
    err: str


def in_ns(ns: str | None, argv: list[str]) -> list[str]:
    if ns is None:
        return argv
    return [which("nsenter") or "nsenter", f"--net={NETNS_DIR}/{ns}", "--"] + argv


def _resolve(argv: list[str]) -> list[str]:
    return [which(argv[0]) or argv[0]] + list(argv[1:])


async def run(argv: list[str], *, ns: str | None = None, input: str | None = None,
              timeout: float = DEFAULT_TIMEOUT, check: bool = True) -> Result:
    full = in_ns(ns, _resolve(argv))
    proc = await asyncio.create_subprocess_exec(
        *full, stdin=asyncio.subprocess.PIPE if input is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, start_new_session=True)
    try:
        out, err = await asyncio.wait_for(
            proc.communicate(input.encode() if input is not None else None), timeout)
    except asyncio.TimeoutError:
        kill(proc)
        await proc.wait()
        raise CommandError(argv, -1, f"{argv[0]} did not finish within {timeout:g}s")
    res = Result(argv, proc.returncode, out.decode(errors="replace"), err.decode(errors="replace"))
    if check and res.code != 0:
        raise CommandError(argv, res.code, (res.err or res.out).strip() or f"{argv[0]} exited {res.code}")
    return res


async def spawn(argv: list[str], *, ns: str | None = None):
    """Start a program with piped stdout+stderr; the caller reads and reaps it."""
    return await asyncio.create_subprocess_exec(
        *in_ns(ns, _resolve(argv)), stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, start_new_session=True)


def kill(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
