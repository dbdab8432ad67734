"""Scale-out, live: a real redis-server and two daphne processes sharing it.

Learners sit on both processes, the instructor on one: goto reaches everyone,
and the board sees every learner's result, whichever process ran it.
"""
from __future__ import annotations

import asyncio
import json
import shutil

import pytest

from bench.cluster import Cluster, recv_type, ws
from tests.conftest import require

pytestmark = pytest.mark.live
LESSONS = ["container-to-container", "new-bridge-forward-drop"]


@pytest.fixture(scope="module")
def cluster():
    require(shutil.which("redis-server") is not None,
            "redis-server is not installed (Debian package redis-server; setup installs it as root)")
    with Cluster(2, env={"LAB_WARM_LESSONS": ""}) as c:
        yield c


async def test_goto_reaches_both_processes_and_the_board_sees_every_result(live_lab, cluster):
    seed = cluster.seed(4, LESSONS)
    a, b = cluster.urls
    board = await ws(a, f"/ws/board/{seed['code']}/", seed["instructor"])
    state = await recv_type(board, "board.state")
    assert len(state["rows"]) == 4
    learners = []
    for i, lrn in enumerate(seed["learners"]):
        url = (a, b)[i % 2]
        sock = await ws(url, "/ws/workshop/", lrn["session"])
        await recv_type(sock, "workshop.state")
        learners.append((url, lrn, sock))
    await board.send(json.dumps({"type": "workshop.goto", "lesson": LESSONS[1], "step": 1}))
    gotos = await asyncio.gather(*[recv_type(s, "workshop.goto", 20) for _, _, s in learners])
    assert {(g["lesson"], g["step"]) for g in gotos} == {(LESSONS[1], 1)}

    async def run(url, lrn):
        lab = await ws(url, "/ws/lab/", lrn["session"])
        await lab.send(json.dumps({"type": "lab.run", "lesson": LESSONS[1], "step": 1,
                                   "prediction": {"through": False}}))
        res = await recv_type(lab, ("lab.result", "lab.error"), 120)
        await lab.close()
        return res
    results = await asyncio.gather(*[run(url, lrn) for url, lrn, _ in learners])
    assert all(r["type"] == "lab.result" for r in results), results
    seen = {}
    while len(seen) < 4:
        up = await recv_type(board, "board.update", 60)
        cell = up["row"]["cells"].get(f"{LESSONS[1]}:1")
        if cell:
            seen[up["row"]["name"]] = cell
    assert set(seen) == {lrn["name"] for _, lrn, _ in learners}
    assert all(c["status"] == "passed" and c["prediction_right"] for c in seen.values()), seen
    assert {c["run"] for c in seen.values()} == {r["run"] for r in results}
    for _, _, s in learners:
        await s.close()
    await board.close()


async def test_an_idle_socket_stays_up_past_the_redis_read_timeout(live_lab, cluster):
    """redis-py 8 reads with a 5 s socket timeout by default, as long as channels_redis's
    blocking pop: without a longer one, a consumer idle that long is torn down (1011)."""
    seed = cluster.seed(1, LESSONS)
    a, b = cluster.urls
    board = await ws(a, f"/ws/board/{seed['code']}/", seed["instructor"])
    await recv_type(board, "board.state")
    sock = await ws(b, "/ws/workshop/", seed["learners"][0]["session"])
    await recv_type(sock, "workshop.state")
    await asyncio.sleep(7)
    await board.send(json.dumps({"type": "workshop.goto", "lesson": LESSONS[0], "step": 1}))
    goto = await recv_type(sock, "workshop.goto", 20)
    assert (goto["lesson"], goto["step"]) == (LESSONS[0], 1)
    await sock.close()
    await board.close()
