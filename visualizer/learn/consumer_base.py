"""What every websocket consumer here shares."""
from __future__ import annotations

import json
import logging

from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer

from ..core import errors, messages

log = logging.getLogger(__name__)


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
