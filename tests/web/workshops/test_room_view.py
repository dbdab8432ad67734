"""The room at a glance and its controls, over websockets (WebsocketCommunicator):
connected counts, idle and stuck learners, per-step summaries, every attempt kept,
pause/resume (runs refused while paused), reset and remove, every control refused
after close with a clear board.error; and the CSV, one row per attempt.  Runs use a
stand-in lab (no kernel)."""
import csv
import io
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.test import Client
from django.utils import timezone

from visualizer.workshops import room as workshops
from visualizer.workshops import roomview
from visualizer.workshops.models import Learner

from ..support import collect_run, communicator, use_lab
from .roomlab import RoomLab
from .test_workshops import (LESSONS, browser_join, instructor_session, receive_type,
                             receive_update, setup_room)

pytestmark = pytest.mark.django_db(transaction=True)
STEP = f"{LESSONS[0]}:1"
WRONG = {"through": True}      # the stand-in lab's packet dies in FORWARD


@pytest.fixture
def lab(monkeypatch):
    return use_lab(monkeypatch, RoomLab())


async def run(lab_ws, prediction=None, rules=()):
    await lab_ws.send_json_to({"type": "lab.run", "lesson": LESSONS[0], "step": 1,
                               "prediction": prediction, "rules": list(rules)})
    return (await collect_run(lab_ws))[-1]


async def open_room(names=("Ann",)):
    w, teacher = await setup_room()
    seats = {}
    for name in names:
        _, _, seats[name] = await browser_join(w.code, name)
    board = await communicator(f"/ws/board/{w.code}/", session=await instructor_session(teacher))
    state = await receive_type(board, "board.state")
    return w, board, state, seats


async def test_counts_idle_stuck_and_summaries(lab):
    w, board, state, seats = await open_room(("Ann", "Bob"))
    assert state["counts"] == {"joined": 2, "connected": 0}
    assert state["thresholds"] == {"idle_s": 180, "stuck_fails": 3, "stuck_s": 480,
                                   "connected_s": 150}
    assert {r["state"] for r in state["rows"]} == {"idle"}          # never heard of yet
    ann = await communicator("/ws/workshop/", session=seats["Ann"])
    await receive_type(ann, "workshop.state")
    row = (await receive_update(board, lambda r: r["name"] == "Ann" and r["connected"]))["row"]
    await ann.send_json_to({"type": "workshop.where", "lesson": LESSONS[0], "step": 1})
    row = (await receive_update(board, lambda r: r["active"]))["row"]
    assert row["state"] == "working" and row["idle_s"] == 0
    # three failed runs without a pass: stuck, and the board says why
    lab.passes = [False, False, False]
    ann_lab = await communicator(session=seats["Ann"])
    for _ in range(3):
        await run(ann_lab, WRONG, ["-A FORWARD -j ACCEPT"])
    row = (await receive_update(board, lambda r: STEP in r["cells"]
                                and r["cells"][STEP]["attempts"] == 3))["row"]
    assert (row["state"], row["why"]) == ("stuck", "fails")
    assert row["cells"][STEP]["failed"] == 3 and row["cells"][STEP]["status"] == "failed"
    assert row["cells"][STEP]["wrong"] == "gets through"
    # Bob: right, and passed; then he leaves his page for a long time (idle), and Ann
    # has been on her step longer than STUCK_S (stuck by time, even without runs)
    bob_lab = await communicator(session=seats["Bob"])
    await run(bob_lab, {"through": False, "dies_at": "ip:filter:forward"})
    board_state = await refreshed(board)
    summary = board_state["summaries"][STEP]
    assert summary == {"ran": 2, "passed": 1, "predicted": 2, "predicted_right": 1,
                       "wrong": {"text": "gets through", "n": 1},
                       "died": {"ip filter FORWARD": 2}}
    assert board_state["counts"] == {"joined": 2, "connected": 1}
    long_ago = timezone.now() - timedelta(seconds=roomview.STUCK_S + 5)
    await Learner.objects.filter(name="Bob").aupdate(active=long_ago, lesson=LESSONS[0], step=2)
    await Learner.objects.filter(name="Ann").aupdate(arrived=long_ago, resets={})
    await sync_to_async(_forget_runs)("Ann")    # no failed run left: stuck by time alone
    rows = {r["name"]: r for r in (await refreshed(board))["rows"]}
    assert (rows["Bob"]["state"], rows["Bob"]["idle_s"] >= roomview.STUCK_S) == ("idle", True)
    assert (rows["Ann"]["state"], rows["Ann"]["why"]) == ("stuck", "time")
    for c in (ann, ann_lab, bob_lab, board):
        await c.disconnect()
    # the learner's page closed: no longer connected
    assert (await Learner.objects.aget(name="Ann")).connections == 0


def _forget_runs(name):
    Learner.objects.get(name=name).runs.all().delete()


async def refreshed(board) -> dict:
    await board.send_json_to({"type": "board.refresh"})
    return await receive_type(board, "board.state")


async def test_every_attempt_is_kept_and_listed(lab):
    w, board, state, seats = await open_room()
    ann = state["rows"][0]["learner"]
    ann_lab = await communicator(session=seats["Ann"])
    lab.passes = [False, True]
    first = await run(ann_lab, WRONG, ["-A FORWARD -j ACCEPT"])
    second = await run(ann_lab, {"through": False}, [])
    await board.send_json_to({"type": "board.attempts", "learner": ann, "lesson": LESSONS[0],
                              "step": 1})
    hist = await receive_type(board, "board.history")
    assert hist["name"] == "Ann" and [a["n"] for a in hist["attempts"]] == [1, 2]
    one, two = hist["attempts"]
    assert (one["run"], one["status"], one["prediction_right"]) == (first["run"], "failed", False)
    assert one["prediction"] == WRONG and one["prediction_text"] == \
        "gets through"
    assert one["rules"] == ["-A FORWARD -j ACCEPT"] and \
        one["rules_text"] == "iptables -A FORWARD -j ACCEPT"
    assert one["url"] == f"/runs/{first['run']}/" and one["died_at"] == "ip filter FORWARD"
    assert (two["run"], two["status"], two["prediction_text"], two["rules_text"]) == \
        (second["run"], "passed", "does not get through", "no rules")
    # a learner of no row, and a learner of another workshop: refused clearly
    await board.send_json_to({"type": "board.attempts", "learner": 99999, "lesson": LESSONS[0],
                              "step": 1})
    err = await receive_type(board, "board.error")
    assert err["kind"] == "input" and "no learner" in err["message"]
    for c in (ann_lab, board):
        await c.disconnect()


async def test_pause_refuses_runs_until_resume(lab):
    w, board, state, seats = await open_room()
    page = await communicator("/ws/workshop/", session=seats["Ann"])
    assert (await receive_type(page, "workshop.state"))["paused"] is False
    ann_lab = await communicator(session=seats["Ann"])
    await board.send_json_to({"type": "workshop.pause"})
    assert (await receive_type(page, "workshop.paused"))["paused"] is True
    assert (await receive_type(board, "board.paused"))["paused"] is True
    await ann_lab.send_json_to({"type": "lab.run", "lesson": LESSONS[0], "step": 1})
    err = await receive_type(ann_lab, "lab.error")
    assert err["kind"] == "busy" and "paused by your instructor" in err["message"]
    assert not await sync_to_async(lambda: Learner.objects.get(name="Ann").runs.exists())()
    # a page that connects while paused hears it at once
    late = await communicator("/ws/workshop/", session=seats["Ann"])
    assert (await receive_type(late, "workshop.state"))["paused"] is True
    assert (await refreshed(board))["paused"] is True
    await board.send_json_to({"type": "workshop.resume"})
    assert (await receive_type(page, "workshop.paused"))["paused"] is False
    assert (await run(ann_lab))["run"]
    # a browser in no workshop is never held
    other = await communicator()
    await other.send_json_to({"type": "lab.run", "lesson": LESSONS[0], "step": 1})
    assert (await collect_run(other))[-1]["type"] == "lab.result"
    for c in (page, late, ann_lab, other, board):
        await c.disconnect()


async def test_reset_and_remove_a_learner(lab):
    w, board, state, seats = await open_room(("Ann", "Bob"))
    ids = {r["name"]: r["learner"] for r in state["rows"]}
    ann_page = await communicator("/ws/workshop/", session=seats["Ann"])
    bob_page = await communicator("/ws/workshop/", session=seats["Bob"])
    for p in (ann_page, bob_page):
        await receive_type(p, "workshop.state")
    ann_lab = await communicator(session=seats["Ann"])
    lab.passes = [False, False, False]
    for _ in range(3):
        await run(ann_lab, WRONG)
    await board.send_json_to({"type": "workshop.reset", "learner": ids["Ann"],
                              "lesson": LESSONS[0], "step": 1})
    row = (await receive_update(board, lambda r: r["cells"].get(STEP, {}).get("status")
                                == "reset"))["row"]
    assert row["state"] != "stuck" and row["cells"][STEP]["attempts"] == 3
    assert (await receive_type(ann_page, "workshop.reset"))["step"] == 1
    assert STEP not in (await refreshed(board))["summaries"] or \
        (await refreshed(board))["summaries"][STEP]["ran"] == 0
    # the attempts stay, marked as before the reset; a new run counts afresh
    await run(ann_lab, {"through": False})
    row = (await receive_update(board, lambda r: r["cells"].get(STEP, {}).get("status")
                                == "passed"))["row"]
    assert (row["cells"][STEP]["attempts"], row["cells"][STEP]["failed"]) == (4, 0)
    await board.send_json_to({"type": "board.attempts", "learner": ids["Ann"],
                              "lesson": LESSONS[0], "step": 1})
    hist = (await receive_type(board, "board.history"))["attempts"]
    assert [a["before_reset"] for a in hist] == [True, True, True, False]
    # reset of a step the workshop does not have
    await board.send_json_to({"type": "workshop.reset", "learner": ids["Ann"],
                              "lesson": "conntrack", "step": 1})
    assert (await receive_type(board, "board.error"))["kind"] == "input"
    # remove Bob: his page is told and closed, the board drops his row, he cannot rejoin
    await board.send_json_to({"type": "workshop.remove", "learner": ids["Bob"]})
    assert (await receive_type(board, "board.removed"))["learner"] == ids["Bob"]
    assert (await receive_type(bob_page, "workshop.removed"))["learner"] == ids["Bob"]
    assert [r["name"] for r in (await refreshed(board))["rows"]] == ["Ann"]
    bob = Client()
    bob.cookies["sessionid"] = seats["Bob"]
    again = await sync_to_async(bob.post)("/join/", {"code": w.code, "name": "Bob"})
    assert again.status_code == 400 and "removed you" in again.content.decode()
    await board.send_json_to({"type": "workshop.remove", "learner": ids["Bob"]})
    assert "no learner" in (await receive_type(board, "board.error"))["message"]
    for c in (ann_page, ann_lab, board):
        await c.disconnect()


async def test_every_control_is_refused_after_close(lab):
    w, board, state, seats = await open_room()
    ann = state["rows"][0]["learner"]
    ann_lab = await communicator(session=seats["Ann"])
    done = await run(ann_lab)
    await board.send_json_to({"type": "workshop.close"})
    await receive_type(board, "board.closed")
    controls = [{"type": "workshop.goto", "lesson": LESSONS[0], "step": 2},
                {"type": "workshop.spotlight", "run": done["run"]},
                {"type": "workshop.prepare"}, {"type": "workshop.close"},
                {"type": "workshop.pause"}, {"type": "workshop.resume"},
                {"type": "workshop.reset", "learner": ann, "lesson": LESSONS[0], "step": 1},
                {"type": "workshop.remove", "learner": ann}]
    for msg in controls:
        await board.send_json_to(msg)
        err = await receive_type(board, "board.error")
        assert err["kind"] == "forbidden" and "closed" in err["message"], msg
    # reading stays: the board, a learner's attempts
    assert (await refreshed(board))["closed"] is True
    await board.send_json_to({"type": "board.attempts", "learner": ann, "lesson": LESSONS[0],
                              "step": 1})
    assert len((await receive_type(board, "board.history"))["attempts"]) == 1
    for c in (ann_lab, board):
        await c.disconnect()


async def test_the_csv_has_a_row_per_attempt_in_words(lab):
    w, board, state, seats = await open_room(("Ann", "Bob"))
    ann_lab = await communicator(session=seats["Ann"])
    lab.passes = [False, True]
    await run(ann_lab, WRONG, ["-A FORWARD -j ACCEPT", "=cmd|' /C calc'!A0"])
    await run(ann_lab, {"through": False, "dies_at": "ip:filter:forward"})
    bob_lab = await communicator(session=seats["Bob"])
    await run(bob_lab)
    text = await sync_to_async(workshops.export_csv)(w)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["learner"], r["attempt"], r["status"]) for r in rows] == [
        ("Ann", "1", "failed"), ("Ann", "2", "passed"), ("Bob", "1", "passed")]
    assert rows[0]["prediction"] == "gets through"
    assert rows[0]["rules"] == "iptables -A FORWARD -j ACCEPT; iptables =cmd|' /C calc'!A0"
    assert rows[0]["prediction_right"] == "False" and rows[1]["prediction_right"] == "True"
    assert rows[1]["prediction"] == "does not get through, dies in ip filter FORWARD"
    assert rows[2]["prediction"] == "no prediction" and rows[2]["rules"] == "no rules"
    assert "{" not in text and "[" not in text
    for c in (ann_lab, bob_lab, board):
        await c.disconnect()


def test_the_home_page_signs_instructors_in_and_the_board_presents(client, django_user_model):
    from django.contrib.auth.models import Permission
    home = client.get("/").content.decode()
    assert 'id="instructor-sign-in" href="/accounts/login/?next=/workshops/"' in home
    assert 'href="/join/"' in home
    teacher = django_user_model.objects.create_user("t", password="pw")
    teacher.user_permissions.add(Permission.objects.get(codename="run_workshop"))
    w = workshops.create("Room", LESSONS, 10, teacher)
    client.force_login(teacher)
    page = client.get(f"/workshops/{w.code}/board/").content.decode()
    assert 'id="present-link"' in page and 'id="pause-btn"' in page
    assert "?step={step}\\u0026present=1" in page or "?step={step}&present=1" in page


async def test_a_spotlit_run_page_says_whose_prediction_it_shows(lab):
    w, board, state, seats = await open_room(("Ann", "Bob"))
    ann_lab = await communicator(session=seats["Ann"])
    shown = await run(ann_lab, WRONG, ["-A FORWARD -j ACCEPT"])
    await board.send_json_to({"type": "workshop.spotlight", "run": shown["run"], "show_name": True})
    spot = (await receive_type(board, "board.spotlight"))["spotlight"]
    assert (spot["prediction_text"], spot["rules_text"]) == \
        ("gets through", "iptables -A FORWARD -j ACCEPT")
    bob = Client()
    bob.cookies["sessionid"] = seats["Bob"]
    page = (await sync_to_async(bob.get)(f"/runs/{shown['run']}/?present=1&spotlight=1")).content.decode()
    import json
    import re
    seat = json.loads(re.search(r'<script id="seat-data" type="application/json">(.*?)</script>',
                                page, re.S).group(1))
    assert seat["spotlit"] == {"run": shown["run"], "prediction_text": "gets through",
                               "rules_text": "iptables -A FORWARD -j ACCEPT", "name": "Ann"}
    assert "with this run's rules" in page and "with your rules" not in page
    for c in (ann_lab, board):
        await c.disconnect()


async def test_a_learner_cannot_use_the_new_controls(lab):
    w, board, state, seats = await open_room()
    ann = state["rows"][0]["learner"]
    page = await communicator("/ws/workshop/", session=seats["Ann"])
    await receive_type(page, "workshop.state")
    for msg in ({"type": "workshop.pause"}, {"type": "workshop.resume"},
                {"type": "workshop.reset", "learner": ann, "lesson": LESSONS[0], "step": 1},
                {"type": "workshop.remove", "learner": ann},
                {"type": "board.attempts", "learner": ann, "lesson": LESSONS[0], "step": 1}):
        await page.send_json_to(msg)
        err = await receive_type(page, "workshop.error")
        assert err["kind"] == "forbidden" and "instructors" in err["message"], msg
    # nor from a board socket that is not an instructor's
    spy = await communicator(f"/ws/board/{w.code}/", session=seats["Ann"])
    await receive_type(spy, "board.error")
    await spy.send_json_to({"type": "workshop.pause"})
    assert (await receive_type(spy, "board.error"))["kind"] == "forbidden"
    assert not (await sync_to_async(lambda: type(w).objects.get(pk=w.pk).paused)())
    for c in (page, spy, board):
        await c.disconnect()


async def test_an_open_page_says_so_and_a_dead_process_sockets_go_stale(lab, monkeypatch):
    monkeypatch.setattr(roomview, "ALIVE_S", 0.2)
    w, board, state, seats = await open_room(("Ann", "Bob"))
    ann = await communicator("/ws/workshop/", session=seats["Ann"])
    await receive_type(ann, "workshop.state")
    first = (await receive_update(board, lambda r: r["name"] == "Ann" and r["connected"]))["row"]
    again = (await receive_update(board, lambda r: r["name"] == "Ann"
                                  and r["socket_seen"] > first["socket_seen"]))["row"]
    assert again["connected"] and again["sockets"] == 1
    # Bob's page was on a process that died: counted open, never said so since
    long_ago = timezone.now() - timedelta(seconds=roomview.CONNECTED_S + 1)
    await Learner.objects.filter(name="Bob").aupdate(connections=1, socket_seen=long_ago)
    st = await refreshed(board)
    rows = {r["name"]: r for r in st["rows"]}
    assert rows["Ann"]["connected"] and not rows["Bob"]["connected"] and rows["Bob"]["sockets"] == 1
    assert st["counts"] == {"joined": 2, "connected": 1}
    for c in (ann, board):
        await c.disconnect()
