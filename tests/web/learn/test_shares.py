"""Fair shares: one browser or one address cannot take more of the lab than its
share, however many sockets it opens (before, limits counted per socket)."""
import pytest
from asgiref.sync import sync_to_async

from ..support import GradedLab, collect_run, communicator, use_lab

pytestmark = pytest.mark.django_db(transaction=True)

RUN = {"type": "lab.run", "lesson": "new-bridge-forward-drop", "step": 1}


@pytest.fixture
def lab(monkeypatch):
    return use_lab(monkeypatch, GradedLab())


async def a_session(**data) -> str:
    from django.contrib.sessions.backends.db import SessionStore

    def make():
        s = SessionStore()
        s["seen"] = True
        s.update(data)
        s.create()
        return s.session_key
    return await sync_to_async(make)()


async def run_on(comm) -> dict:
    await comm.send_json_to(RUN)
    return (await collect_run(comm))[-1]


async def test_one_browser_holds_at_most_its_sandboxes_across_sockets(lab, settings):
    settings.WS_SANDBOXES_PER_SESSION = 2
    key = await a_session()
    socks = [await communicator(session=key) for _ in range(3)]
    assert (await run_on(socks[0]))["type"] == "lab.result"
    assert (await run_on(socks[1]))["type"] == "lab.result"
    refused = await run_on(socks[2])
    assert refused["type"] == "lab.error" and refused["kind"] == "rate_limited"
    assert "already holds 2" in refused["message"]
    assert (await run_on(socks[0]))["type"] == "lab.result"     # a holder re-runs freely
    await socks[1].disconnect()                                 # its sandbox is released
    assert (await run_on(socks[2]))["type"] == "lab.result"
    other = await communicator(session=await a_session())       # another browser is not held back
    assert (await run_on(other))["type"] == "lab.result"
    for comm in (socks[0], socks[2], other):
        await comm.disconnect()


async def test_sockets_without_a_cookie_share_their_address(lab, settings):
    settings.WS_SANDBOXES_PER_ADDRESS = 3
    socks = [await communicator() for _ in range(4)]
    kinds = [(await run_on(c))["type"] for c in socks]
    assert kinds == ["lab.result"] * 3 + ["lab.error"]
    for comm in socks:
        await comm.disconnect()


async def test_a_room_seated_behind_one_address_is_not_held_by_its_share(lab, settings):
    """Learners an instructor seated (a workshop's join marks their session) share one
    NAT address; the room's seats bound them, not the address's sandbox share."""
    from visualizer.learn.shares import SEATED
    settings.WS_SANDBOXES_PER_ADDRESS = 2
    socks = [await communicator(session=await a_session(**{SEATED: "ABC234"})) for _ in range(4)]
    assert [(await run_on(c))["type"] for c in socks] == ["lab.result"] * 4
    stranger = await communicator(session=await a_session())
    assert (await run_on(stranger))["kind"] == "rate_limited"     # the address is full
    for comm in (*socks, stranger):
        await comm.disconnect()


async def test_the_run_rate_counts_per_browser_not_per_socket(lab, settings):
    settings.WS_RUNS_PER_MINUTE = 2
    key = await a_session()
    a, b = await communicator(session=key), await communicator(session=key)
    assert (await run_on(a))["type"] == "lab.result"
    assert (await run_on(b))["type"] == "lab.result"
    c = await communicator(session=key)                 # a fresh socket: no fresh limit
    refused = await run_on(c)
    assert refused["kind"] == "rate_limited" and "from this browser" in refused["message"]
    for comm in (a, b, c):
        await comm.disconnect()


async def test_the_run_rate_counts_per_address(lab, settings):
    settings.WS_RUNS_PER_MINUTE_PER_ADDRESS = 2
    socks = [await communicator(session=await a_session()) for _ in range(3)]
    kinds = [(await run_on(c)).get("kind") for c in socks]
    assert kinds[:2] == [None, None] and kinds[2] == "rate_limited"
    for comm in socks:
        await comm.disconnect()


class WarmLab(GradedLab):
    """Records each ``warm`` with its ``add``."""

    def __init__(self):
        super().__init__()
        self.adds = []

    async def warm(self, lesson, count=None, timeout=10, add=None):
        self.adds.append((lesson, add))
        return {}


async def test_an_opened_page_has_a_sandbox_built_ahead_within_its_share(monkeypatch, settings):
    """lab.open asks the lab for one more ready sandbox of that lesson; leaving before
    a run takes it back; past the share nothing is built (and nothing is said)."""
    lab = use_lab(monkeypatch, WarmLab())
    settings.WS_SANDBOXES_PER_SESSION = 1
    key = await a_session()
    opened = {"type": "lab.open", "lesson": "new-bridge-forward-drop", "step": 1}
    a, b = await communicator(session=key), await communicator(session=key)
    await a.send_json_to(opened)
    await a.send_json_to(opened)                        # once per socket
    assert await a.receive_nothing(0.2)                 # (a's first, then b's)
    await b.send_json_to(opened)                        # past the browser's share
    got = await run_on(a)
    assert got["type"] == "lab.result", got          # the reserved place is the run's
    assert await b.receive_nothing(0.2)
    await b.disconnect()
    c = await communicator(session=await a_session())
    await c.send_json_to(opened)
    await c.receive_nothing(0.2)
    await c.disconnect()                                # left without running
    await a.disconnect()
    assert lab.adds == [("new-bridge-forward-drop", 1)] * 2 + [("new-bridge-forward-drop", -1)]


async def test_a_bad_open_is_an_input_error(lab):
    comm = await communicator()
    await comm.send_json_to({"type": "lab.open", "lesson": "nope"})
    reply = await comm.receive_json_from(timeout=5)
    assert reply["type"] == "lab.error" and reply["kind"] == "input"
    await comm.disconnect()
