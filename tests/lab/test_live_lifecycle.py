"""The lab process: killed mid-run, it leaves nothing behind, and the next run works."""
import asyncio
import os
import signal

import pytest

from visualizer.core.config import LabConfig
from visualizer.lab.client import LabClient, LabError
from visualizer.lab.netns import in_new_thread
from tests.procs import children, pids_in_userns

pytestmark = pytest.mark.live


def on_own_loop(coro_fn):
    """Run an async test on a fresh loop in its own thread (whatever loop the
    browser tests' sync Playwright left in the main thread)."""
    def test(*args, **kwargs):
        return in_new_thread(asyncio.run, coro_fn(*args, **kwargs))
    test.__name__ = coro_fn.__name__
    return test


@on_own_loop
async def kill_9_mid_run():
    client = LabClient(LabConfig(warm_lessons=(), pool_size=0))
    await client.start()
    unshare_pid = client.proc.pid
    lab_pid = children(unshare_pid)[0]
    userns = os.stat(f"/proc/{lab_pid}/ns/user").st_ino
    started = asyncio.Event()

    async def on_message(msg):
        if msg["type"] == "trace.event":
            started.set()

    run = asyncio.ensure_future(client.run("t", "container-to-container", 1, [], on_message))
    await asyncio.wait_for(started.wait(), 30)
    assert len(pids_in_userns(userns)) >= 2        # the lab and its ping at least
    os.kill(lab_pid, signal.SIGKILL)
    with pytest.raises(LabError):
        await asyncio.wait_for(run, 15)
    for _ in range(50):
        if not pids_in_userns(userns):
            break
        await asyncio.sleep(0.1)
    assert pids_in_userns(userns) == []              # no process, so no namespace, survives
    # The next request restarts the lab and works.
    result = await client.run("t", "container-to-container", 1, [])
    assert result["ok"]
    await client.stop()


@on_own_loop
async def bad_request_alone():
    client = LabClient(LabConfig(warm_lessons=(), pool_size=0))
    good = asyncio.ensure_future(client.run("a", "container-to-container", 1, []))
    with pytest.raises(LabError) as bad:
        await client.run("b", "container-to-container", 1, ["-A NOWHERE -j ACCEPT"])
    assert bad.value.kind == "input"
    with pytest.raises(LabError) as unknown:
        await client.run("c", "no-such-lesson", 1, [])
    assert unknown.value.kind == "input" and "container-to-container" in unknown.value.message
    assert (await good)["ok"]
    await client.stop()


def test_kill_9_mid_run_leaves_nothing(live_lab):
    kill_9_mid_run()


def test_one_bad_request_does_not_disturb_another(live_lab):
    bad_request_alone()
