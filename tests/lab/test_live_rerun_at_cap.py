"""A learner who holds a sandbox re-runs at the cap: the re-run replaces it in place.

Before, the old sandbox went only after the new run ended, so at the cap a
re-run waited in line for a place its own sandbox held, then failed at 20 s."""
import asyncio

import pytest

from visualizer.core.config import LabConfig
from visualizer.lab.client import LabClient

from .test_live_lifecycle import on_own_loop

pytestmark = pytest.mark.live


@on_own_loop
async def rerun_three_times_with_a_cap_of_one():
    client = LabClient(LabConfig(warm_lessons=(), pool_size=0, max_sandboxes=1))
    try:
        results = []
        for _ in range(3):
            results.append(await asyncio.wait_for(
                client.run("holder", "container-to-container", 1, []), 60))
        ping = await client.ping()
        return results, ping
    finally:
        await client.stop()


def test_a_holder_reruns_at_the_cap(live_lab):
    results, ping = rerun_three_times_with_a_cap_of_one()
    assert [r["ok"] for r in results] == [True, True, True]
    assert ping["sandboxes"] == 1 and ping["queued"] == 0, ping


@on_own_loop
async def three_learners_with_a_cap_of_two():
    client = LabClient(LabConfig(warm_lessons=(), pool_size=0, max_sandboxes=2))
    try:
        statuses = []

        async def on_message(msg):
            if msg["type"] == "lab.status":
                statuses.append(msg["status"])
        for owner in ("a", "b", "c"):
            r = await asyncio.wait_for(client.run(owner, "container-to-container", 1, [],
                                                  on_message), 60)
            assert r["ok"], r
        ping = await client.ping()
        kept = {}
        for owner in ("a", "b", "c"):
            try:
                await client.snapshot(owner)
                kept[owner] = True
            except Exception as e:  # noqa: BLE001
                kept[owner] = e.kind
        return ping, kept, statuses
    finally:
        await client.stop()


def test_at_the_cap_the_least_recently_used_idle_sandbox_is_reclaimed(live_lab):
    ping, kept, statuses = three_learners_with_a_cap_of_two()
    assert kept == {"a": "input", "b": True, "c": True}, kept
    assert ping["sandboxes"] == 2 and ping["reclaimed"] == 1 and ping["queued"] == 0, ping
    assert "queued" not in statuses          # nobody waited: an idle sandbox made room
