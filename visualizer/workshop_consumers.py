"""Workshop websockets: one consumer per route.

``/ws/workshop/``: a learner's page.  It hears ``workshop.goto``,
``workshop.spotlight``, ``workshop.prepare`` and ``workshop.closed`` through
the workshop's channel-layer group and reports where the learner is
(``workshop.where``).  ``/ws/board/<code>/``: an instructor's board.  It
hears ``board.update`` rows as learners run and sends the instructor's
controls.  A refused message gets a ``workshop.error`` / ``board.error``
with a kind from ``core/errors.py``; the connection stays up.
"""
from __future__ import annotations

import json

from channels.db import database_sync_to_async

from . import hotstart, services, workshops
from .consumer_base import Consumer
from .core import errors
from .models import Learner, Workshop

INSTRUCTOR_TYPES = ("workshop.goto", "workshop.spotlight", "workshop.close", "workshop.prepare")


class _Json(Consumer):
    prefix = "workshop"

    async def send_json(self, content):
        await self.send(text_data=json.dumps(content, default=str))

    async def forward(self, event):
        """A group message (its ``type`` is already the wire's) to this socket."""
        await self.send_json(event)

    async def error(self, kind: str, message: str):
        await self.send_json({"type": f"{self.prefix}.error", "kind": kind, "message": message})

    async def parse(self, text_data) -> dict | None:
        try:
            msg = json.loads(text_data or "")
        except ValueError:
            msg = None
        if not isinstance(msg, dict) or not isinstance(msg.get("type"), str):
            await self.error(errors.INPUT, 'send a JSON object with a "type", like '
                                           '{"type": "workshop.where", "lesson": "...", "step": 1}')
            return None
        return msg


class LearnerConsumer(_Json):
    """A learner's page in a workshop: follows the room, reports where it is."""

    async def connect(self):
        self.learner = None
        await self.accept()
        self.learner = await self._learner()
        if self.learner is None:
            await self.error(errors.INPUT, "this browser has not joined a workshop: "
                                           "join with the code at /join/")
            return
        self.group = self.learner.workshop.group
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.send_json({"type": "workshop.state", **await self._state()})

    async def disconnect(self, code):
        if self.learner is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        msg = await self.parse(text_data)
        if msg is None:
            return
        if msg["type"] in INSTRUCTOR_TYPES or msg["type"].startswith("board."):
            await self.error(errors.FORBIDDEN, "only the workshop's instructors can do that")
        elif self.learner is None:
            await self.error(errors.INPUT, "join a workshop first (/join/)")
        elif msg["type"] == "workshop.where":
            try:
                row = await self._where(msg)
            except workshops.WorkshopError as e:
                await self.error(errors.INPUT, str(e))
                return
            await self.channel_layer.group_send(self.learner.workshop.board_group,
                                                {"type": "board.update", "row": row})
        else:
            await self.error(errors.INPUT, f"unknown message type {msg['type'][:40]!r}; "
                                           "a learner's page sends workshop.where")

    # the room's messages, from the group, go to the page as they are
    workshop_goto = workshop_spotlight = workshop_closed = _Json.forward

    async def workshop_prepare(self, event):
        """Hot start: this learner needs a sandbox ready in this process's lab."""
        hotstart.seat(self.learner.workshop_id, event["board_group"], event["lesson"],
                      self.learner.pk, event["count"])

    @database_sync_to_async
    def _learner(self):
        session = self.scope.get("session")
        return workshops.learner_of(session.session_key if session else "")

    @database_sync_to_async
    def _state(self) -> dict:
        w = Workshop.objects.get(pk=self.learner.workshop_id)
        return {"code": w.code, "title": w.title, "where": w.where(), "lessons": w.lessons,
                "spotlight": w.spotlight or None, "closed": w.closed,
                "you": {"name": self.learner.name, "ahead": self.learner.ahead}}

    @database_sync_to_async
    def _where(self, msg) -> dict:
        lesson, step = msg.get("lesson"), msg.get("step")
        if not isinstance(lesson, str) or not isinstance(step, int) or isinstance(step, bool):
            raise workshops.WorkshopError("workshop.where needs a lesson (string) and a step (int)")
        lrn = Learner.objects.select_related("workshop").get(pk=self.learner.pk)
        lrn.lesson, lrn.step, lrn.ahead = lesson[:100], step, bool(msg.get("ahead"))
        lrn.save(update_fields=["lesson", "step", "ahead"])
        return workshops.row(lrn)


class BoardConsumer(_Json):
    """An instructor's board of one workshop: rows as learners run, and the controls."""

    prefix = "board"

    async def connect(self):
        self.workshop = None
        await self.accept()
        code = self.scope["url_route"]["kwargs"]["code"]
        found, allowed = await self._open(code)
        if found is None:
            await self.error(errors.INPUT, "no workshop has that code")
            return
        if not allowed:
            await self.error(errors.FORBIDDEN, "the board is for this workshop's instructors: "
                                               "sign in as one")
            return
        self.workshop = found
        await self.channel_layer.group_add(found.board_group, self.channel_name)
        await self.send_json({"type": "board.state", **await self._board()})

    async def disconnect(self, code):
        if self.workshop is not None:
            await self.channel_layer.group_discard(self.workshop.board_group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        msg = await self.parse(text_data)
        if msg is None:
            return
        if self.workshop is None:
            await self.error(errors.FORBIDDEN, "the board is for this workshop's instructors")
            return
        t = msg["type"]
        try:
            if t == "workshop.goto":
                where = await self._call(workshops.goto, msg.get("lesson"), _int(msg.get("step")),
                                         services.lab_config().lessons_path)
                await self.room({"type": "workshop.goto", **where})
                await self.boards({"type": "board.where", "where": where})
                # the room is about to run that step: have its sandboxes ready
                await self.send_json({"type": "board.prepared",
                                      **await self._prepare({"lesson": where["lesson"]})})
            elif t == "workshop.spotlight":
                shown = await self._call(workshops.spotlight, msg.get("run"),
                                         bool(msg.get("show_name")))
                await self.room({"type": "workshop.spotlight", **shown})
                await self.boards({"type": "board.spotlight", "spotlight": shown})
            elif t == "workshop.close":
                await self._call(workshops.close)
                await self.room({"type": "workshop.closed"})
                await self.boards({"type": "board.closed"})
            elif t == "workshop.prepare":
                await self.send_json({"type": "board.prepared", **await self._prepare(msg)})
            elif t == "board.refresh":
                await self.send_json({"type": "board.state", **await self._board()})
            else:
                await self.error(errors.INPUT, f"unknown message type {t[:40]!r}")
        except workshops.WorkshopError as e:
            await self.error(e.kind, str(e))

    async def room(self, event):
        await self.channel_layer.group_send(self.workshop.group, event)

    async def boards(self, event):
        await self.channel_layer.group_send(self.workshop.board_group, event)

    async def _prepare(self, msg) -> dict:
        """Hot start: every process with learners of the room connected builds ready
        sandboxes for them (``hotstart``), up to the seats and what its machine holds,
        and reports to the board (``board.lab``).  The reply says what was asked, and
        this process's lab as it is now."""
        w = await self._fresh()
        lesson = msg.get("lesson") or w.where()["lesson"]
        cap = workshops.capacity(services.lab_config().max_sandboxes)
        count = min(w.seats, cap)
        await self.room({"type": "workshop.prepare", "lesson": lesson, "count": count,
                         "board_group": w.board_group})
        try:
            reply = await services.lab_client().warm(lesson)
        except Exception as e:      # the lab refused or is not there: say so, keep the board
            raise workshops.WorkshopError(f"the lab could not prepare: {e}", errors.LAB) from e
        return {"lesson": lesson, "count": count, "ready": reply.get("ready", 0),
                "capacity": cap, "in_use": reply.get("in_use", 0)}

    # the boards' group messages go to the page as they are
    board_update = board_where = board_spotlight = board_closed = board_lab = _Json.forward

    async def board_rows(self, event):
        """Rows sent together (see ``services.board_update``): a board.update each."""
        for row in event["rows"]:
            await self.send_json({"type": "board.update", "row": row})

    @database_sync_to_async
    def _open(self, code):
        try:
            w = Workshop.objects.filter(code=workshops.normalise_code(code)).first()
        except workshops.WorkshopError:
            return None, False
        if w is None:
            return None, False
        return w, workshops.may_run(self.scope.get("user"), w)

    @database_sync_to_async
    def _fresh(self) -> Workshop:
        return Workshop.objects.get(pk=self.workshop.pk)

    @database_sync_to_async
    def _board(self) -> dict:
        return workshops.board(Workshop.objects.get(pk=self.workshop.pk),
                               services.lab_config().lessons_path)

    @database_sync_to_async
    def _call(self, fn, *args):
        return fn(Workshop.objects.get(pk=self.workshop.pk), *args)


def _int(v) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise workshops.WorkshopError("step must be an integer")
    return v
