"""Talk to the lab process: start it on first use, restart it if it dies.

The Django process never runs lab code itself: it holds one ``LabClient``
per process and event loop, which speaks the JSON-lines protocol of
``protocol.py`` to the lab over a pipe.
"""
from __future__ import annotations

import asyncio
import ctypes
import itertools
import json
import os
import signal
import sys
import weakref

from ..core import errors, messages, protocol, wire
from ..core.config import ENV_KEY, LabConfig
from . import preflight

START_TIMEOUT = 60.0     # the lab's namespaces wait for any teardown the kernel is doing
WARM_TIMEOUT = START_TIMEOUT + 10


# The lab's refusals and failures are ``core.errors`` exceptions, made from the
# kind each ``lab.error`` carries (``errors.make``); these names stay for callers.
LabError = errors.Error
LabUnavailable = errors.Unavailable
STOPPED = errors.say("error.lab.stopped")


def _die_with_parent():
    ctypes.CDLL(None).prctl(1, signal.SIGKILL)


def lab_argv(config: LabConfig | None = None, command: list[str] | None = None) -> list[str]:
    """The lab's command line: the lab (or ``command``) in new user, net, mount and PID
    namespaces.

    Started as root, it first becomes the unprivileged lab user (``setpriv``,
    see ``preflight.lab_user``) and only then creates its user namespace, so
    the lab's root maps to that user, never to the host's root: its only
    privilege is over its own namespaces, as when any user starts it.
    """
    unshare = preflight.which("unshare") or "unshare"
    return [*preflight.drop_argv(preflight.lab_user(config or LabConfig())),
            unshare, "--user", "--map-root-user", "--net", "--mount", "--pid", "--fork",
            "--kill-child",
            *(command or [sys.executable, "-c", "from visualizer.lab.server import entry; entry()"])]


class Text(str):
    """A trace event as its websocket text, passed on from the lab undecoded."""


class LabClient:
    _shared: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, LabClient]" = weakref.WeakKeyDictionary()

    def __init__(self, config: LabConfig | None = None, env: dict | None = None):
        self.config = config or LabConfig()
        self.env = env or {}
        self.proc = None
        self.pending: dict[int, tuple] = {}     # id -> (lab process, queue, events as text)
        self.ids = itertools.count(1)
        self._reader_task = None
        self._starting: asyncio.Lock | None = None
        self.pid = None

    @classmethod
    def shared(cls, config: LabConfig | None = None) -> "LabClient":
        """The client of the running event loop (one lab per process and loop)."""
        loop = asyncio.get_running_loop()
        if loop not in cls._shared:
            cls._shared[loop] = cls(config)
        return cls._shared[loop]

    # -- lifecycle ------------------------------------------------------------
    @property
    def alive(self) -> bool:
        return (self.proc is not None and self.proc.returncode is None
                and not (self._reader_task is not None and self._reader_task.done()))

    async def start(self):
        if self._starting is None:
            self._starting = asyncio.Lock()
        async with self._starting:
            if self.alive:
                return
            # (in a thread: it runs unshare, which waits while the kernel tears
            # namespaces down, and the web server's loop must not)
            problems = await asyncio.to_thread(preflight.problems)
            if problems:
                raise LabUnavailable(preflight.explain(problems))
            env = {**os.environ, **self.env, ENV_KEY: self.config.to_env()}
            root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
            env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
            # Started as root, the lab runs as the lab user (lab_argv): it must be able to
            # read the code, venv and lessons, and keeps out of root's home; it writes
            # nothing (no bytecode), only in its own tmpfs /run.
            refused = preflight.lab_problems(self.config)
            if refused:
                raise LabUnavailable(preflight.explain(refused))
            if preflight.lab_user(self.config) is not None:
                env.update(HOME=preflight.LAB_HOME, PYTHONDONTWRITEBYTECODE="1")
            for note in preflight.notices(self.config):
                print(f"lab: {note.message} {note.hint}.", file=sys.stderr)
            self.proc = await asyncio.create_subprocess_exec(
                *lab_argv(self.config), stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE, stderr=None, env=env,
                preexec_fn=_die_with_parent, limit=1 << 24)
            try:
                line = await asyncio.wait_for(self.proc.stdout.readline(), START_TIMEOUT)
                hello = protocol.decode_reply(line) if line else {}
            except (asyncio.TimeoutError, ValueError) as e:
                self._kill()
                raise LabUnavailable(errors.say("error.lab.no_start", why=str(e))) from e
            if not hello.get("ready"):
                self._kill()
                raise LabUnavailable(errors.say("error.lab.no_namespaces"))
            self.pid = hello.get("pid")
            self._reader_task = asyncio.ensure_future(self._read(self.proc))

    async def _read(self, proc):
        try:
            while True:
                line = await proc.stdout.readline()
                if not line:
                    break
                event = protocol.split_event(line)
                if event is not None:
                    # Most lines are trace events: a caller that takes them as text
                    # gets the websocket message as the lab wrote it, undecoded.
                    entry = self.pending.get(event[0])
                    if entry is not None:
                        entry[1].put_nowait(Text(event[1]) if entry[2]
                                            else json.loads(event[1]))
                    continue
                try:
                    msg = protocol.decode_reply(line)
                except ValueError:
                    continue
                entry = self.pending.get(msg.pop("id", None))
                if entry is not None:
                    entry[1].put_nowait(msg)
        finally:
            # Fail only the requests this (dead) process was serving.
            for owner_proc, q, _ in list(self.pending.values()):
                if owner_proc is proc:
                    q.put_nowait(messages.error(errors.LAB, STOPPED))

    def _kill(self):
        if self.proc and self.proc.returncode is None:
            try:
                self.proc.kill()
            except ProcessLookupError:
                pass

    async def stop(self):
        if self.proc and self.proc.returncode is None:
            self.proc.stdin.close()
            try:
                await asyncio.wait_for(self.proc.wait(), 5)
            except asyncio.TimeoutError:
                self._kill()
                await self.proc.wait()

    # -- requests -------------------------------------------------------------
    async def _send(self, rid: int, q, line: bytes, text: bool = False):
        """Write a request, restarting a lab that died since the last one (once)."""
        for attempt in (1, 2):
            if not self.alive:
                self._kill()
                await self.start()
            self.pending[rid] = (self.proc, q, text)
            try:
                self.proc.stdin.write(line)
                await self.proc.stdin.drain()
                return
            except (BrokenPipeError, ConnectionResetError):
                self.pending[rid] = (None, q, text)   # not the dead reader's to fail
                self._kill()
                if self._reader_task is not None:
                    self._reader_task.cancel()
                if attempt == 2:
                    raise

    async def _request(self, op: str, on_message=None, text_events: bool = False, **fields):
        rid = next(self.ids)
        q: asyncio.Queue = asyncio.Queue()
        try:
            line = protocol.encode_request(rid, op, **fields)
            await self._send(rid, q, line, text_events)
            while True:
                msg = await q.get()
                if isinstance(msg, Text):
                    if on_message is not None:
                        await on_message(msg)
                    continue
                t = msg["type"]
                if t == "lab.error":
                    raise errors.make(msg.get("kind", errors.LAB), msg.get("message", "lab error"),
                                      msg.get("message_msg"))
                if t in protocol.FINAL_TYPES:
                    return msg
                if on_message is not None:
                    await on_message(msg)
        except (BrokenPipeError, ConnectionResetError) as e:
            raise errors.LabFailed(STOPPED) from e
        finally:
            self.pending.pop(rid, None)

    async def run(self, owner: str, lesson: str, step: int | None = None,
                  rules: list[str] | None = None, on_message=None,
                  oracle: bool = False, text_events: bool = False,
                  docker: str | None = None) -> dict:
        """Run one lesson step in the owner's fresh sandbox; returns the result.
        ``docker``: the docker ruleset to run it under (``core.dockersets``).

        ``text_events``: ``on_message`` gets each trace event as the websocket text
        ``{"type":"trace.event","event":{...}}`` (a :class:`Text`), not decoded."""
        extra = {"oracle": True} if oracle else {}
        if docker:
            extra["docker"] = docker
        fields = {"owner": owner, "lesson": lesson, "step": step, "rules": list(rules or []),
                  **extra}
        # the one validator, with this client's limits: what the lab would refuse
        # is refused here, before a sandbox is taken
        _, clean = wire.check(messages.REGISTRY, "line", messages.request("run", **fields),
                               self.config)
        fields["rules"] = clean["rules"]
        msg = await self._request("run", on_message, text_events, **fields)
        msg.pop("type", None)
        return msg

    async def experiment(self, owner: str, fields: dict, on_message=None,
                         oracle: bool = False, text_events: bool = False) -> dict:
        """Run an experiment (``lab.experiment``'s fields: base, rules, sysctls,
        listeners, traffic) in the owner's fresh sandbox; returns the result.  The
        lab checks every value (``core.experiment``) and refuses a bad one by name."""
        fields = {k: v for k, v in fields.items()
                  if k in ("base", "rules", "sysctls", "listeners", "traffic", "docker")
                  and v not in (None, "")}
        fields = {"owner": owner, **fields, **({"oracle": True} if oracle else {})}
        wire.check(messages.REGISTRY, "line", messages.request("experiment", **fields),
                   self.config)
        msg = await self._request("experiment", on_message, text_events, **fields)
        msg.pop("type", None)
        return msg

    async def release(self, owner: str):
        if self.alive:
            await self._request("release", owner=owner)

    async def snapshot(self, owner: str) -> dict:
        msg = await self._request("snapshot", owner=owner)
        return {"conntrack": msg.get("conntrack", []), "rules": msg.get("rules", {})}

    async def warm(self, lesson: str, count: int | None = None,
                   timeout: float = WARM_TIMEOUT, add: int | None = None) -> dict:
        """Fill the lesson's ready pool (to ``count`` sandboxes: a room's hot start;
        ``add``: one more or fewer, a page opened or left).  The lab answers at once
        (it builds in the background): ``timeout`` bounds a lab starting or stuck."""
        extra = {k: v for k, v in (("count", count), ("add", add)) if v is not None}
        try:
            return await asyncio.wait_for(self._request("warm", lesson=lesson, **extra), timeout)
        except asyncio.TimeoutError:
            raise errors.Timeout(errors.say("error.lab.no_answer", seconds=f"{timeout:g}")) from None

    async def ping(self) -> dict:
        return await self._request("ping")


def sandbox_cap(config: LabConfig | None = None) -> tuple[int, int | None, str]:
    """(the lab's sandbox cap, the memory available now in KiB, why that cap): for the
    web side, which may not read the kernel side itself."""
    from .capacity import available_kib, explain_cap
    kib = available_kib()
    cap, why = explain_cap(config or LabConfig(), kib)
    return cap, kib, why


def preflight_problems(config: LabConfig | None = None) -> tuple[list, list]:
    """(problems, notices) for ``manage.py check``: why the lab cannot start here,
    and what it will do instead (e.g. run as the fallback uid), each with a hint."""
    return preflight.problems(config), preflight.notices(config)
