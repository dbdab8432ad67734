"""Run external programs: never through a shell, always with a timeout.

A program meant for one of the sandbox's network namespaces is started by a
fresh thread that has entered that namespace (``netns.enter``): the child
inherits the thread's namespace, with no ``nsenter`` program in between.
"""
from __future__ import annotations

import asyncio
import os
import queue
import signal
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from . import netns
from .spawn import Child
from .preflight import which

DEFAULT_TIMEOUT = 10.0


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


def _resolve(argv: list[str]) -> list[str]:
    return [which(argv[0]) or argv[0]] + list(argv[1:])


TOOL_NICE = 10


def _start(argv: list[str], ns: str | None, *, stdin: bool = False, merge: bool = False,
           nice: int | None = None) -> Child:
    """Start ``argv`` (in namespace ``ns``) in its own process group, never via a
    shell: stdin a pipe or /dev/null, stdout and stderr on pipes (one if ``merge``).

    ``nice``: the starting thread's priority, which the program inherits (the thread
    dies with it).  Tools that run to their end (rule loading, listings) get
    ``TOOL_NICE``: when a room's runs end together, six listings a run would
    otherwise take the CPU from the runs still streaming and from the web server
    forwarding their events."""
    if ns is not None:
        netns.enter(ns)
    if nice is not None:
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)
        except OSError:
            pass
    return Child(_resolve(argv), stdin=stdin, merge=merge)


class Feed:
    """A program's input, given bit by bit: its stdin stays open until ``close()``."""

    def __init__(self, first: str = ""):
        self._q: queue.SimpleQueue = queue.SimpleQueue()
        self.send(first)

    def send(self, text: str):
        self._q.put(text)

    def close(self):
        self._q.put(None)

    def write_to(self, proc: Child, deadline: float):
        """Copy what is sent to the program until ``close()``; TimeoutError at ``deadline``."""
        while True:
            try:
                text = self._q.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise TimeoutError from None
            if text is None:
                return
            try:
                proc.stdin.write(text.encode())
                proc.stdin.flush()
            except BrokenPipeError:     # it ended early (a bad line): its stderr says why
                return


def start(argv: list[str], *, ns: str | None = None, input: str | Feed | None = None,
          timeout: float = DEFAULT_TIMEOUT) -> asyncio.Future:
    """Start a program in a thread of its own; the future gets its ``Result`` at exit
    (or a ``CommandError`` if it outlives ``timeout``).  Cancelling it kills the program.
    A ``Feed`` as ``input`` keeps the program's stdin open until the feed is closed."""
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    box: dict = {}

    def work():
        try:
            proc = box["proc"] = _start(argv, ns, stdin=input is not None, nice=TOOL_NICE)
            data = input.encode() if isinstance(input, str) else None
            deadline = time.monotonic() + timeout
            try:
                if isinstance(input, Feed):
                    input.write_to(proc, deadline)
                out, err = proc.communicate(data, max(0.0, deadline - time.monotonic()))
            except (subprocess.TimeoutExpired, TimeoutError):
                kill(proc)
                proc.communicate()
                raise CommandError(argv, -1, f"{argv[0]} did not finish within {timeout:g}s")
            res = Result(argv, proc.returncode, out.decode(errors="replace"),
                         err.decode(errors="replace"))
            loop.call_soon_threadsafe(_settle, done, res, None)
        except BaseException as e:
            loop.call_soon_threadsafe(_settle, done, None, e)

    def on_done(fut):
        if fut.cancelled():
            if isinstance(input, Feed):
                input.close()
            if "proc" in box:
                kill(box["proc"])

    done.add_done_callback(on_done)
    _launch(threading.Thread(target=work, name=f"run {argv[0]}", daemon=True))
    return done


# ``Thread.start()`` waits until the new thread runs, which on a busy machine
# can take milliseconds: threads are started from here, not from the event loop.
_launcher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="launcher")


_spawner = ThreadPoolExecutor(max_workers=4, thread_name_prefix="spawn")


def _launch(thread: threading.Thread):
    _launcher.submit(thread.start)


def checked(res: Result) -> Result:
    """The result, or a ``CommandError`` carrying the program's own message."""
    if res.code != 0:
        raise CommandError(res.argv, res.code,
                           (res.err or res.out).strip() or f"{res.argv[0]} exited {res.code}")
    return res


async def run(argv: list[str], *, ns: str | None = None, input: str | None = None,
              timeout: float = DEFAULT_TIMEOUT, check: bool = True) -> Result:
    """Run a program to its end; its output comes back decoded."""
    res = await start(argv, ns=ns, input=input, timeout=timeout)
    return checked(res) if check else res


def _settle(fut: asyncio.Future, value, error):
    if fut.done():
        return
    if error is not None:
        fut.set_exception(error)
    else:
        fut.set_result(value)


class Process:
    """A started program: ``stdout`` is an asyncio stream (stderr merged into it),
    ``wait()`` waits for its exit without a thread (a pidfd on the event loop)."""

    def __init__(self, popen: Child, loop: asyncio.AbstractEventLoop):
        self.popen, self.pid, self.loop = popen, popen.pid, loop
        self.stdout = asyncio.StreamReader(loop=loop)
        self._exited = loop.create_future()
        self._pidfd = os.pidfd_open(self.pid)
        loop.add_reader(self._pidfd, self._on_exit)

    async def _connect(self):
        await self.loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(self.stdout), self.popen.stdout)

    def _on_exit(self):
        self.loop.remove_reader(self._pidfd)
        os.close(self._pidfd)
        self.popen.wait()
        if not self._exited.done():
            self._exited.set_result(self.popen.returncode)

    @property
    def returncode(self):
        return self.popen.returncode

    async def wait(self) -> int:
        return await asyncio.shield(self._exited)


async def spawn(argv: list[str], *, ns: str | None = None) -> Process:
    """Start a program with stdout+stderr piped; the caller reads and reaps it."""
    # Off the event loop: starting a program takes milliseconds, and a room of
    # learners starts many at once.
    popen = await asyncio.get_running_loop().run_in_executor(
        _spawner, netns.in_new_thread, lambda: _start(argv, ns, merge=True))
    proc = Process(popen, asyncio.get_running_loop())
    await proc._connect()
    return proc


def kill(proc):
    """Kill a program and everything it started (its session's process group)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
