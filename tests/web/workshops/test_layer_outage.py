"""The channel layer goes away and comes back (redis stopped, restarted empty), with a
stand-in layer: the room's sockets stay open and say so, rejoin their groups once it
is back, and the page hears afresh what it missed.  The live one: tests/web/test_faults.py."""
import asyncio

import pytest
from channels.layers import InMemoryChannelLayer, get_channel_layer

from ..support import GradedLab, communicator, use_lab
from .test_workshops import LESSONS, browser_join, instructor_session, receive_type, setup_room

pytestmark = pytest.mark.django_db(transaction=True)


class FlakyLayer(InMemoryChannelLayer):
    """In memory, but ``outage()`` makes every call fail (a blocked receive too) until
    ``restart()``, which also forgets every group, as an empty redis would."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.down = asyncio.Event()

    def _check(self):
        if self.down.is_set():
            raise ConnectionError("Connection closed by server.")

    async def receive(self, channel):
        self._check()
        got = asyncio.ensure_future(super().receive(channel))
        lost = asyncio.ensure_future(self.down.wait())
        try:
            await asyncio.wait({got, lost}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            lost.cancel()
            if not got.done():
                got.cancel()
        if got.done() and not got.cancelled():
            return got.result()
        self._check()

    async def group_add(self, group, channel):
        self._check()
        await super().group_add(group, channel)

    async def group_send(self, group, message):
        self._check()
        await super().group_send(group, message)

    def outage(self):
        self.down.set()

    def restart(self):
        self.groups.clear()
        self.down.clear()


@pytest.fixture
def flaky(settings):
    settings.CHANNEL_LAYERS = {**settings.CHANNEL_LAYERS, "default": {
        "BACKEND": f"{__name__}.FlakyLayer"}}


async def states(comm, type_, state):
    """Up to the next ``type_`` status saying ``state``."""
    while (await receive_type(comm, type_, timeout=10))["state"] != state:
        pass


async def test_the_room_waits_out_a_lost_layer_and_catches_up(flaky, monkeypatch):
    use_lab(monkeypatch, GradedLab())
    w, teacher = await setup_room()
    _, _, ann = await browser_join(w.code, "Ann")
    board = await communicator(f"/ws/board/{w.code}/", session=await instructor_session(teacher))
    await receive_type(board, "board.state")
    learner = await communicator("/ws/workshop/", session=ann)
    await receive_type(learner, "workshop.state")
    layer = get_channel_layer()
    layer.outage()
    await states(board, "board.status", "reconnecting")
    await states(learner, "workshop.status", "reconnecting")
    # the instructor moves the room meanwhile: saved, though no learner hears it now
    await board.send_json_to({"type": "workshop.goto", "lesson": LESSONS[1], "step": 2})
    await receive_type(board, "board.prepared")
    late = await communicator("/ws/workshop/", session=ann)        # a reconnect, accepted
    assert (await receive_type(late, "workshop.state"))["where"]["step"] == 2
    await states(late, "workshop.status", "reconnecting")
    layer.restart()
    await states(board, "board.status", "live")
    assert (await receive_type(board, "board.state"))["where"] == {"lesson": LESSONS[1], "step": 2}
    await states(learner, "workshop.status", "live")
    assert (await receive_type(learner, "workshop.state"))["where"]["step"] == 2
    assert (await receive_type(learner, "workshop.goto"))["step"] == 2        # the missed one
    await states(late, "workshop.status", "live")
    # the groups (forgotten by the restart) were joined again: a goto reaches both pages
    await board.send_json_to({"type": "workshop.goto", "lesson": LESSONS[0], "step": 1})
    for page in (learner, late):
        assert (await receive_type(page, "workshop.goto"))["lesson"] == LESSONS[0]
    for comm in (board, learner, late):
        await comm.disconnect()
