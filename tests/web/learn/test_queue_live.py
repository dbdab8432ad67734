"""At a small cap, over real websockets and the real lab: an idle sandbox is
reclaimed before anyone waits (least recently used first), and learners who do
wait hear their place as it changes and then get their run, never a timeout."""
import asyncio

import pytest

from ..support import collect_run, communicator

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]

RUN = {"type": "lab.run", "lesson": "container-to-container", "step": 1}


@pytest.fixture
async def small_lab(settings):
    """The real lab with no pool: every run builds, so the cap is what it holds."""
    from ..support import require_live_lab
    require_live_lab()
    settings.LAB_POOL_SIZE, settings.LAB_WARM_LESSONS = 0, ()
    settings.WS_SANDBOXES_PER_ADDRESS = 10      # every socket here has one address
    from visualizer.learn import config
    yield settings
    await config.lab_client().stop()


async def test_the_least_recently_used_idle_sandbox_is_reclaimed(small_lab):
    small_lab.LAB_MAX_SANDBOXES = 2
    socks = [await communicator() for _ in range(3)]
    runs = []
    for comm in socks:                       # one after the other: a, b, then c
        await comm.send_json_to(RUN)
        runs.append(await collect_run(comm))
    assert [r[-1]["type"] for r in runs] == ["lab.result"] * 3
    assert not any(m.get("status") == "queued" for r in runs for m in r)
    from visualizer.learn import config
    ping = await config.lab_client().ping()
    assert ping["sandboxes"] == 2 and ping["reclaimed"] == 1 and ping["queued"] == 0, ping
    for comm in socks:
        await comm.disconnect()


async def test_queued_learners_hear_their_place_and_all_get_their_run(small_lab):
    small_lab.LAB_MAX_SANDBOXES = 1
    socks = [await communicator() for _ in range(3)]
    for comm in socks:
        await comm.send_json_to(RUN)
    runs = await asyncio.gather(*[collect_run(c) for c in socks])
    assert [r[-1]["type"] for r in runs] == ["lab.result"] * 3, [r[-1] for r in runs]
    assert all(r[-1]["ok"] for r in runs)
    places = [[m["ahead"] for m in r if m.get("status") == "queued"] for r in runs]
    # Which socket's run reaches the lab first is not ours to say; the line's shape is.
    assert sorted(places, key=len) == [[], [0], [1, 0]], places    # moved up as the line went
    for comm in socks:
        await comm.disconnect()


async def test_an_opened_page_runs_on_a_sandbox_built_while_it_was_read(small_lab):
    small_lab.LAB_MAX_SANDBOXES = 4
    from visualizer.learn import config
    comm = await communicator()
    await comm.send_json_to({"type": "lab.open", "lesson": RUN["lesson"], "step": 1})
    for _ in range(200):
        await asyncio.sleep(0.1)
        if (await config.lab_client().ping())["pool"].get(RUN["lesson"]):
            break
    assert (await config.lab_client().ping())["pool"] == {RUN["lesson"]: 1}
    await comm.send_json_to(RUN)
    msgs = await collect_run(comm)
    assert msgs[-1]["type"] == "lab.result" and msgs[-1]["ok"]
    assert "building" not in [m.get("status") for m in msgs]     # it was ready
    await comm.disconnect()
