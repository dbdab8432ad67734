"""The lab process: owns every sandbox, speaks JSON lines on stdin/stdout.

It is started by ``client.LabClient`` as ``unshare --user --map-root-user
--net --mount --pid --fork --kill-child python ...``: a user, network, mount
and PID namespace of its own.  Started as root, the client first drops to the
unprivileged lab user (``setpriv``, see ``client.lab_argv``), so the lab's
root is that user outside, never the host's root.  ``/run`` is a private
tmpfs, so ``/run/netns`` holds only this lab's namespaces.  When this process dies, the PID namespace takes every
program it started with it, and the namespaces lose their last reference.
"""
from __future__ import annotations

import asyncio
import ctypes
import gc
import os
import resource
import signal
import sys
import time

from ..core import dockersets, errors, experiment, lessons, messages, protocol
from ..core.config import LabConfig
from . import session
from .capacity import Capacity, available_kib
from .output import LineWriter, widen_pipe

MS_PRIVATE, MS_REC = 1 << 18, 1 << 14
FINISH_WAIT_S = 2.0


def private_run():
    """Make mounts private and put a fresh tmpfs on /run (inside our mount namespace)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None)
    if libc.mount(b"tmpfs", b"/run", b"tmpfs", 0, b"mode=0755") != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount tmpfs on /run: {os.strerror(err)}")
    os.makedirs("/run/netns", exist_ok=True)


class Lab:
    def __init__(self, out, cfg: LabConfig | None = None):
        self.out = out
        self.cfg = cfg or LabConfig()
        self.counter = 0
        self.pool: dict[str, list] = {}
        self.filling: dict[str, asyncio.Task] = {}
        self.owned: dict[str, tuple] = {}          # owner -> (sandbox, last use)
        self.busy: set[str] = set()                # owners whose run is going on
        self.build_slots = asyncio.Semaphore(self.cfg.builds_at_once(os.cpu_count()))
        self.capacity = Capacity(self.cfg.cap_for(available_kib()))
        self.build_errors = 0
        self.reclaimed = 0                      # idle sandboxes released at the cap
        self.running = 0                        # runs going on now
        self.starting: set[int] = set()         # runs not at their first event yet
        self.targets: dict[str, int] = {}      # ready sandboxes wanted per lesson (hot start)
        self.tasks: set[asyncio.Task] = set()

    # -- output -------------------------------------------------------------
    def send(self, rid, msg: dict):
        self.out.write(protocol.encode_reply(rid, msg))

    def lesson(self, slug: str):
        if slug == experiment.PLAIN:
            return experiment.plain_lesson(self.cfg.lessons_path)
        return lessons.get(slug, self.cfg.lessons_path)

    # -- sandboxes ----------------------------------------------------------
    def count(self) -> int:
        """Sandboxes held or being built (what the cap counts)."""
        return self.capacity.used

    async def build(self, lesson) -> object:
        """Build a sandbox for a place already taken in ``capacity``; a failed build gives
        its place back."""
        self.counter += 1
        sid = f"s{self.counter}"      # taken now: other builds count on while this one waits
        try:
            async with self.build_slots:
                return await session.prepare(sid, lesson)
        except BaseException:
            self.capacity.release()
            raise

    async def discard(self, sb):
        """Close a sandbox and give its place to the next in line."""
        try:
            await asyncio.to_thread(sb.close)
        finally:
            self.capacity.release()

    def refill(self, slug: str):
        if slug in self.filling and not self.filling[slug].done():
            return
        self.filling[slug] = self.spawn(self._refill(slug))

    async def _refill(self, slug: str):
        lesson = self.lesson(slug)
        while len(self.pool.setdefault(slug, [])) < self.targets.get(slug, self.cfg.pool_size):
            # A pool build yields to runs: a room that clicks Run together takes the
            # ready sandboxes, and the refill must not steal the CPU their runs need.
            while self.running:
                await asyncio.sleep(0.1)
            if not self.capacity.try_acquire():
                return
            try:
                sb = await self.build(lesson)
            except Exception as e:  # keep serving; the next run builds on demand
                self.build_errors += 1
                print(f"lab: pool build for {slug} failed: {e}", file=sys.stderr)
                return
            self.pool[slug].append(sb)

    async def take(self, lesson, rid) -> object:
        # A hot start's target counts the room's learners: each run takes its seat,
        # so once the room has run the pool is back to its usual size.
        if self.targets.get(lesson.slug, 0) > self.cfg.pool_size:
            self.targets[lesson.slug] -= 1
        # A run under another docker ruleset (dockersets) than the lesson's own
        # builds its sandbox: the ready ones carry the lesson's rules.
        same = lesson.rulesets == self.lesson(lesson.slug).rulesets
        ready = self.pool.get(lesson.slug) if same else None
        if ready:
            sb = ready.pop(0)
            self.refill(lesson.slug)
            return sb
        def on_position(ahead: int):
            self.send(rid, messages.status("queued", errors.say("status.queued", ahead=ahead)
                                           if ahead else errors.say("status.next"), ahead=ahead))
        await self.make_room()
        try:
            await asyncio.wait_for(self.capacity.acquire(on_position), self.cfg.queue_timeout)
        except TimeoutError:
            raise errors.LabFull(errors.say("error.lab.full",
                                            seconds=f"{self.cfg.queue_timeout:g}")) from None
        self.send(rid, messages.status("building", errors.say(
            "status.building", name=lesson.topology.name) if lesson.topology.name
            else errors.say("status.building_lesson")))
        sb = await self.build(lesson)
        self.refill(lesson.slug)
        return sb

    async def make_room(self, spare=None) -> bool:
        """At the cap, an idle sandbox goes before anyone waits: the re-running
        learner's own (``spare``: a re-run never needs a second place), else a ready
        one of another lesson's pool, else the least recently used that a learner
        keeps after their run (they lose only its snapshot; their next run builds
        afresh).  A learner waits in line only when every sandbox is building or
        running.  Returns whether ``spare`` was closed."""
        if self.capacity.used < self.capacity.limit:
            return False
        if spare is not None:
            await self.discard(spare)
            return True
        if not self.capacity.queued:
            await self.reclaim_one()
        return False

    async def relieve(self):
        """A run ended: while learners wait in line, idle sandboxes make room for them."""
        while self.capacity.queued and await self.reclaim_one():
            pass

    async def reclaim_one(self) -> bool:
        for boxes in sorted(self.pool.values(), key=len, reverse=True):
            if boxes:
                await self.discard(boxes.pop())
                return True
        idle = [(used, owner) for owner, (_, used) in self.owned.items() if owner not in self.busy]
        if not idle:
            return False
        self.reclaimed += 1
        await self.release(min(idle)[1])
        return True

    async def release(self, owner: str):
        held = self.owned.pop(owner, None)
        if held:
            await self.discard(held[0])

    # -- requests -----------------------------------------------------------
    def spawn(self, coro):
        t = asyncio.ensure_future(coro)
        self.tasks.add(t)
        t.add_done_callback(self.tasks.discard)
        return t

    async def handle(self, req: dict):
        """Answer one request on its id: a reply, or a ``lab.error`` whatever went wrong."""
        rid = req["id"]
        try:
            await self.answer(rid, req)
        except Exception as e:
            err = errors.from_exception(
                e, f"the run did not finish within {self.cfg.run_timeout:g}s")
            self.send(rid, messages.error_of(err))

    async def answer(self, rid: int, req: dict):
        op = req["op"]
        if op == "ping":
            self.send(rid, messages.reply(ok=True, sandboxes=self.count(),
                                          pool={k: len(v) for k, v in self.pool.items()},
                                          capacity=self.capacity.limit,
                                          queued=self.capacity.queued,
                                          build_errors=self.build_errors,
                                          reclaimed=self.reclaimed))
        elif op == "warm":
            self.send(rid, messages.reply(ok=True, **self.warm(req["lesson"], req.get("count"),
                                                               req.get("add"))))
        elif op == "release":
            await self.release(req["owner"])
            self.send(rid, messages.reply(ok=True))
        elif op == "snapshot":
            held = self.owned.get(req["owner"])
            if not held:
                raise session.StepError(errors.say("error.lab.no_sandbox"))
            self.send(rid, messages.reply(**await session.snapshot(held[0])))
        elif op == "run":
            lesson = self.lesson(req["lesson"])
            await self.run(rid, req, lesson, lesson.step(req.get("step")))
        elif op == "experiment":
            await self.experiment(rid, req)

    def warm(self, slug: str, count: int | None, add: int | None = None) -> dict:
        """Fill a lesson's ready pool: to ``count`` (a room's hot start is about to
        run), or one more or fewer (``add``: a learner opened that lesson's page, or
        left it before running).  The pool yields to runs and is the first thing
        reclaimed at the cap, so sandboxes built ahead never keep a run waiting."""
        self.lesson(slug)
        if count is not None:
            self.targets[slug] = max(self.cfg.pool_size, int(count))
        if add:
            now = self.targets.get(slug, self.cfg.pool_size)
            self.targets[slug] = max(self.cfg.pool_size, min(self.capacity.limit, now + add))
        self.refill(slug)
        return {"ready": len(self.pool.get(slug, [])),
                "target": self.targets.get(slug, self.cfg.pool_size),
                "capacity": self.capacity.limit, "in_use": self.count()}

    async def experiment(self, rid, req):
        """An experiment: checked again here (the one checker), then run as a step."""
        root = self.cfg.lessons_path
        known = lessons.all_lessons(root)
        exp = experiment.check(req, known, root, self.cfg.max_rules, self.cfg.max_rule_len)
        lesson, step = experiment.as_step(exp, known, root)
        await self.run(rid, {**req, "rules": list(exp.rules)}, lesson, step,
                       {"experiment": exp.as_dict()})

    async def run(self, rid, req, lesson, step, extra: dict | None = None):
        # The owner's previous sandbox goes once this run is over: tearing
        # namespaces down keeps the kernel busy, and this run comes first.
        # At the cap, though, it makes room for the new one (``make_room``).
        own = dockersets.for_step(lesson, step).docker     # what the step's expect is about
        lesson = dockersets.for_step(lesson, step, req.get("docker"))
        old = self.owned.pop(req["owner"], None)
        self.running += 1
        self.busy.add(req["owner"])
        try:
            if old and not self.pool.get(lesson.slug) and await self.make_room(old[0]):
                old = None
            sb = await self.take(lesson, rid)       # time in line is not the run's time
            self.owned[req["owner"]] = (sb, time.monotonic())
            self.starting.add(rid)
            try:
                result = await asyncio.wait_for(session.run_step(
                    sb, lesson, step, req["rules"], lambda msg: self.send(rid, msg),
                    oracle=bool(req.get("oracle")), on_first=lambda: self.starting.discard(rid),
                    finish_turn=self.finish_turn), self.cfg.run_timeout)
            except BaseException:
                await self.release(req["owner"])
                raise
            self.owned[req["owner"]] = (sb, time.monotonic())
            self.send(rid, messages.status("done", errors.say("status.done")))
            dockersets.mark(result, lesson, own, step.compare)
            self.send(rid, messages.result({**result, **(extra or {})}))
        finally:
            self.starting.discard(rid)
            self.busy.discard(req["owner"])
            self.running -= 1
            if old:
                self.spawn(self.discard(old[0]))
            if self.capacity.queued:
                self.spawn(self.relieve())

    async def finish_turn(self):
        """Wait (at most ``FINISH_WAIT_S``) while other runs have not had their first
        event: a room's runs start together, and what ends a run (the listing tools,
        the journeys, the result) would otherwise take the CPU their first events
        need.  A learner alone never waits."""
        end = time.monotonic() + FINISH_WAIT_S
        while self.starting and time.monotonic() < end:
            await asyncio.sleep(0.02)

    async def reap_idle(self):
        while True:
            await asyncio.sleep(min(30.0, self.cfg.idle_timeout))
            now = time.monotonic()
            for owner, (_, used) in list(self.owned.items()):
                if now - used > self.cfg.idle_timeout:
                    await self.release(owner)

    async def close(self):
        """Stop the pool builds first (a build cut off by the lab's exit used to log
        EBADF), then close every sandbox."""
        builds = [t for t in self.filling.values() if not t.done()]
        for t in builds:
            t.cancel()
        await asyncio.gather(*builds, return_exceptions=True)
        for owner in list(self.owned):
            await self.release(owner)
        for boxes in self.pool.values():
            for sb in boxes:
                sb.close()


async def main():
    loop = asyncio.get_running_loop()
    widen_pipe(sys.stdout.fileno())
    reader = asyncio.StreamReader(limit=protocol.MAX_LINE + 1)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    transport, _ = await loop.connect_write_pipe(asyncio.Protocol, sys.stdout)
    lab = Lab(LineWriter(transport, loop), LabConfig.from_env())
    for slug in lab.cfg.warm_lessons:
        try:
            lab.lesson(slug)
            lab.refill(slug)
        except lessons.LessonError:
            pass
    lab.spawn(lab.reap_idle())
    # What is loaded by now lives as long as the lab: keep it out of the cyclic
    # collector's full passes, which otherwise stall a build for ~20 ms.
    gc.collect()
    gc.freeze()
    lab.send(0, messages.reply(ready=True, pid=os.getpid()))
    await serve(lab, reader)
    await lab.close()


async def serve(lab: Lab, reader: asyncio.StreamReader):
    """Take request lines until the client goes; a refused one is answered on its id."""
    while True:
        try:
            line = await reader.readline()
        except ValueError:
            # Longer than MAX_LINE: asyncio has dropped it, id and all.  Our client
            # never writes one (encode_request refuses it), so no caller waits.
            lab.send(-1, messages.error(errors.INPUT, errors.say("error.line.too_large_unsized")))
            continue
        if not line:
            return          # the client is gone: so are we
        try:
            req = protocol.decode_request(line, lab.cfg)
        except protocol.ProtocolError as e:
            lab.send(e.rid, messages.error_of(e))
            continue
        lab.spawn(lab.handle(req))


def raise_fd_limit() -> int:
    """Raise the soft descriptor limit to the hard one: each sandbox holds a few
    sockets, and a lab holds hundreds of sandboxes.  Returns the new limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError):
            pass
    return soft


LAB_NICE = 5


def entry():
    raise_fd_limit()
    # Below the web server that forwards what the lab streams: forwarding costs the
    # server little CPU but is what a learner waits for, and a room's runs keep the
    # lab busy.  Set before any thread starts: every later thread inherits it.
    try:
        os.setpriority(os.PRIO_PROCESS, 0, LAB_NICE)
    except OSError:
        pass
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG: die with the parent
    private_run()
    asyncio.run(main())


if __name__ == "__main__":
    entry()
