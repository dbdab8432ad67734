"""The one websocket consumer: validate, hand off to the run service, forward."""
from __future__ import annotations

import asyncio
import json
import time

from channels.db import database_sync_to_async
from django.conf import settings

from . import services
from .consumer_base import Consumer
from .core import errors


class LabConsumer(Consumer):
    """``/ws/lab/``: one run at a time per connection; bad input never closes it."""

    async def connect(self):
        self.owner = await self._session_key()
        self.running = False
        self.started: list[float] = []      # when this connection's recent runs began
        self.run_task: asyncio.Task | None = None
        self.idle_task: asyncio.Task | None = None
        await self.accept()

    async def receive(self, text_data=None, bytes_data=None):
        try:
            req = services.parse_request(text_data, bytes_data)
        except services.BadRequest as e:
            await self.send_json({"type": "lab.error", "kind": e.kind, "message": str(e)})
            return
        if self.running:
            await self.send_json({"type": "lab.error", "kind": errors.BUSY,
                                  "message": "a run is already in progress on this connection; "
                                             "wait for its lab.result"})
            return
        wait = self._rate_wait()
        if wait:
            await self.send_json({"type": "lab.error", "kind": errors.RATE,
                                  "message": f"too many runs from this page: try again in "
                                             f"{wait:.0f} s (at most {settings.WS_RUNS_PER_MINUTE} "
                                             "a minute)"})
            return
        self.running = True
        self.started.append(time.monotonic())
        self._cancel_idle()
        self.run_task = asyncio.create_task(services.run(self.channel_name, **req, owner=self.owner,
                                                         deliver=self.deliver))

    async def deliver(self, texts: list[str], final: bool):
        """The run service's messages (its task runs in this process): a batch, in
        order, one websocket message each."""
        for text in texts:
            await self.send(text_data=text)
        if final:
            self.running = False
            self._cancel_idle()
            self.idle_task = asyncio.create_task(services.release_when_idle(self.channel_name))

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
        await services.release(self.channel_name)

    def _rate_wait(self) -> float:
        """Seconds until this connection may start another run (0: now)."""
        now = time.monotonic()
        self.started = [t for t in self.started if now - t < 60]
        if len(self.started) < settings.WS_RUNS_PER_MINUTE:
            return 0.0
        return max(1.0, 60 - (now - self.started[0]))

    @database_sync_to_async
    def _session_key(self) -> str:
        """The browser's session (from its cookie), made if it has none: runs and
        progress belong to it."""
        session = self.scope.get("session")
        if session is None:
            return ""
        if not session.session_key:
            session.save()
        return session.session_key

    async def send_json(self, content):
        await self.send(text_data=json.dumps(content, default=str))

    def _cancel_idle(self):
        if self.idle_task and not self.idle_task.done():
            self.idle_task.cancel()
        self.idle_task = None
