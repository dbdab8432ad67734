"""The room on an experiment (issue 19, acceptance 3c, server side): a learner's runs of
the experiment the instructor sent reach the board as the row's exp_* fields (through the
same signal as a step's run; an experiment's run is no step's cell), counted from the
goto; the experiment page opened for the room (``?room=CODE``) says it is the room's
(page_data ``workshop``) only for a learner seated in it; a learner joining a room on an
experiment lands on its experiment page.  A stand-in lab (no kernel)."""
import csv
import io
from urllib.parse import parse_qs, urlparse

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from visualizer.workshops import room as workshops

from ..support import collect_run, communicator, use_lab
from .roomlab import DROPPED, RoomLab
from .test_workshops import (LESSONS, browser_join, instructor_session,  # noqa: F401
                             receive_type, receive_update, setup_room)

pytestmark = pytest.mark.django_db(transaction=True)
BASE = "container-to-container:1"        # a step of the room's own lessons: not a cell of it
EXPERIMENT = {"base": BASE, "traffic": [{"from": "c2", "to": "203.0.113.10", "proto": "udp",
                                         "port": 5353}]}


class ExperimentRoomLab(RoomLab):
    """An experiment's RESULT echoes the checked experiment, as the lab's does."""

    async def experiment(self, owner, fields, on_message=None, **kw):
        await on_message({"type": "lab.status", "status": "running", "detail": "c2$ udp"})
        return {"ok": True, "transmitted": 3, "received": 0, "journeys": self.journeys,
                "lesson": "container-to-container", "step": 1, "rules": {}, "conntrack": [],
                "captures": {}, "output": "", "command": "", "experiment": fields}


# the ARP that leads the traffic is a request journey too: the outcome is the datagram's
ARP = {"id": 1, "direction": "request", "proto": "arp", "outcome": "delivered"}


@pytest.fixture
def lab(monkeypatch):
    return use_lab(monkeypatch, ExperimentRoomLab(journeys=[ARP, {**DROPPED[0], "id": 2}]))


async def run_experiment(session, fields) -> dict:
    comm = await communicator(session=session)
    await comm.send_json_to({"type": "lab.experiment", **fields})
    res = (await collect_run(comm))[-1]
    await comm.disconnect()
    assert res["type"] == "lab.result" and res["run"], res
    return res


def exp_row(row) -> dict:
    return {k: v for k, v in row.items() if k.startswith("exp_")}


async def test_the_rooms_experiment_runs_reach_the_board(lab):
    w, teacher = await setup_room()
    _, _, ann = await browser_join(w.code, "Ann")
    before = await run_experiment(ann, EXPERIMENT)       # before the goto: not the room's
    board = await communicator(f"/ws/board/{w.code}/", session=await instructor_session(teacher))
    state = await receive_type(board, "board.state")
    assert exp_row(state["rows"][0]) == {"exp_runs": 0, "exp_run": None, "exp_ok": None,
                                         "exp_outcome": None, "exp_died_at": None,
                                         "exp_same": None}
    assert state["rows"][0]["cells"] == {}          # an experiment's run is no step's cell
    await board.send_json_to({"type": "workshop.goto", "lesson": LESSONS[0], "step": 1,
                              "experiment": EXPERIMENT})
    sent = (await receive_type(board, "board.where"))["experiment"]
    first = await run_experiment(ann, EXPERIMENT)
    row = (await receive_update(board, lambda r: r["exp_runs"] == 1))["row"]
    assert exp_row(row) == {"exp_runs": 1, "exp_run": first["run"], "exp_ok": True,
                            "exp_outcome": "dropped", "exp_died_at": "ip filter FORWARD",
                            "exp_same": True}
    assert row["cells"] == {} and first["run"] != before["run"]
    # changed on the page (a rule added): still the room's experiment run, said changed
    second = await run_experiment(ann, {**EXPERIMENT, "rules": ["-I FORWARD -j ACCEPT"]})
    row = (await receive_update(board, lambda r: r["exp_runs"] == 2))["row"]
    assert (row["exp_run"], row["exp_same"]) == (second["run"], False)
    await board.send_json_to({"type": "board.refresh"})
    state = await receive_type(board, "board.state")
    assert state["experiment"] == sent and state["rows"][0]["exp_runs"] == 2
    # sent again: counted from then; back to the step: no experiment column
    await board.send_json_to({"type": "workshop.goto", "lesson": LESSONS[0], "step": 1,
                              "experiment": EXPERIMENT})
    await receive_type(board, "board.where")
    await board.send_json_to({"type": "board.refresh"})
    assert (await receive_type(board, "board.state"))["rows"][0]["exp_runs"] == 0
    await run_experiment(ann, EXPERIMENT)
    await receive_update(board, lambda r: r["exp_runs"] == 1)
    await board.send_json_to({"type": "workshop.goto", "lesson": LESSONS[0], "step": 1})
    assert (await receive_type(board, "board.where"))["experiment"] is None
    await board.send_json_to({"type": "board.refresh"})
    state = await receive_type(board, "board.state")
    assert state["experiment"] is None and exp_row(state["rows"][0])["exp_runs"] == 0
    await board.disconnect()


@sync_to_async
def page(client, query):
    r = client.get("/experiment/?" + query)
    return r, r.content.decode()


async def test_the_experiment_page_is_the_rooms_only_for_its_learner(lab):
    w, _ = await setup_room()
    ann, _, _ = await browser_join(w.code, "Ann")
    other, _ = await setup_room_two()
    q = "traffic=c2,203.0.113.10,udp,5353,,,"
    r, html = await page(ann, f"{q}&room={w.code.lower()}")
    assert r.status_code == 200 and r.context["page_data"]["workshop"] == w.code
    assert 'id="room-refused"' not in html
    for refused in ("ZZZZZZ", "B%40D", other.code):      # unknown, malformed, not hers
        r, html = await page(ann, f"{q}&room={refused}")
        assert "workshop" not in r.context["page_data"] and 'id="room-refused"' in html, refused
    r, html = await page(Client(), f"{q}&room={w.code}")      # a browser in no room
    assert "workshop" not in r.context["page_data"] and 'id="room-refused"' in html
    r, html = await page(ann, q)                              # no room asked: no note
    assert "workshop" not in r.context["page_data"] and 'id="room-refused"' not in html


@sync_to_async
def setup_room_two():
    return workshops.create("Another room", LESSONS, 5), None


async def test_joining_a_room_on_an_experiment_lands_on_it(lab):
    w, teacher = await setup_room()
    board = await communicator(f"/ws/board/{w.code}/", session=await instructor_session(teacher))
    await receive_type(board, "board.state")
    await board.send_json_to({"type": "workshop.goto", "lesson": LESSONS[0], "step": 1,
                              "experiment": EXPERIMENT})
    await receive_type(board, "board.where")
    _, r, _ = await browser_join(w.code, "Bea")
    url = urlparse(r["Location"])
    q = parse_qs(url.query)
    assert r.status_code == 302 and url.path == "/experiment/", r["Location"]
    assert q["room"] == [w.code] and q["base"] == [BASE]
    assert q["traffic"] == ["c2,203.0.113.10,udp,5353,3,0,0"]
    await board.disconnect()


async def test_a_learner_on_the_rooms_experiment_is_there_on_the_board(lab):
    w, teacher = await setup_room()
    ann_client, _, ann = await browser_join(w.code, "Ann")
    board = await communicator(f"/ws/board/{w.code}/", session=await instructor_session(teacher))
    await receive_type(board, "board.state")
    await board.send_json_to({"type": "workshop.goto", "lesson": LESSONS[0], "step": 2,
                              "experiment": EXPERIMENT})
    await receive_type(board, "board.where")
    # the experiment page opened for her room says so to workshop.js; opened alone, not
    q = "traffic=c2,203.0.113.10,udp,5353,,,"
    r, _ = await page(ann_client, f"{q}&room={w.code}")
    assert r.context["seat"]["here"] == {"experiment": True}
    r, _ = await page(ann_client, q)
    assert r.context["seat"]["here"] is None
    learner = await communicator("/ws/workshop/", session=ann)
    assert (await receive_type(learner, "workshop.state"))["where"]["step"] == 2
    # the page reports the room's step, on its experiment: with the room
    await learner.send_json_to({"type": "workshop.where", "lesson": LESSONS[0], "step": 2,
                                "ahead": False, "experiment": True})
    row = (await receive_update(board, lambda r: r["on_experiment"]))["row"]
    assert row["with_room"] is True and (row["lesson"], row["step"]) == (LESSONS[0], 2)
    # the room goes back to the step: she is with it once her step's page says so
    await board.send_json_to({"type": "workshop.goto", "lesson": LESSONS[0], "step": 2})
    await receive_type(board, "board.where")
    await board.send_json_to({"type": "board.refresh"})
    row = (await receive_type(board, "board.state"))["rows"][0]
    assert (row["on_experiment"], row["with_room"]) == (False, False)
    await learner.send_json_to({"type": "workshop.where", "lesson": LESSONS[0], "step": 2,
                                "ahead": False})
    row = (await receive_update(board, lambda r: r["with_room"]))["row"]
    assert row["on_experiment"] is False
    for c in (board, learner):
        await c.disconnect()


async def test_a_steps_attempts_leave_out_experiments_the_csv_lists_them_apart(lab):
    w, teacher = await setup_room()
    _, _, ann = await browser_join(w.code, "Ann")
    comm = await communicator(session=ann)
    await comm.send_json_to({"type": "lab.run", "lesson": "container-to-container", "step": 1})
    step_run = (await collect_run(comm))[-1]["run"]
    await comm.disconnect()
    exp_run = (await run_experiment(ann, EXPERIMENT))["run"]     # filed under its base step
    board = await communicator(f"/ws/board/{w.code}/", session=await instructor_session(teacher))
    row = (await receive_type(board, "board.state"))["rows"][0]
    assert row["cells"]["container-to-container:1"]["attempts"] == 1
    await board.send_json_to({"type": "board.attempts", "learner": row["learner"],
                              "lesson": "container-to-container", "step": 1})
    history = (await receive_type(board, "board.history"))["attempts"]
    assert [a["run"] for a in history] == [step_run]
    await board.disconnect()
    text = await sync_to_async(workshops.export_csv)(w)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["run"], r["lesson"], r["step"], r["attempt"]) for r in rows] == [
        (step_run, "container-to-container", "1", "1"),
        (exp_run, "container-to-container", "1", "1")]
    assert rows[0]["experiment"] == ""
    assert parse_qs(rows[1]["experiment"]) == {"base": [BASE],
                                               "traffic": ["c2,203.0.113.10,udp,5353,3,0,0"]}
