"""The lab socket's consumer: validate, hand off to the run service, forward."""
from __future__ import annotations

import asyncio
import time

from channels.db import database_sync_to_async
from django.conf import settings

from ..core import errors
from . import recording, runs, sessions
from .consumer_base import Consumer
from .shares import SEATED, Share
from .validation import parse_request


class LabConsumer(Consumer):
    """``/ws/lab/``: one run at a time per connection; bad input never closes it."""

    route = "lab"

    @property
    def channel_layer_alias(self) -> str:
        """In-process (``settings.LAB_CHANNEL_LAYER``): a run's task runs where its
        socket is, so nothing of a run needs redis, nor fails with it."""
        return settings.LAB_CHANNEL_LAYER

    async def connect(self):
        self.owner = await self._session_key()
        self.running = False
        self.started: list[float] = []      # when this connection's recent runs began
        self.run_task: asyncio.Task | None = None
        self.idle_task: asyncio.Task | None = None
        self.opened: str | None = None      # the lesson a sandbox is built ahead for
        client = self.scope.get("client") or ("unknown", 0)
        self.share = Share(self.owner, str(client[0]))
        self.share.seated = self.seated
        await self.accept()

    async def receive(self, text_data=None, bytes_data=None):
        try:
            req = parse_request(text_data, bytes_data)
            if "open" in req:
                await self._open(req["open"])
                return
            self._may_start()
            if self.seated:                 # a workshop's room may be paused (before the
                await recording.may_run(self.owner)     # shares count the run)
            self.share.check()
        except errors.Error as e:
            await self.error(e)
            return
        self.running = True
        self.opened = None                  # its sandbox-to-be, if any, is this run's
        self.started.append(time.monotonic())
        self._cancel_idle()
        job = runs.experiment if "experiment" in req else runs.run
        self.run_task = asyncio.create_task(job(self.channel_name, **req, owner=self.owner,
                                                deliver=self.deliver))

    async def _open(self, lesson: str):
        """A page opened (``lab.open``): once per socket and within its shares, one
        more sandbox of its lesson is built ahead, so its first Run starts warm."""
        if self.opened is not None or self.started or not self.share.reserve():
            return
        self.opened = lesson
        self.open_task = asyncio.create_task(runs.prewarm(lesson, +1))   # the lab may be starting

    def _may_start(self):
        if self.running:
            raise errors.Busy(errors.say("error.busy"))
        wait = self._rate_wait()
        if wait:
            raise errors.RateLimited(errors.say("error.rate.page", seconds=f"{wait:.0f}",
                                                per_minute=settings.WS_RUNS_PER_MINUTE))

    async def deliver(self, texts: list[str], final: bool):
        """The run service's messages (its task runs in this process): a batch, in
        order, one websocket message each."""
        for text in texts:
            await self.send(text_data=text)
        if final:
            self.running = False
            self._cancel_idle()
            self.idle_task = asyncio.create_task(self._release_when_idle())

    async def _release_when_idle(self):
        await runs.release_when_idle(self.channel_name)
        self.share.released()

    async def lab_message(self, event):
        """The same, through the channel layer (a run service given no ``deliver``)."""
        await self.deliver(event["texts"], bool(event.get("final")))

    async def disconnect(self, code):
        self._cancel_idle()
        if self.run_task and not self.run_task.done():
            self.run_task.cancel()
            try:
                await self.run_task
            except (asyncio.CancelledError, Exception):
                pass
        await runs.release(self.channel_name)
        if self.opened:                     # left before running: not wanted after all
            await runs.prewarm(self.opened, -1)
        self.share.released()

    def _rate_wait(self) -> float:
        """Seconds until this connection may start another run (0: now)."""
        now = time.monotonic()
        self.started = [t for t in self.started if now - t < 60]
        if len(self.started) < settings.WS_RUNS_PER_MINUTE:
            return 0.0
        return max(1.0, 60 - (now - self.started[0]))

    @database_sync_to_async
    def _session_key(self) -> str:
        """The browser's session (from its cookie), which its runs and progress belong
        to; "" when it has none.  None is made here: a session made by the socket could
        never reach the browser (the page makes it at its first Run, ``sessions.py``)."""
        key = sessions.key_of(self.scope.get("session"))
        self.seated = bool(key) and bool(self.scope["session"].get(SEATED))
        return key

    def _cancel_idle(self):
        if self.idle_task and not self.idle_task.done():
            self.idle_task.cancel()
        self.idle_task = None
