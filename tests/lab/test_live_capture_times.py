"""Capture times come from the kernel (SO_TIMESTAMPNS), so captures on different
interfaces compare: in container-to-external step 2 the echo request leaves eth0
before its reply comes back out of veth-c1.  Before, a record's time was when the
lab read it, and the reply on veth-c1 was stamped 4.9 ms, the request on eth0 22.8 ms."""
import asyncio

import pytest

from visualizer.core.config import LabConfig
from visualizer.lab.client import LabClient

from .test_live_lifecycle import on_own_loop

pytestmark = pytest.mark.live


@on_own_loop
async def result_of(lesson, step):
    client = LabClient(LabConfig(warm_lessons=(), pool_size=0))
    try:
        return await asyncio.wait_for(client.run("times", lesson, step, []), 60)
    finally:
        await client.stop()


def test_capture_times_are_the_kernels_and_follow_the_packet(live_lab):
    caps = result_of("container-to-external", 2)["captures"]
    assert all(r["t_kernel"] for recs in caps.values() for r in recs)

    def first(iface, direction, icmp):
        return next(r["t_ms"] for r in caps[iface]
                    if r["direction"] == direction and f"echo-{icmp} id=" in r["summary"]
                    and r["summary"].endswith("seq=1"))
    path = [first("veth-c1", "in", "request"), first("eth0", "out", "request"),
            first("eth0", "in", "reply"), first("veth-c1", "out", "reply")]
    assert path == sorted(path), path


@on_own_loop
async def with_igmp(lesson, step, tries=6):
    """A run during which the bridge sent an IGMP report: a fresh bridge sends them at
    random moments of its first seconds, so a run may see none; each try builds anew."""
    client = LabClient(LabConfig(warm_lessons=(), pool_size=0))
    try:
        for i in range(tries):
            res = await asyncio.wait_for(client.run(f"igmp{i}", lesson, step, []), 60)
            if any(r["proto"] == "igmp" for recs in res["captures"].values() for r in recs):
                return res
        return res
    finally:
        await client.stop()


def test_hidden_traffic_is_counted_and_its_flows_say_so(live_lab):
    """The bridge's IGMP reports are left out of the hops (no lesson is about them),
    but counted, and their conntrack flow is named and marked, not "proto '2'"."""
    res = with_igmp("container-to-external", 2)
    igmp_frames = [r for recs in res["captures"].values() for r in recs if r["proto"] == "igmp"]
    flows = [c for c in res["conntrack"] if c["proto"] == "igmp"]
    assert igmp_frames, "no IGMP report in any try"
    assert res["hidden"].get("igmp", 0) > 0, (res["hidden"], igmp_frames)
    assert flows and all(c["hidden"] for c in flows), flows
    assert not any(c["hidden"] for c in res["conntrack"] if c["proto"] != "igmp")
