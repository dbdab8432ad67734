"""A run's messages on their way to its socket, in order, in batches of JSON texts.

Trace events travel as the texts the lab wrote: the web side neither decodes nor
encodes them on the way (``combine_events`` only splices them into a
``trace.events`` message for a page that asked for ``batch``).
"""
from __future__ import annotations

import asyncio
import json
import logging

from channels.exceptions import ChannelFull
from channels.layers import get_channel_layer
from django.conf import settings

from ..core import messages
from ..core.protocol import EVENT_TEXT_HEAD

log = logging.getLogger(__name__)


async def _send(channel_name: str, texts: list[str], final: bool) -> None:
    # Already JSON: the in-memory layer deep-copies what it carries (a string
    # copies for free), and one channel message carries a batch of them: each
    # dispatch to a consumer costs a hop through Django's sync thread.
    layer = get_channel_layer(settings.LAB_CHANNEL_LAYER)      # the lab socket's own
    envelope = messages.make("group", "lab.message", texts=texts, final=final)
    for _ in range(3000):
        try:
            await layer.send(channel_name, envelope)
            return
        except ChannelFull:   # the consumer is busy forwarding: let it drain
            await asyncio.sleep(0.01)
    log.warning("dropping %d messages for %s: channel full", len(texts), channel_name)


class Outbox:
    """A run's messages to its consumer, in order: whatever piles up while the
    previous batch is on its way goes out together as the next batch.  ``deliver``
    (``await deliver(texts, final)``) hands them to the consumer directly; without
    it they go through the lab socket's in-process channel layer to ``channel_name``."""

    def __init__(self, channel_name: str, batch: bool = False, deliver=None):
        self.channel_name = channel_name
        self.batch = batch
        self.deliver = deliver or (lambda texts, final: _send(channel_name, texts, final))
        self.texts: list[str] = []
        self.final = False
        self.ready = asyncio.Event()
        self.task = asyncio.ensure_future(self._forward())

    def put(self, message: dict | str):
        """A message, or its JSON text as it goes to the page."""
        self.texts.append(message if isinstance(message, str)
                          else json.dumps(message, separators=(",", ":"), default=str))
        self.ready.set()

    async def _forward(self):
        while True:
            await self.ready.wait()
            self.ready.clear()
            batch, self.texts, final = self.texts, [], self.final
            if self.batch:
                batch = combine_events(batch)
            if batch:
                await self.deliver(batch, final)
            if final:
                return

    async def close(self, final: dict):
        """Send what is left, then the final message (a batch on its way is not cut off)."""
        self.put(final)
        self.final = True
        await self.task


EVENT_HEADS = (EVENT_TEXT_HEAD, '{"type": "trace.event", "event": ')
EVENTS_HEAD = '{"type":"trace.events","events":['


def combine_events(texts: list[str]) -> list[str]:
    """Consecutive ``trace.event`` messages -> one ``trace.events`` message (for a client
    that asked for ``batch``): under load a websocket frame per event costs more than
    the event.  Other messages, and their order, are left as they are."""
    out: list[str] = []
    run: list[str] = []
    for text in texts + [""]:
        head = next((h for h in EVENT_HEADS if text.startswith(h)), None)
        if head and text.endswith("}"):
            run.append(text[len(head):-1])
            continue
        if len(run) == 1:
            out.append(EVENT_TEXT_HEAD + run[0] + "}")
        elif run:
            out.append(EVENTS_HEAD + ",".join(run) + "]}")
        run = []
        if text:
            out.append(text)
    return out


def decode_events(items: list) -> list[dict]:
    """The run's events as data, from what the lab sent (texts, or already decoded)."""
    texts = [m for m in items if isinstance(m, str)]
    if not texts:
        return [m.get("event") for m in items]
    decoded = iter(json.loads("[" + ",".join(texts) + "]"))      # one parse for the run
    return [(next(decoded) if isinstance(m, str) else m).get("event") for m in items]
