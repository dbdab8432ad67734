"""Faults of the scale-out engines, live: a real redis-server and two daphne processes.

redis stopped for 10 s mid-workshop: no socket closes, runs in flight (and runs started
meanwhile) end with their lab.result, the room's sockets say they are reconnecting and,
once redis is back, rejoin their groups (a restarted redis has none): a goto reaches
everyone.  One daphne killed (-9): the learners on the other keep running, and the
board, reconnected there, has every row (rows come from the database).
"""
from __future__ import annotations

import asyncio
import json
import shutil
import socket
import subprocess
import time

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.protocol import State

from bench.cluster import ROOT, Cluster, recv_type, ws
from tests.conftest import require

pytestmark = pytest.mark.live
LESSONS = ["container-to-container", "new-bridge-forward-drop"]
RUN = {"type": "lab.run", "lesson": LESSONS[0], "step": 1, "prediction": None}
OUTAGE_S = 10
LEARNERS = 4


def _cluster() -> Cluster:
    require(shutil.which("redis-server") is not None,
            "redis-server is not installed (Debian package redis-server; setup installs it as root)")
    return Cluster(2, env={"LAB_WARM_LESSONS": ""})


def stop_redis(cluster: Cluster) -> None:
    redis = cluster.procs[0]
    redis.terminate()
    redis.wait(10)


def start_redis(cluster: Cluster) -> None:
    """The same redis again, on its port, empty (no persistence: every group is gone)."""
    log = open(cluster.dir / "redis-again.log", "w")
    cluster.logs.append(log)
    cluster.procs[0] = subprocess.Popen(cluster.procs[0].args, cwd=ROOT, env=cluster.env,
                                        stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", cluster.redis_port), timeout=1).close()
            return
        except OSError:
            assert time.monotonic() < deadline, "redis-server did not come back"
            time.sleep(0.1)


async def state_of(sock, type_: str, state: str, timeout: float = 60) -> dict:
    """The next ``type_`` status message saying ``state``."""
    while True:
        msg = await recv_type(sock, type_, timeout)
        if msg["state"] == state:
            return msg


async def result_of(lab) -> dict:
    return await recv_type(lab, ("lab.result", "lab.error"), 120)


async def seat(url: str, lrn: dict):
    """A learner's workshop page and lab socket, both on the process at ``url``."""
    page = await ws(url, "/ws/workshop/", lrn["session"])
    await recv_type(page, "workshop.state")
    return page, await ws(url, "/ws/lab/", lrn["session"])


async def open_room(cluster: Cluster, board_at: int):
    """A seeded room: its board on process ``board_at``, its learners on both by turns."""
    seed = cluster.seed(LEARNERS, LESSONS)
    board = await ws(cluster.urls[board_at], f"/ws/board/{seed['code']}/", seed["instructor"])
    await recv_type(board, "board.state")
    seats = [await seat(cluster.urls[i % 2], lrn) for i, lrn in enumerate(seed["learners"])]
    return seed, board, seats


async def goto_reaches(board, pages) -> None:
    await board.send(json.dumps({"type": "workshop.goto", "lesson": LESSONS[1], "step": 1}))
    gotos = await asyncio.gather(*[recv_type(p, "workshop.goto", 20) for p in pages])
    assert {(g["lesson"], g["step"]) for g in gotos} == {(LESSONS[1], 1)}


async def still_answers(lab) -> None:
    """The lab socket is the same connection, and answering."""
    await lab.send("{")
    assert (await recv_type(lab, "lab.error", 20))["kind"] == "input"
    assert lab.state is State.OPEN


async def test_a_redis_outage_closes_no_socket_and_loses_no_run(live_lab):
    with _cluster() as cluster:
        seed, board, seats = await open_room(cluster, 0)
        for _, lab in seats:
            await lab.send(json.dumps(RUN))
            await recv_type(lab, "lab.status", 60)           # in flight
        stop_redis(cluster)
        down = time.monotonic()
        results = await asyncio.gather(*[result_of(lab) for _, lab in seats])
        assert all(r["type"] == "lab.result" for r in results), results
        await state_of(board, "board.status", "reconnecting")
        for page, _ in seats:
            await state_of(page, "workshop.status", "reconnecting")
        for _, lab in seats:                                 # started during the outage
            await lab.send(json.dumps({**RUN, "step": 2}))
        during = await asyncio.gather(*[result_of(lab) for _, lab in seats])
        assert all(r["type"] == "lab.result" for r in during), during
        # a page that (re)connects meanwhile is accepted, and told
        late = await ws(cluster.urls[1], "/ws/workshop/", seed["learners"][0]["session"])
        await recv_type(late, "workshop.state")
        await state_of(late, "workshop.status", "reconnecting")
        await asyncio.sleep(max(0.0, OUTAGE_S - (time.monotonic() - down)))
        start_redis(cluster)

        await state_of(board, "board.status", "live")
        rows = (await recv_type(board, "board.state"))["rows"]     # what it missed, afresh
        assert all(f"{LESSONS[0]}:2" in r["cells"] for r in rows), rows
        pages = [page for page, _ in seats] + [late]
        for page in pages:
            await state_of(page, "workshop.status", "live")
        await goto_reaches(board, pages)
        for _, lab in seats:
            await still_answers(lab)
        for sock in [board, *pages, *(lab for _, lab in seats)]:
            await sock.close()


async def test_a_killed_daphne_leaves_the_other_running_and_the_board_every_row(live_lab):
    with _cluster() as cluster:
        seed, board, seats = await open_room(cluster, 1)
        a = cluster.urls[0]
        cluster.procs[-1].kill()                             # the board's daphne, -9
        cluster.procs[-1].wait(10)
        # the board socket ends with its process: updates it had already received
        # (learners connecting are board rows now) may come first
        with pytest.raises(ConnectionClosed):
            for _ in range(200):
                await recv_type(board, "board.update", 20)
        on_a = seats[0::2]
        for _, lab in on_a:
            await lab.send(json.dumps(RUN))
        results = await asyncio.gather(*[result_of(lab) for _, lab in on_a])
        assert all(r["type"] == "lab.result" for r in results), results

        board = await ws(a, f"/ws/board/{seed['code']}/", seed["instructor"])   # reconnects
        rows = {r["name"]: r for r in (await recv_type(board, "board.state"))["rows"]}
        assert set(rows) == {lrn["name"] for lrn in seed["learners"]}
        ran = {lrn["name"] for lrn in seed["learners"][0::2]}
        assert {n for n, r in rows.items() if f"{LESSONS[0]}:1" in r["cells"]} == ran
        moved = [await ws(a, "/ws/workshop/", lrn["session"]) for lrn in seed["learners"][1::2]]
        for page in moved:
            await recv_type(page, "workshop.state")
        pages = [page for page, _ in on_a] + moved
        await goto_reaches(board, pages)
        for _, lab in on_a:
            await still_answers(lab)
        for sock in [board, *pages, *(lab for _, lab in on_a)]:
            await sock.close()
