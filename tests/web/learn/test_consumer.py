"""The /ws/lab/ consumer: bad input never closes the socket; one run at a time.

Tests here use a stand-in LabClient (defined below, test-only) to exercise the
consumer and the run service without a kernel; the live tests are in
test_consumer_live.py.
"""
import asyncio
import json

import pytest
from django.conf import settings

from visualizer.learn import config, outbox
from visualizer.learn.models import Run

from ..support import collect_run, communicator

pytestmark = pytest.mark.django_db(transaction=True)


class StandInLab:
    """Test double of LabClient: waits on a gate, then returns a tiny result."""

    def __init__(self, error=None):
        self.gate = asyncio.Event()
        self.released = []
        self.runs = []
        self.error = error

    async def run(self, owner, lesson, step, rules, on_message, **kw):
        self.runs.append((owner, lesson, step, rules))
        await on_message({"type": "lab.status", "status": "building", "detail": "sandbox"})
        await self.gate.wait()
        if self.error:
            raise self.error
        for i in range(150):   # more than the in-memory layer's capacity of 100
            await on_message({"type": "trace.event", "event": {"seq": i, "journey": 1}})
        await on_message({"type": "traffic.output", "line": "1 packets transmitted"})
        return {"ok": True, "transmitted": 1, "received": 1, "journeys": [], "lesson": lesson,
                "step": step, "rules": {}, "conntrack": [], "captures": {}, "output": "",
                "command": "c1$ ping"}

    async def release(self, owner):
        self.released.append(owner)


@pytest.fixture
def stand_in(monkeypatch):
    lab = StandInLab()
    monkeypatch.setattr(config, "lab_client", lambda: lab)
    return lab


BAD = [
    "not json at all",
    "[]",
    json.dumps({"type": "lab.run"}),
    json.dumps({"type": "hello"}),
    json.dumps({"type": "lab.run", "lesson": "nope", "step": 1}),
    json.dumps({"type": "lab.run", "lesson": "container-to-container", "step": 42}),
    json.dumps({"type": "lab.run", "lesson": "container-to-container", "step": "one"}),
    json.dumps({"type": "lab.run", "lesson": "container-to-container", "step": 1, "rules": "x"}),
    json.dumps({"type": "lab.run", "lesson": "container-to-container", "step": 1, "rules": ["a\nb"]}),
    json.dumps({"type": "lab.run", "lesson": "container-to-container", "step": 1,
                "rules": ["-j DROP"] * 9}),
    json.dumps({"type": "lab.run", "lesson": "container-to-container", "step": 1,
                "rules": ["x" * 301]}),
    json.dumps({"type": "lab.run", "lesson": "container-to-container", "step": 1, "owner": "me"}),
    "x" * (settings.WS_MAX_MESSAGE + 1),
]


async def test_a_forbidden_rule_is_refused_before_the_lab_sees_it(stand_in):
    comm = await communicator()
    await comm.send_json_to({"type": "lab.run", "lesson": "container-to-container", "step": 2,
                             "rules": ["-I FORWARD --modprobe=/bin/sh -j ACCEPT"]})
    reply = await comm.receive_json_from(timeout=5)
    assert reply["type"] == "lab.error" and reply["kind"] == "forbidden"
    assert "--modprobe" in reply["message"] and not stand_in.runs
    await comm.send_json_to({"type": "lab.run", "lesson": "container-to-container", "step": 1})
    stand_in.gate.set()
    msgs = await collect_run(comm)
    assert msgs[-1]["type"] == "lab.result"
    await comm.disconnect()


async def test_bad_input_gets_lab_error_and_socket_stays_open(stand_in):
    comm = await communicator()
    for raw in BAD:
        await comm.send_to(text_data=raw)
        reply = await comm.receive_json_from(timeout=5)
        assert reply["type"] == "lab.error", raw[:80]
        assert reply["message"]
    await comm.send_to(bytes_data=b"\x00\x01")
    assert (await comm.receive_json_from(timeout=5))["type"] == "lab.error"
    assert stand_in.runs == []
    # still open and still working
    await comm.send_json_to({"type": "lab.run", "lesson": "container-to-container", "step": 1})
    assert (await comm.receive_json_from(timeout=5))["type"] == "lab.status"
    stand_in.gate.set()
    msgs = await collect_run(comm, timeout=20)
    assert msgs[-1]["type"] == "lab.result"
    await comm.disconnect()


async def test_run_while_running_is_refused(stand_in):
    comm = await communicator()
    run = {"type": "lab.run", "lesson": "container-to-container", "step": 1}
    await comm.send_json_to(run)
    first = await comm.receive_json_from(timeout=5)
    assert first == {"type": "lab.status", "status": "building", "detail": "sandbox"}
    await comm.send_json_to(run)
    busy = await comm.receive_json_from(timeout=5)
    assert busy["type"] == "lab.error" and "already" in busy["message"]
    stand_in.gate.set()
    msgs = await collect_run(comm, timeout=20)
    events = [m for m in msgs if m["type"] == "trace.event"]
    assert [e["event"]["seq"] for e in events] == list(range(150))   # all, in order
    result = msgs[-1]
    assert result["type"] == "lab.result" and result["ok"] is True and result["recorded"] is False
    rec = await Run.objects.aget(uid=result["run"])
    assert rec.lesson == "container-to-container" and len(rec.events) == 150
    # a new run is accepted once the first is done
    await comm.send_json_to(run)
    assert (await comm.receive_json_from(timeout=5))["type"] == "lab.status"
    await comm.disconnect()
    assert len(stand_in.released) == 1


async def test_disconnect_releases_the_owner(stand_in):
    comm = await communicator()
    await comm.send_json_to({"type": "lab.run", "lesson": "container-to-container", "step": 1})
    await comm.receive_json_from(timeout=5)
    owner = stand_in.runs[0][0]
    await comm.disconnect()
    await asyncio.sleep(0.05)
    assert stand_in.released == [owner]
    assert owner.startswith(("specific.", "inmemory")) or "!" in owner


async def test_idle_release(stand_in, settings):
    settings.LAB_IDLE_TIMEOUT = 0.2
    comm = await communicator()
    await comm.send_json_to({"type": "lab.run", "lesson": "container-to-container", "step": 1})
    stand_in.gate.set()
    await collect_run(comm, timeout=20)
    await asyncio.sleep(0.6)
    assert len(stand_in.released) == 1           # released after being idle
    await comm.disconnect()


@pytest.mark.parametrize("kind", ["input", "unavailable"])
async def test_lab_errors_are_forwarded(monkeypatch, kind):
    from visualizer.lab.client import LabError, LabUnavailable
    err = (LabError("iptables v1.8: unknown option \"--bogus\"", "input") if kind == "input"
           else LabUnavailable("Install them: apt-get install -y nftables"))
    lab = StandInLab(error=err)
    lab.gate.set()
    monkeypatch.setattr(config, "lab_client", lambda: lab)
    comm = await communicator()
    await comm.send_json_to({"type": "lab.run", "lesson": "container-to-container", "step": 2,
                             "rules": ["--bogus"]})
    msgs = await collect_run(comm, timeout=10)
    assert msgs[-1]["type"] == "lab.error" and msgs[-1]["kind"] == kind
    assert msgs[-1]["message"] == str(err)
    # the socket survives
    await comm.send_to(text_data="nope")
    assert (await comm.receive_json_from(timeout=5))["type"] == "lab.error"
    await comm.disconnect()


async def test_garbage_from_one_client_does_not_touch_another(stand_in):
    a, b = await communicator(), await communicator()
    await b.send_json_to({"type": "lab.run", "lesson": "container-to-container", "step": 1})
    assert (await b.receive_json_from(timeout=5))["type"] == "lab.status"
    for raw in BAD:
        await a.send_to(text_data=raw)
        assert (await a.receive_json_from(timeout=5))["type"] == "lab.error"
    stand_in.gate.set()
    msgs = await collect_run(b, timeout=20)
    assert msgs[-1]["type"] == "lab.result"
    assert not any(m["type"] == "lab.error" for m in msgs)
    assert await a.receive_nothing(timeout=0.2)      # a got none of b's messages
    assert [r[0] for r in stand_in.runs] == [stand_in.runs[0][0]]   # only b ran
    await a.disconnect()
    await b.disconnect()


async def test_outbox_batches_keep_order_and_end_with_the_final_message():
    from channels.layers import get_channel_layer
    from django.conf import settings
    layer = get_channel_layer(settings.LAB_CHANNEL_LAYER)
    channel = await layer.new_channel()
    out = outbox.Outbox(channel)
    for i in range(200):
        out.put({"type": "trace.event", "event": {"seq": i}})
        if i % 50 == 0:
            await asyncio.sleep(0)         # let a batch leave mid-stream
    await out.close({"type": "lab.result", "ok": True})
    texts, envelopes = [], 0
    while True:
        env = await asyncio.wait_for(layer.receive(channel), 2)
        envelopes += 1
        texts += env["texts"]
        if env["final"]:
            break
    msgs = [json.loads(t) for t in texts]
    assert [m["event"]["seq"] for m in msgs[:-1]] == list(range(200))
    assert msgs[-1]["type"] == "lab.result"
    assert envelopes < 200      # batched, not one channel message per event


async def test_runs_past_the_rate_limit_are_refused_and_the_socket_stays(stand_in, settings):
    settings.WS_RUNS_PER_MINUTE = 2
    stand_in.gate.set()
    comm = await communicator()
    run = {"type": "lab.run", "lesson": "container-to-container", "step": 1}
    for _ in range(2):
        await comm.send_json_to(run)
        assert (await collect_run(comm))[-1]["type"] == "lab.result"
    await comm.send_json_to(run)
    reply = await comm.receive_json_from(timeout=5)
    assert reply["type"] == "lab.error" and reply["kind"] == "rate_limited"
    assert "try again in" in reply["message"] and len(stand_in.runs) == 2
    await comm.send_json_to({"type": "nope"})        # still connected, still answering
    assert (await comm.receive_json_from(timeout=5))["kind"] == "input"
    await comm.disconnect()
