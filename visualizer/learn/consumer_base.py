"""What every websocket consumer here shares."""
from __future__ import annotations

import asyncio
import json
import logging

from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from channels.utils import await_many_dispatch

from ..core import errors, messages

log = logging.getLogger(__name__)

LAYER_RETRY_S = (0.5, 1.0, 2.0)     # waits between tries to reach the channel layer again
_layer_ok = True                    # this process's last word on the layer (logged once a change)


def _layer_log(ok: bool, exc: Exception | None = None) -> None:
    global _layer_ok
    if ok != _layer_ok:
        _layer_ok = ok
        if ok:
            log.warning("the channel layer is back: sockets rejoin their groups")
        else:
            log.warning("the channel layer is unreachable (%s: %s): sockets stay open and "
                        "retry", type(exc).__name__, exc)


class Consumer(AsyncWebsocketConsumer):
    """Channels' consumer, dispatching without a hop through the sync thread.

    Channels' own ``dispatch`` runs ``close_old_connections`` in the one sync
    thread before every message: a websocket frame, a group message.  That thread
    is also where every run is saved, so when a room's runs end together a board
    update or a learner's next frame waited behind all of their saves (measured:
    p95 ~150 ms a message on the board).  Every database access here goes through
    ``database_sync_to_async``, which closes old connections itself, in the
    thread, around the call.

    ``route`` names this socket's messages in ``core/messages.py``: its errors
    are ``<route>.error``."""

    route = "lab"

    async def __call__(self, scope, receive, send):
        """Channels' own, but a channel layer that fails does not end the socket: channels'
        lets the layer's receive raise, and daphne closes the socket (1011) for it.  The
        layer's messages come through :meth:`layer_receive` instead."""
        self.scope, self.base_send = scope, send
        self.joined: list[str] = []         # this socket's groups, to join again
        self.layer_down, self.layer_tries = False, 0
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        sources = [receive]
        if self.channel_layer is not None:
            self.channel_name = await self.channel_layer.new_channel()
            sources.append(self.layer_receive)
        try:
            await await_many_dispatch(sources, self.dispatch)
        except StopConsumer:
            pass

    async def layer_receive(self) -> dict:
        """The next message from the channel layer.  While the layer is unreachable (redis
        stopped) wait, re-join this socket's groups (a restarted redis has none) and try
        again; the socket stays open meanwhile."""
        while True:
            try:
                await self._rejoin()
                return await self.channel_layer.receive(self.channel_name)
            except Exception as e:
                await self.layer_lost(e)
            await asyncio.sleep(LAYER_RETRY_S[min(self.layer_tries, len(LAYER_RETRY_S) - 1)])
            self.layer_tries += 1

    async def _rejoin(self):
        """The layer was lost: join the groups again; joined, the layer is back.  (With
        no group there is nothing to try but the receive itself.)"""
        if not (self.layer_down and self.joined):
            return
        for group in list(self.joined):
            await self.channel_layer.group_add(group, self.channel_name)
        self.layer_down, self.layer_tries = False, 0
        _layer_log(True)
        await self.layer_changed()

    async def layer_lost(self, exc: Exception):
        """A layer call failed (receive, group_add, group_send): the layer is down until
        the groups join again (:meth:`layer_receive`)."""
        _layer_log(False, exc)
        self.layer_down = True
        await self.layer_changed()

    async def layer_changed(self):
        """The layer went down or came back (``self.layer_down``): a room tells its page."""

    async def join(self, group: str):
        """Join ``group`` now, or as soon as the layer is back."""
        self.joined.append(group)
        try:
            await self.channel_layer.group_add(group, self.channel_name)
        except Exception as e:
            await self.layer_lost(e)

    async def leave(self):
        """Leave this socket's groups (unreachable: redis drops them when they expire)."""
        groups, self.joined = self.joined, []
        try:
            for group in groups:
                await self.channel_layer.group_discard(group, self.channel_name)
        except Exception as e:
            _layer_log(False, e)

    async def publish(self, group: str, event: dict) -> bool:
        """``group_send``; False when the layer is unreachable (this socket is told)."""
        try:
            await self.channel_layer.group_send(group, event)
            return True
        except Exception as e:
            await self.layer_lost(e)
            return False

    async def dispatch(self, message):
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def websocket_receive(self, message):
        """Whatever a frame's handler raises becomes this socket's ``*.error``: a bug
        is logged, and the connection (and the learner's sandbox) stays up."""
        try:
            await super().websocket_receive(message)
        except StopConsumer:
            raise
        except Exception as e:
            log.exception("a %s message failed", self.route)
            await self.error(errors.from_exception(e, other=errors.INTERNAL))

    async def send_json(self, content: dict):
        await self.send(text_data=json.dumps(content, default=str))

    async def error(self, exc: errors.Error):
        """This socket's ``*.error`` for a refusal; the connection stays up."""
        await self.send_json(messages.error_of(exc, self.route))
