"""One run of one lesson step in one sandbox: configure, capture, traffic, result.

``prepare`` builds a sandbox for a lesson and loads its rules (pool work).
``run_step`` applies steps 1..N's changes and the learner's rules, then
reads the kernel's events while the traffic runs and streams them out.
"""
from __future__ import annotations

import asyncio
import sys
import time

from ..core import headers as hdr
from ..core import errors, grader, icmperr, lessons, messages, origins, phrases, rulecheck
from ..core.events import Tracker
from . import commands, commits, conntrack, frames, netlink, rules, traffic
from .commits import CommitWatch
from .sandbox import Sandbox

SETTLE_MS = 120          # quiet time after the traffic before the run is done
SETTLE_MAX_MS = 600
NEIGH_WAIT_MAX_MS = 3500  # the longest wait for a neighbour's last ARP request (3 x 1 s by default)
NEIGH_POLL_MS = 100
CAPTURE_MAX = 300        # packets kept per interface


class StepError(errors.InputError):
    """Bad input for a step (unknown step, refused rule): the learner's to fix."""


async def prepare(sid: str, lesson: lessons.Lesson) -> Sandbox:
    """Build the lesson's sandbox (step-0 topology) and load its rules and tracing."""
    sb = Sandbox(sid, lesson.topology)
    built = asyncio.get_running_loop().create_future()

    async def load_rules():
        # Go on once the kernel has announced the commits (the tools end once the
        # sandbox is built), and index the rules from the kernel's handles and the
        # loaded texts, asking the -save tools only if they differ.
        host, rulesets = sb.ns("host"), rules.lesson_rules(lesson)
        watch = CommitWatch(sb.commit_sock)
        sb.loading = await rules.apply_rulesets(host, rulesets, watch, hold=built)
        watch.stop()
        handles = await asyncio.to_thread(commits.rule_handles, sb.commit_sock)
        sb.rule_index = (rules.RuleIndex.from_loaded(handles, rulesets)
                         or await rules.RuleIndex.load(host))
        sb.rule_index.set_origins(origins.placed(lesson))

    try:
        # The host's rules load while the other namespaces are made and the links
        # wired: neither needs the other.
        await asyncio.to_thread(sb.create_namespaces, 0, ("host",))
        loading = asyncio.ensure_future(load_rules())
        try:
            await asyncio.to_thread(sb.build, 0)
        finally:
            built.set_result(None)      # the rule loaders may end now
            await asyncio.gather(loading, return_exceptions=True)
        loading.result()
    except BaseException:
        await asyncio.to_thread(sb.close)
        raise
    return sb


async def apply_action(sb: Sandbox, a: lessons.Action):
    if a.kind == "sysctl":
        await asyncio.to_thread(sb.sysctl, a.ns, {a.args: a.value})
    elif a.kind in ("iptables", "ebtables", "arptables"):
        await rules.apply_rule(sb.ns(a.ns), a.args, tool=a.kind)
        sb.dirty = True
    elif a.kind == "nft":
        await commands.run(["nft", "-f", "-"], ns=sb.ns(a.ns), input=a.args)
        sb.dirty = True
    elif a.kind in lessons.TOOL_VERBS:      # ip neigh ..., bridge fdb ...: one argv
        await commands.run(lessons.tool_argv(a.kind, a.args), ns=sb.ns(a.ns), timeout=5)
    elif a.kind == "listen":
        sb.procs.append(await traffic.listen(sb.ns(a.ns), a))


async def configure(sb: Sandbox, lesson: lessons.Lesson, step: lessons.Step,
                    user_rules: list[str]):
    """Everything steps 1..N change, then the learner's own rules."""
    if lesson.topology.added(sb.built_step, step.number).elements():
        await asyncio.to_thread(sb.build, step.number)
    for s in lesson.steps[:step.number]:
        for a in s.actions:
            await apply_action(sb, a)
    for text in user_rules:
        tool = rulecheck.tool_of(text)      # "ebtables -A FORWARD ...": a bridge rule
        try:
            await rules.apply_rule(sb.ns("host"), text, tool=tool)
        except rules.RuleError as e:
            raise StepError(errors.say("error.rule.refused_by", tool=tool, rule=repr(text),
                                       why=str(e))) from e
        sb.dirty = True
    if sb.dirty:
        sb.rule_index = await rules.RuleIndex.load(sb.ns("host"))
        sb.rule_index.set_origins(origins.placed(lesson, step.number, user_rules),
                                  bool(user_rules))
        sb.dirty = False


class Reader:
    """Reads the sandbox's capture sockets into events while a run goes on."""

    def __init__(self, sb: Sandbox, tracker: Tracker, emit, on_first=None):
        self.sb, self.tracker, self.emit, self.on_first = sb, tracker, emit, on_first
        self.captures: dict[str, list] = {name: [] for name in sb.packet_socks}
        # each capture record's frame, at the same index (FRAME: lab/frames.py)
        self.frames: dict[str, list] = {name: [] for name in sb.packet_socks}
        self._unmatched: list[tuple[dict, dict, float]] = []   # (capture record, headers, read ms)
        self.last_kernel = time.monotonic()
        self.first_event = None
        self.sent: list[dict] = []      # the flat events, for the grader
        # The kernel stamps each captured frame with the wall clock as it passed its
        # interface (SO_TIMESTAMPNS); this maps it onto the run's monotonic clock.
        self.wall_offset = time.time() - time.monotonic()

    def start(self, loop):
        loop.add_reader(self.sb.events_sock.fileno(), self._on_kernel)
        for name, s in self.sb.packet_socks.items():
            loop.add_reader(s.fileno(), self._on_packet, name, s)

    def stop(self, loop):
        for s in [self.sb.events_sock, *self.sb.packet_socks.values()]:
            loop.remove_reader(s.fileno())
        self._on_kernel()
        # A frame can be read before the trace messages of its packet: match it now.
        for rec, h, read_ms in self._unmatched:
            j = self.tracker.journeys.nearest(h, read_ms)
            rec["journey"] = j.id if j else None
        self._unmatched = []

    def _read(self, sock):
        while True:
            try:
                yield sock.recv(1 << 16)
            except (BlockingIOError, InterruptedError):
                return

    def _send(self, event, now: float):
        if event is None:
            return
        ev = event.wire
        ev["recv_mono"] = now      # CLOCK_MONOTONIC when the lab read it (for latency figures)
        if self.first_event is None:
            self.first_event = now
            if self.on_first is not None:
                self.on_first()
        self.sent.append(ev)
        self.emit(messages.event(ev))

    def _on_kernel(self):
        """Read every waiting datagram: trace and NFLOG messages become events,
        in the order the kernel queued them."""
        for data in self._read(self.sb.events_sock):
            now = time.monotonic()
            self.last_kernel = now
            for mtype, raw in netlink.split(data):
                if mtype == netlink.TRACE_MSG_TYPE:
                    self._send(self.tracker.on_trace(netlink.decode_trace_fast(raw), now), now)
                elif mtype == netlink.NFLOG_MSG_TYPE:
                    self._send(self.tracker.on_nflog(netlink.decode_nflog_fast(raw), now), now)

    def _on_packet(self, name, sock):
        while True:
            try:
                data, anc, _, addr = sock.recvmsg(1 << 16, frames.STAMP_SPACE)
            except (BlockingIOError, InterruptedError):
                return
            box = self.captures[name]
            if len(box) >= CAPTURE_MAX:
                continue
            h = hdr.frame(data)
            read_ms = (time.monotonic() - self.tracker.t0) * 1000.0
            stamp_ns = frames.kernel_stamp_ns(anc)
            stamp = stamp_ns / 1e9 if stamp_ns is not None else None
            # Journeys match by when frames are read, like the trace events they meet;
            # the record shows when the kernel saw the frame, so that captures on two
            # interfaces can be compared ("the captures show the order").
            j = self.tracker.journeys.find(h, read_ms)
            t_ms = (stamp - self.wall_offset - self.tracker.t0) * 1000.0 if stamp else read_ms
            rec = {"t_ms": round(t_ms, 3), "t_kernel": stamp is not None,
                   "iface": name, "summary": hdr.summary(h),
                   "src": h.get("src"), "dst": h.get("dst"), "proto": h.get("proto"),
                   "sport": h.get("sport"), "dport": h.get("dport"),
                   "mac_src": h.get("mac_src"), "mac_dst": h.get("mac_dst"),
                   "direction": "out" if addr[2] == 4 else "in",
                   "journey": j.id if j else None}
            box.append(rec)
            self.frames[name].append(frames.record(data, stamp_ns))
            if j is None:
                self._unmatched.append((rec, h, read_ms))


async def run_step(sb: Sandbox, lesson: lessons.Lesson, step: lessons.Step,
                   user_rules: list[str], emit, oracle: bool = False,
                   on_first=None, finish_turn=None) -> dict:
    """Run one step; ``emit(msg)`` gets lab.status / trace.event / traffic.output.

    ``oracle``: also run the kernel's own ``nft monitor trace`` in the sandbox
    for the run, and return its text as ``result["oracle"]`` (the tests compare
    it with the engine's events; the engine never reads it).  ``on_first()`` is
    called at the run's first event; ``await finish_turn()`` before the result is
    made (the lab lets runs still waiting for their first event go first)."""
    emit(messages.status("ready", errors.say("status.applying")))
    await configure(sb, lesson, step, user_rules)
    sb.drain()
    loop = asyncio.get_running_loop()
    t0 = time.monotonic()
    tracker = Tracker(sb.ifnames, sb.rule_index, t0, sb.topology)
    reader = Reader(sb, tracker, emit, on_first)
    monitor = await start_monitor(sb) if oracle else None
    reader.start(loop)
    emit(messages.status("running", "\n".join(t.describe() for t in step.items)))

    async def on_line(line):
        emit(messages.output(line))

    try:
        links_before = await asyncio.to_thread(sb.link_states)
        done = await run_items(sb, step, reader, on_line)
        result = combined(done)
        await last_retry(sb)
        deadline = time.monotonic() + SETTLE_MAX_MS / 1000
        while time.monotonic() < deadline and time.monotonic() - reader.last_kernel < SETTLE_MS / 1000:
            await asyncio.sleep(0.03)
    finally:
        reader.stop(loop)
        oracle_text = await stop_monitor(monitor) if monitor else None
    if finish_turn is not None:
        await finish_turn()
    await finish_loading(sb)
    snap = await snapshot(sb)
    links = link_changes(links_before, await asyncio.to_thread(sb.link_states), sb.ifnames)
    tracker.journeys.links = links      # the outcomes read them (a link with no carrier)
    journeys = icmperr.link(tracker.summaries(reader.captures, snap["conntrack"]), reader.sent)
    result.update(journeys=journeys, **snap, captures=reader.captures, frames=reader.frames,
                  lesson=lesson.slug, step=step.number, events=len(reader.sent),
                  hidden=dict(tracker.hidden), links=links, chains=sb.rule_index.listing(),
                  first_event_ms=round((reader.first_event - t0) * 1000, 3)
                  if reader.first_event else None)
    g = grader.grade(step, reader.sent, result)
    if len(done) > 1:
        g.checks += grade_items(done, reader.sent, result)
    if user_rules and g.checks:
        g.note = phrases.msg("grade.note.user_rules")
    result["grade"] = g.as_dict()
    if oracle_text is not None:
        result["oracle"] = oracle_text
    try:
        await asyncio.to_thread(sb.forget_neighbours)
    except OSError as e:        # the result stands; the machine's table may fill sooner
        print(f"lab: forgetting a sandbox's neighbours failed: {e}", file=sys.stderr)
    return result


async def run_items(sb: Sandbox, step: lessons.Step, reader: Reader, on_line) -> list:
    """Each traffic item in turn: [(item, its result, index of its first event)]."""
    done = []
    for n, item in enumerate(step.items, start=1):
        shown = []
        for a in item.before:           # a traffic list's actions between its items
            shown += await between(sb, a, on_line, n, "before")
        first = len(reader.sent)
        res = await traffic.run(sb.ns(item.src), item, on_line)
        for a in item.after:
            shown += await between(sb, a, on_line, n, "after")
        done.append((item, {**res, "inspect": shown} if shown else res, first))
    return done


async def between(sb: Sandbox, a: lessons.Action, on_line, n: int, when: str) -> list:
    """One action of a traffic list; an inspect action's output, as the result's
    ``inspect`` entries (read-only, one argv, a timeout, the output cut at 4000)."""
    await on_line(a.describe())
    if a.kind != "inspect":
        await apply_action(sb, a)
        return []
    r = await commands.run(lessons.inspect_argv(a.args), ns=sb.ns(a.ns), timeout=5, check=False)
    return [{"ns": a.ns, "command": a.args, "item": n, "when": when,
             "output": (r.out + r.err)[:4000], "code": r.code}]


def combined(done: list) -> dict:
    """One run's result from its traffic items' results: ok when all were, counts
    summed; with several items, each one's own under ``items``."""
    if len(done) == 1:
        return dict(done[0][1])
    res = [r for _, r, _ in done]
    return {"ok": all(r["ok"] for r in res),
            "transmitted": sum(r["transmitted"] for r in res),
            "received": sum(r["received"] for r in res),
            "output": "\n".join(r["output"] for r in res),
            "command": "\n".join(r["command"] for r in res),
            "inspect": [x for r in res for x in r.get("inspect", [])],
            "items": [{k: r.get(k) for k in (*traffic.ITEM_KEYS, "command", "output")}
                      for r in res]}


def grade_items(done: list, events: list, result: dict) -> list:
    """Each item's own ``expect``, against the events from its start to the next
    item's and the journeys those events belong to; its checks, keyed ``N:key``."""
    checks = []
    for n, (item, res, first) in enumerate(done, start=1):
        end = done[n][2] if n < len(done) else len(events)
        mine = events[first:end]
        ids = {e.get("journey") for e in mine}
        part = {**result, **{k: res.get(k) for k in traffic.ITEM_KEYS},
                "journeys": [j for j in result.get("journeys", []) if j.get("id") in ids]}
        g = grader.Expectation(dict(item.expect), item.proto, item.dst).grade(mine, part)
        for c in g.checks:
            c.key = f"{n}:{c.key}"
        result["items"][n - 1]["grade"] = g.as_dict()
        checks += g.checks
    return checks


async def last_retry(sb: Sandbox):
    """Wait until the traffic's last retry has gone: the tool may exit (nc's timeout,
    ping's count) while the kernel still resolves a neighbour, sending an ARP
    request every retrans_time_ms until its probes run out; those requests are the
    run's events too.  Polls each namespace's INCOMPLETE entries (one query, a few
    ms, when none is left), bounded by the slowest's remaining schedule and
    NEIGH_WAIT_MAX_MS."""
    start = time.monotonic()
    limit = NEIGH_WAIT_MAX_MS / 1000
    while True:
        found = await asyncio.to_thread(sb.incomplete)
        pending = [p for ps in await asyncio.gather(*(asyncio.to_thread(sb.probes_left, n, e)
                                                      for n, e in found.items())) for p in ps]
        waited = time.monotonic() - start
        if not pending or waited >= limit:
            return
        limit = min(limit, waited + max(left * ms for left, ms in pending) / 1000 + 0.1)
        await asyncio.sleep(NEIGH_POLL_MS / 1000)


def link_changes(before: dict, after: dict, names: dict) -> dict:
    """{ifname: {carrier, operstate, tx_dropped (frames the kernel dropped on transmit
    there during the run)}} for the host's interfaces the sandbox made."""
    mine = set(names.values()) - {"lo"}
    return {n: {**a, "tx_dropped": a["tx_dropped"] - before.get(n, {}).get("tx_dropped", 0)}
            for n, a in after.items() if n in mine}


MONITOR_READY_S = 0.25   # nft subscribes to the trace group within this


async def start_monitor(sb: Sandbox):
    proc = await commands.spawn(["nft", "monitor", "trace"], ns=sb.ns("host"))
    await asyncio.sleep(MONITOR_READY_S)
    return proc


async def stop_monitor(proc) -> str:
    await asyncio.sleep(0.05)
    commands.kill(proc)
    try:
        data = await asyncio.wait_for(proc.stdout.read(), 5)
    except asyncio.TimeoutError:
        data = b""
    await proc.wait()
    return data.decode(errors="replace")


async def finish_loading(sb: Sandbox):
    """The rule loaders the sandbox went on without must all have ended well."""
    jobs, sb.loading = sb.loading, []
    for res in await asyncio.gather(*jobs, return_exceptions=True):
        if isinstance(res, BaseException):
            raise res


async def snapshot(sb: Sandbox) -> dict:
    """The sandbox's conntrack table and its rules with their counters, read from the kernel."""
    table = await asyncio.to_thread(conntrack.read, sb.ns("host"), sb.ct_sock)
    return {"conntrack": table, "rules": await rules.listing(sb.ns("host"))}
