"""The same step gives the same hops, run after run (10 of 10).

Chains of equal priority on one hook run in registration order, and rule
tools load side by side, so a tie between the sandbox's probe chains and a
lesson table made the order differ between runs.  The probes sit at -301,
ahead of everything; the non-probe hops of each packet of the step's
traffic must now be the same in every run.
"""
from __future__ import annotations

import pytest

from visualizer.core import model
from visualizer.core.config import LabConfig
from visualizer.lab.client import LabClient

pytestmark = pytest.mark.live
RUNS = 10


def hops_by_packet(events, result, proto):
    journeys = sorted((j for j in result["journeys"] if j["proto"] == proto),
                      key=lambda j: j["first_seq"])
    out = []
    for j in journeys:
        out.append((j["direction"], tuple(
            (e["family"], e["table"], e["chain"], e["type"], e["verdict"])
            for e in events if e["journey"] == j["id"] and not e["probe"])))
    return out


@pytest.mark.parametrize("slug,step", [("container-to-container", 1), ("log-vs-trace", 1)])
async def test_ten_runs_ten_identical_hop_sequences(live_lab, slug, step):
    client = LabClient(LabConfig(warm_lessons=(slug,), pool_size=1))
    seqs = []
    try:
        for i in range(RUNS):
            events = []

            async def on_message(msg):
                if msg["type"] == "trace.event":
                    events.append(msg["event"])
            result = await client.run(f"det{i}", slug, step, [], on_message)
            seqs.append(hops_by_packet(events, result, "icmp"))
    finally:
        await client.stop()
    first = seqs[0]
    assert first and all(hops for _, hops in first)
    assert any(h[:3] == ("bridge", "nat", "PREROUTING") for _, hops in first for h in hops), (
        "ebtables nat PREROUTING is traced (the probe runs before it)")
    for i, s in enumerate(seqs[1:], start=2):
        assert s == first, f"run {i} differs from run 1"


def test_probes_sit_strictly_ahead_of_every_table():
    lowest = min(t.priority for t in model.TABLES if t.available)
    assert model.TRACE_PRIORITY < lowest
