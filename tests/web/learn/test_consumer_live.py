"""The /ws/lab/ consumer against the real lab engine (kernel namespaces)."""
import asyncio

import pytest

from visualizer.learn.models import Run

from ..support import collect_run, communicator

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]

C2C = {"type": "lab.run", "lesson": "container-to-container", "step": 1}
DROP = {"type": "lab.run", "lesson": "new-bridge-forward-drop", "step": 1}


async def test_full_lesson_run(lab_client):
    comm = await communicator()
    await comm.send_json_to(C2C)
    msgs = await collect_run(comm)
    kinds = [m["type"] for m in msgs]
    assert kinds[-1] == "lab.result", msgs[-1]
    first_event = kinds.index("trace.event")
    statuses = [m["status"] for m in msgs[:first_event] if m["type"] == "lab.status"]
    assert statuses, "progress statuses must come before the first event"
    assert statuses[0] == "building"
    assert all(set(m) - {"ahead"} == {"type", "status", "detail", "detail_msg"}
               for m in msgs if m["type"] == "lab.status")
    # the progress is a catalogue message, except the running traffic's command lines
    assert all(m["detail_msg"]["id"].startswith("status.") for m in msgs
               if m["type"] == "lab.status" and m["status"] != "running")
    events = [m["event"] for m in msgs if m["type"] == "trace.event"]
    assert [e["seq"] for e in events] == sorted(e["seq"] for e in events)
    fams = {(e["family"], e["table"], e["hook"]) for e in events}
    assert ("ip", "filter", "forward") in fams and ("bridge", "nat", "prerouting") in fams
    assert any(m["type"] == "traffic.output" for m in msgs)
    res = msgs[-1]
    assert res["ok"] is True and res["transmitted"] == 3 and res["received"] == 3
    assert res["lesson"] == "container-to-container" and res["step"] == 1
    for key in ("journeys", "rules", "conntrack", "captures", "output", "command"):
        assert key in res
    rec = await Run.objects.aget(uid=res["run"])
    assert len(rec.events) == len(events) and rec.result["ok"] is True
    await comm.disconnect()


async def test_bad_rule_is_an_error_and_the_socket_stays_open(lab_client):
    comm = await communicator()
    await comm.send_json_to({**C2C, "step": 2, "rules": ["-I FORWARD --no-such-option"]})
    msgs = await collect_run(comm)
    assert msgs[-1]["type"] == "lab.error"
    assert "no-such-option" in msgs[-1]["message"] or "unknown" in msgs[-1]["message"].lower()
    await comm.send_json_to({**C2C, "step": 99})
    assert (await comm.receive_json_from(timeout=5))["type"] == "lab.error"
    await comm.disconnect()


async def test_run_while_running_live(lab_client):
    comm = await communicator()
    await comm.send_json_to(C2C)
    await comm.send_json_to(C2C)
    msgs = await collect_run(comm)          # stops at the refusal
    assert msgs[-1]["type"] == "lab.error" and "already" in msgs[-1]["message"]
    msgs = await collect_run(comm)          # the first run goes on undisturbed
    assert msgs[-1]["type"] == "lab.result" and msgs[-1]["ok"] is True
    assert not any(m["type"] == "lab.error" for m in msgs)
    await comm.disconnect()


async def test_two_clients_are_isolated(lab_client):
    a, b = await communicator(), await communicator()
    await a.send_json_to(C2C)
    await b.send_json_to(DROP)
    ma, mb = await asyncio.gather(collect_run(a), collect_run(b))
    assert ma[-1]["type"] == "lab.result" and mb[-1]["type"] == "lab.result"
    assert ma[-1]["lesson"] == "container-to-container" and ma[-1]["ok"] is True
    assert mb[-1]["lesson"] == "new-bridge-forward-drop" and mb[-1]["ok"] is False
    ea = [m["event"] for m in ma if m["type"] == "trace.event"]
    eb = [m["event"] for m in mb if m["type"] == "trace.event"]
    assert ea and eb
    # c1/c2 live on 172.17/16, c3/c4 on 172.18/16: nobody sees the other's packets
    assert all(not str(e.get("src") or "").startswith("172.18.") for e in ea)
    assert all(not str(e.get("src") or "").startswith("172.17.") for e in eb)
    assert ma[-1]["run"] != mb[-1]["run"]
    await a.disconnect()
    await b.disconnect()
