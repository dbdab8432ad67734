"""Workshop websockets: one consumer per route.

``/ws/workshop/``: a learner's page.  It hears ``workshop.goto``,
``workshop.spotlight``, ``workshop.paused``, ``workshop.reset``/``removed`` (its
learner's only), ``workshop.prepare`` and ``workshop.closed`` through the
workshop's channel-layer group, reports where the learner is (``workshop.where``)
and counts itself open in the database (the board's "connected").
``/ws/board/<code>/``: an instructor's board.  It hears ``board.update`` rows as
learners run and sends the instructor's controls (``controls.py``; a closed
workshop refuses them all).  Every message is checked by its declaration in ``core/messages.py``;
a refused one gets a ``workshop.error`` / ``board.error`` with a kind from
``core/errors.py``, and the connection stays up.  While the channel layer (redis)
is unreachable both stay open and say so (``*.status``); once it is back they
rejoin their groups and send the room afresh (``consumer_base``).
"""
from __future__ import annotations

import asyncio
import logging

from channels.db import database_sync_to_async

from ..core import errors, messages, phrases, wire
from ..learn import config
from ..learn.consumer_base import Consumer
from . import board, controls, hotstart, room, roomview
from .models import Workshop

log = logging.getLogger(__name__)
MAX_MESSAGE = 4096
phrases.define({
    "workshop.not_joined": "this browser has not joined a workshop: join with the code at /join/",
    "workshop.join_first": "join a workshop first (/join/)",
    "workshop.instructors_only": "only the workshop's instructors can do that",
    "workshop.no_such_code": "no workshop has that code",
    "workshop.board_sign_in": "the board is for this workshop's instructors: sign in as one",
    "workshop.board_only": "the board is for this workshop's instructors",
    "workshop.prepare_failed": "the lab could not prepare: {error}",
})
INSTRUCTOR_TYPES = {m.type for m in messages.REGISTRY.accepted("board", "client")}
# what a closed workshop refuses (board.refresh and board.attempts only read)
CONTROLS = INSTRUCTOR_TYPES - {"board.refresh", "board.attempts"}


def _history(workshop: Workshop, pk: int, lesson: str, step: int) -> dict:
    lrn = workshop.learners.filter(pk=pk).first()
    if lrn is None:
        raise room.WorkshopError(phrases.msg("workshop.no_learner"))
    return {"learner": lrn.pk, "name": lrn.name, "lesson": lesson, "step": step,
            "attempts": roomview.attempts(lrn, lesson, step)}


class _Room(Consumer):
    """What both workshop sockets share: messages checked by their declarations, and
    the layer's state told to the page."""

    told = None     # the layer's state as the page last heard it (None: not in a room)

    async def in_room(self):
        """The page has the room's state: from now on it hears the layer's."""
        self.told = "live"
        await self.layer_changed()

    async def layer_changed(self):
        """Tell the page (``<route>.status``), once a change; back, send it the room
        afresh: what it missed meanwhile is in the database."""
        state = "reconnecting" if self.layer_down else "live"
        if self.told is None or state == self.told:
            return
        self.told = state
        await self.send_msg(f"{self.route}.status", state=state)
        if not self.layer_down:
            try:
                await self.refresh()
            except Exception:
                log.exception("refreshing a %s socket after the layer came back failed", self.route)

    async def refresh(self):
        """The room as it is now, to the page."""

    async def forward(self, event):
        """A group message (its ``type`` is already the wire's) to this socket."""
        await self.send_json(event)

    def parse(self, text_data) -> tuple[str, dict]:
        """(type, clean fields) of a message this socket takes; errors.Error otherwise."""
        data = wire.decode(text_data, MAX_MESSAGE)
        self.refuse(data)
        msg, clean = wire.check(messages.REGISTRY, self.route, data, config.lab_config())
        return msg.type, clean

    def refuse(self, data) -> None:
        """What this socket refuses on principle, before the declarations are read."""

    def send_msg(self, type_: str, **fields):
        return self.send_json(messages.make(self.route, type_, **fields))


class LearnerConsumer(_Room):
    """A learner's page in a workshop: follows the room, reports where it is."""

    route = "workshop"

    async def connect(self):
        self.learner = None
        await self.accept()
        self.learner = await self._learner()
        if self.learner is None:
            await self.error(errors.InputError(phrases.msg("workshop.not_joined")))
            return
        await self.join(self.learner.workshop.group)
        await self.send_state()
        await self.in_room()
        self.counted = True         # this socket counts as the learner connected
        await self._to_boards(await self._connected(+1))
        self.alive = asyncio.ensure_future(self._keep_alive())

    async def _keep_alive(self):
        """Say in the database, every ``ALIVE_S``, that this socket is still open: if its
        process dies the count stays, and the board sees it go stale (``CONNECTED_S``)."""
        while True:
            await asyncio.sleep(roomview.ALIVE_S)
            try:
                await self._to_boards(await self._connected(0))
            except Exception:
                log.warning("a learner socket's keep-alive failed", exc_info=True)

    async def send_state(self) -> dict:
        """``workshop.state``; where it says the room is is where the page was sent."""
        state = await self._state()
        self.where = {**state["where"], "experiment": state["experiment"]}
        await self.send_msg("workshop.state", **state)
        return state

    async def refresh(self):
        """The room now, and the goto the page missed while the layer was away."""
        where = self.where
        await self.send_state()
        if self.where != where:
            await self.send_msg("workshop.goto", **self.where)

    async def disconnect(self, code):
        await self.leave()
        alive = getattr(self, "alive", None)
        if alive is not None:
            alive.cancel()
        if getattr(self, "counted", False):
            self.counted = False
            try:
                await self._to_boards(await self._connected(-1))
            except Exception:       # the learner was deleted meanwhile; nothing to count
                log.debug("a learner socket's disconnect was not counted", exc_info=True)

    async def _to_boards(self, row: dict | None):
        """A learner's page opened or closed: their row, batched with the room's others
        (a goto moves every page at once: a hundred rows as one group message)."""
        if row is not None:         # None: removed from the room, off the board
            board.update(self.learner.workshop.board_group, row)

    async def receive(self, text_data=None, bytes_data=None):
        try:
            type_, msg = self.parse(text_data)
            if self.learner is None:
                raise errors.InputError(phrases.msg("workshop.join_first"))
            row = await self._where(msg)
        except errors.Error as e:
            await self.error(e)
            return
        await self._to_boards(row)

    def refuse(self, data) -> None:
        """An instructor's message from a learner's page is forbidden, not unknown."""
        t = data.get("type") if isinstance(data, dict) else None
        if isinstance(t, str) and (t in INSTRUCTOR_TYPES or t.startswith("board.")):
            raise errors.Forbidden(phrases.msg("workshop.instructors_only"))

    async def workshop_goto(self, event):
        self.where = {"lesson": event["lesson"], "step": event["step"],
                      "experiment": event.get("experiment")}
        await self.forward(event)

    # the room's other messages, from the group, go to the page as they are
    workshop_spotlight = workshop_closed = workshop_paused = _Room.forward

    async def workshop_reset(self, event):
        """The instructor reset a learner's step: theirs, if it is this page's learner."""
        if event["learner"] == self.learner.pk:
            await self.forward(event)

    async def workshop_removed(self, event):
        """The instructor removed this page's learner: told, then the socket closes."""
        if event["learner"] == self.learner.pk:
            await self.forward(event)
            await self.close()

    async def workshop_prepare(self, event):
        """Hot start: this learner needs a sandbox ready in this process's lab."""
        hotstart.seat(self.learner.workshop_id, event["board_group"], event["lesson"],
                      self.learner.pk, event["count"])

    @database_sync_to_async
    def _learner(self):
        session = self.scope.get("session")
        return room.learner_of(session.session_key if session else "")

    @database_sync_to_async
    def _state(self) -> dict:
        w = Workshop.objects.get(pk=self.learner.workshop_id)
        return {"code": w.code, "title": w.title, "where": w.where(), "lessons": w.lessons,
                "spotlight": w.spotlight or None, "closed": w.closed, "paused": w.paused,
                "experiment": w.experiment or None,
                "you": {"name": self.learner.name, "ahead": self.learner.ahead}}

    @database_sync_to_async
    def _where(self, msg) -> dict:
        return room.row(controls.seen(self.learner.pk, msg["lesson"][:100], msg["step"],
                                      bool(msg["ahead"]), bool(msg.get("experiment"))))

    @database_sync_to_async
    def _connected(self, delta: int) -> dict | None:
        lrn = controls.connected(self.learner.pk, delta)
        return None if lrn.removed else room.row(lrn)


class BoardConsumer(_Room):
    """An instructor's board of one workshop: rows as learners run, and the controls."""

    route = "board"

    async def connect(self):
        self.workshop = None
        await self.accept()
        code = self.scope["url_route"]["kwargs"]["code"]
        found, allowed = await self._open(code)
        if found is None:
            await self.error(errors.InputError(phrases.msg("workshop.no_such_code")))
            return
        if not allowed:
            await self.error(errors.Forbidden(phrases.msg("workshop.board_sign_in")))
            return
        self.workshop = found
        await self.join(found.board_group)
        await self.refresh()
        await self.in_room()

    async def refresh(self):
        await self.send_msg("board.state", **await self._board())

    async def disconnect(self, code):
        await self.leave()

    async def receive(self, text_data=None, bytes_data=None):
        try:
            type_, msg = self.parse(text_data)
            if self.workshop is None:
                raise errors.Forbidden(phrases.msg("workshop.board_only"))
            if type_ in CONTROLS:
                await self._call(controls.refuse_closed)
            await getattr(self, "do_" + type_.replace(".", "_"))(msg)
        except errors.Error as e:
            await self.error(e)

    async def do_workshop_goto(self, msg):
        moved = await self._call(room.goto, msg["lesson"], msg["step"],
                                 config.lab_config().lessons_path, msg.get("experiment"))
        sent = moved.pop("experiment")
        where = moved
        await self.room(messages.make("workshop", "workshop.goto", **where, experiment=sent))
        await self.boards(messages.make("board", "board.where", where=where, experiment=sent))
        # the room is about to run that step: have its sandboxes ready
        await self.send_msg("board.prepared", **await self._prepare(where["lesson"]))

    async def do_workshop_spotlight(self, msg):
        shown = await self._call(room.spotlight, msg["run"], bool(msg["show_name"]))
        await self.room(messages.make("workshop", "workshop.spotlight", **shown))
        await self.boards(messages.make("board", "board.spotlight", spotlight=shown))

    async def do_workshop_close(self, msg):
        await self._call(room.close)
        await self.room(messages.make("workshop", "workshop.closed"))
        await self.boards(messages.make("board", "board.closed"))

    async def do_workshop_pause(self, msg, paused=True):
        paused = await self._call(controls.pause, paused)
        await self.room(messages.make("workshop", "workshop.paused", paused=paused))
        await self.boards(messages.make("board", "board.paused", paused=paused))

    async def do_workshop_resume(self, msg):
        await self.do_workshop_pause(msg, paused=False)

    async def do_workshop_reset(self, msg):
        row = await self._call(controls.reset, msg["learner"], msg["lesson"], msg["step"],
                               config.lab_config().lessons_path)
        await self.room(messages.make("workshop", "workshop.reset", learner=msg["learner"],
                                      lesson=msg["lesson"], step=msg["step"]))
        await self.boards(messages.make("board", "board.update", row=row))

    async def do_workshop_remove(self, msg):
        pk = await self._call(controls.remove, msg["learner"])
        await self.room(messages.make("workshop", "workshop.removed", learner=pk))
        await self.boards(messages.make("board", "board.removed", learner=pk))

    async def do_board_attempts(self, msg):
        await self.send_msg("board.history", **await self._call(_history, msg["learner"],
                                                                 msg["lesson"], msg["step"]))

    async def do_workshop_prepare(self, msg):
        await self.send_msg("board.prepared", **await self._prepare(msg["lesson"]))

    async def do_board_refresh(self, msg):
        await self.refresh()

    async def room(self, event):
        await self.publish(self.workshop.group, event)

    async def boards(self, event):
        await self.publish(self.workshop.board_group, event)

    async def _prepare(self, lesson: str | None) -> dict:
        """Hot start: every process with learners of the room connected builds ready
        sandboxes for them (``hotstart``), up to the seats and what its machine holds,
        and reports to the board (``board.lab``).  The reply says what was asked, and
        this process's lab as it is now."""
        w = await self._fresh()
        lesson = lesson or w.where()["lesson"]
        cap = room.capacity(config.lab_config())
        count = min(w.seats, cap)
        await self.room(messages.make("group", "workshop.prepare", lesson=lesson, count=count,
                                      board_group=w.board_group))
        try:
            reply = await config.lab_client().warm(lesson)
        except Exception as e:      # the lab refused or is not there: say so, keep the board
            raise room.WorkshopError(phrases.msg("workshop.prepare_failed", error=str(e)).text(),
                                     errors.LAB) from e
        return {"lesson": lesson, "count": count, "ready": reply.get("ready", 0),
                "capacity": cap, "in_use": reply.get("in_use", 0)}

    # the boards' group messages go to the page as they are
    board_update = board_where = board_spotlight = board_closed = board_lab = _Room.forward
    board_paused = board_removed = _Room.forward

    async def board_rows(self, event):
        """Rows sent together (see ``board.update``): a board.update each."""
        for row in event["rows"]:
            await self.send_msg("board.update", row=row)

    @database_sync_to_async
    def _open(self, code):
        try:
            w = Workshop.objects.filter(code=room.normalise_code(code)).first()
        except room.WorkshopError:
            return None, False
        if w is None:
            return None, False
        return w, room.may_run(self.scope.get("user"), w)

    @database_sync_to_async
    def _fresh(self) -> Workshop:
        return Workshop.objects.get(pk=self.workshop.pk)

    @database_sync_to_async
    def _board(self) -> dict:
        cfg = config.lab_config()
        return {**room.board(Workshop.objects.get(pk=self.workshop.pk), cfg.lessons_path),
                "lab": room.lab_capacity(cfg)}

    @database_sync_to_async
    def _call(self, fn, *args):
        return fn(Workshop.objects.get(pk=self.workshop.pk), *args)
