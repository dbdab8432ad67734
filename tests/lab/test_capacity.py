"""The sandbox cap under concurrency (pure asyncio, no kernel), and live: a run past
the cap waits in line, told how many are ahead, and runs once a place frees."""
from __future__ import annotations

import asyncio

import pytest

from visualizer.core.config import LabConfig
from visualizer.lab.capacity import Capacity


async def test_places_count_until_released_and_the_line_is_fifo():
    cap = Capacity(2)
    assert cap.try_acquire() and cap.try_acquire() and not cap.try_acquire()
    heard: dict[str, list] = {"a": [], "b": []}
    a = asyncio.ensure_future(cap.acquire(heard["a"].append))
    b = asyncio.ensure_future(cap.acquire(heard["b"].append))
    await asyncio.sleep(0)
    assert cap.queued == 2 and heard == {"a": [0], "b": [1]}
    cap.release()
    await asyncio.sleep(0)
    assert a.done() and not b.done() and heard["b"] == [1, 0]
    assert cap.used == 2 and not cap.try_acquire()    # the place moved; nobody jumps the line
    b.cancel()
    await asyncio.sleep(0)
    assert cap.queued == 0
    cap.release()
    cap.release()
    assert cap.used == 0


async def test_a_cancelled_waiter_handed_a_place_passes_it_on():
    cap = Capacity(1)
    await cap.acquire()
    a = asyncio.ensure_future(cap.acquire())
    b = asyncio.ensure_future(cap.acquire())
    await asyncio.sleep(0)
    cap.release()              # a is handed the place ...
    a.cancel()                 # ... and gives up before it runs
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert b.done() and cap.used == 1


@pytest.mark.live
async def test_past_the_cap_a_run_waits_and_hears_its_place(live_lab):
    """The one place is busy running (an idle one would be reclaimed at once, see
    test_live_rerun_at_cap): the second run waits, hears it is next, and goes when
    the first run's sandbox falls idle."""
    from visualizer.lab.client import LabClient
    client = LabClient(LabConfig(warm_lessons=(), pool_size=0, max_sandboxes=1))
    try:
        running = asyncio.Event()

        async def on_first(msg):
            if msg.get("status") == "running":
                running.set()
        first = asyncio.ensure_future(client.run("first", "container-to-container", 2, [],
                                                 on_first))
        await asyncio.wait_for(running.wait(), 30)
        seen = []

        async def on_message(msg):
            seen.append(msg)
        second = asyncio.ensure_future(client.run("second", "container-to-container", 1, [],
                                                  on_message))
        for _ in range(100):
            if any(m.get("status") == "queued" for m in seen):
                break
            await asyncio.sleep(0.05)
        queued = [m for m in seen if m.get("status") == "queued"]
        assert queued and queued[0]["ahead"] == 0 and "you are next" in queued[0]["detail"]
        assert not second.done()
        assert (await asyncio.wait_for(first, 60))["lesson"] == "container-to-container"
        result = await asyncio.wait_for(second, 60)
        assert result["ok"] and (await client.ping())["sandboxes"] == 1
    finally:
        await client.stop()


@pytest.mark.live
async def test_a_hot_start_builds_the_seats_and_the_runs_take_them(live_lab):
    """warm(count) builds that many ready sandboxes; each run takes one and its seat,
    so after the room has run the pool is back to its usual size, not rebuilt."""
    from visualizer.lab.client import LabClient
    client = LabClient(LabConfig(warm_lessons=(), pool_size=1, max_sandboxes=10))
    lesson = "container-to-container"
    try:
        reply = await client.warm(lesson, 3)
        assert reply["target"] == 3
        for _ in range(200):
            if (await client.ping())["pool"].get(lesson, 0) >= 3:
                break
            await asyncio.sleep(0.1)
        assert (await client.ping())["pool"][lesson] == 3
        results = await asyncio.gather(*[client.run(f"l{i}", lesson, 1, []) for i in range(3)])
        assert all(r["ok"] for r in results)
        await asyncio.sleep(1.0)            # the refill, if any, has begun by now
        for _ in range(100):
            ping = await client.ping()
            if ping["pool"].get(lesson, 0) >= 1:
                break
            await asyncio.sleep(0.1)
        assert (await client.warm(lesson))["target"] == 1
        assert (await client.ping())["pool"][lesson] == 1
    finally:
        await client.stop()


async def test_a_run_ends_after_the_others_have_their_first_event():
    """What ends a run (tools, journeys, result) waits while other runs have not had
    their first event: a room starts together.  Alone, a run never waits."""
    from visualizer.lab.server import Lab
    lab = Lab(None, LabConfig(warm_lessons=()))
    await asyncio.wait_for(lab.finish_turn(), 0.5)        # nobody starting: at once
    lab.starting.add(7)
    turn = asyncio.ensure_future(lab.finish_turn())
    await asyncio.sleep(0.1)
    assert not turn.done()
    lab.starting.discard(7)
    await asyncio.wait_for(turn, 1)


async def test_lines_written_together_go_out_in_one_write():
    from visualizer.lab.output import LineWriter as _Out

    class Transport:
        writes: list = []

        def is_closing(self):
            return False

        def write(self, data):
            self.writes.append(data)
    t = Transport()
    out = _Out(t, asyncio.get_running_loop())
    out.write(b"a\n")                 # after a quiet spell: at once
    out.write(b"b\n")
    out.write(b"c\n")                 # these two: together, when the callback returns
    assert t.writes == [b"a\n"]
    await asyncio.sleep(0)
    assert t.writes == [b"a\n", b"b\nc\n"]


async def test_past_the_time_in_line_a_run_gets_lab_full_not_a_timeout():
    """Every place busy (nothing idle to reclaim) for longer than ``queue_timeout``:
    the run never started, so its error is ``lab_full`` and says to try again."""
    from visualizer.core import errors
    from visualizer.lab.server import Lab

    sent = []

    class Out:
        def write(self, line):
            sent.append(line)
    lab = Lab(Out(), LabConfig(max_sandboxes=1, pool_size=0, queue_timeout=0.2))
    assert lab.capacity.try_acquire()            # the one place: a run going on
    lesson = lab.lesson("container-to-container")
    with pytest.raises(errors.LabFull) as e:
        await lab.take(lesson, 7)
    assert e.value.kind == errors.FULL and "try again" in e.value.message
    assert "did not finish" not in e.value.message
    assert lab.capacity.queued == 0 and lab.capacity.used == 1   # it left the line
    assert any(b'"queued"' in line for line in sent)
