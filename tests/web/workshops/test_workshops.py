"""Workshops over websockets (WebsocketCommunicator): joining, goto, spotlight, board
updates, hot start, and every forbidden path; each refusal is a clear *.error and
the connection stays up.  Runs use a stand-in lab (no kernel)."""
import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import Permission, User
from django.test import Client

from visualizer.workshops import room as workshops
from visualizer.workshops.models import Workshop

from ..support import collect_run, communicator, use_lab
from .roomlab import RoomLab

pytestmark = pytest.mark.django_db(transaction=True)
LESSONS = ["new-bridge-forward-drop", "container-to-container"]


@pytest.fixture
def lab(monkeypatch):
    return use_lab(monkeypatch, RoomLab())


@sync_to_async
def setup_room(seats=30):
    teacher = User.objects.create_user("teacher", password="pw")
    teacher.user_permissions.add(Permission.objects.get(codename="run_workshop"))
    w = workshops.create("Bridges 101", LESSONS, seats, teacher)
    return w, teacher


@sync_to_async
def browser_join(code, name):
    c = Client()
    r = c.post("/join/", {"code": code, "name": name})
    return c, r, c.cookies["sessionid"].value if "sessionid" in c.cookies else None


@sync_to_async
def instructor_session(user):
    c = Client()
    c.force_login(user)
    return c.cookies["sessionid"].value


async def receive_type(comm, t, timeout=5):
    while True:
        msg = await comm.receive_json_from(timeout=timeout)
        if msg["type"] == t:
            return msg


async def receive_update(board, wanted, timeout=5):
    """The next board.update whose row is ``wanted`` (a learner's sockets coming and
    going send their rows too: connected counts)."""
    while True:
        msg = await receive_type(board, "board.update", timeout)
        if wanted(msg["row"]):
            return msg


async def test_join_goto_spotlight_and_the_board_fills_in(lab):
    w, teacher = await setup_room()
    _, r, ann = await browser_join(w.code.lower(), "Ann")
    assert r.status_code == 302 and r["Location"] == f"/lessons/{LESSONS[0]}/?step=1"
    board = await communicator(f"/ws/board/{w.code}/", session=await instructor_session(teacher))
    state = await receive_type(board, "board.state")
    assert [row["name"] for row in state["rows"]] == ["Ann"] and state["code"] == w.code
    learner = await communicator("/ws/workshop/", session=ann)
    assert (await receive_type(learner, "workshop.state"))["you"]["name"] == "Ann"
    # the learner's run goes on the board, graded
    lab_ws = await communicator(session=ann)
    await lab_ws.send_json_to({"type": "lab.run", "lesson": LESSONS[0], "step": 1,
                               "prediction": {"through": False}})
    result = (await collect_run(lab_ws))[-1]
    update = await receive_update(board, lambda row: f"{LESSONS[0]}:1" in row["cells"])
    cell = update["row"]["cells"][f"{LESSONS[0]}:1"]
    assert cell["status"] == "passed" and cell["prediction_right"] is True
    assert cell["died_at"] == "ip filter FORWARD" and cell["run"] == result["run"]
    # goto reaches the learner; spotlight shows the run, the name hidden unless asked
    await board.send_json_to({"type": "workshop.goto", "lesson": LESSONS[1], "step": 1})
    assert (await receive_type(learner, "workshop.goto"))["lesson"] == LESSONS[1]
    await board.send_json_to({"type": "workshop.spotlight", "run": result["run"]})
    shown = await receive_type(learner, "workshop.spotlight")
    assert shown["run"] == result["run"] and shown["name"] is None
    await board.send_json_to({"type": "workshop.spotlight", "run": result["run"], "show_name": True})
    assert (await receive_type(learner, "workshop.spotlight"))["name"] == "Ann"
    # the learner reports being ahead; the board sees it
    await learner.send_json_to({"type": "workshop.where", "lesson": LESSONS[1], "step": 2,
                                "ahead": True})
    assert (await receive_update(board, lambda row: row["ahead"]))["row"]["ahead"] is True
    # hot start: the room's lesson, up to the seats, bounded by the machine
    await board.send_json_to({"type": "workshop.prepare"})
    prepared = await receive_type(board, "board.prepared")
    assert prepared["lesson"] == LESSONS[1] and 0 < prepared["count"] <= 30
    # each process builds for the room's learners connected to it: here, one
    here = await receive_type(board, "board.lab")
    assert (here["lesson"], here["target"], here["ready"]) == (LESSONS[1], 1, 1)
    assert here["process"] and here["capacity"] >= 1
    assert (LESSONS[1], 1) in lab.warmed
    await board.send_json_to({"type": "workshop.close"})
    await receive_type(learner, "workshop.closed")
    for c in (board, learner, lab_ws):
        await c.disconnect()


async def test_forbidden_paths_get_errors_and_the_sockets_stay_up(lab):
    w, teacher = await setup_room()
    _, _, ann = await browser_join(w.code, "Ann")
    # a learner reading the board
    spy = await communicator(f"/ws/board/{w.code}/", session=ann)
    err = await receive_type(spy, "board.error")
    assert err["kind"] == "forbidden" and "instructors" in err["message"]
    await spy.send_json_to({"type": "board.refresh"})
    assert (await receive_type(spy, "board.error"))["kind"] == "forbidden"
    await spy.send_json_to({"type": "workshop.goto", "lesson": LESSONS[0], "step": 2})
    assert (await receive_type(spy, "board.error"))["kind"] == "forbidden"
    # a learner sending an instructor's message on their own socket
    learner = await communicator("/ws/workshop/", session=ann)
    await receive_type(learner, "workshop.state")
    for t in ("workshop.goto", "workshop.spotlight", "workshop.close", "workshop.prepare"):
        await learner.send_json_to({"type": t, "lesson": LESSONS[0], "step": 2, "run": "x"})
        err = await receive_type(learner, "workshop.error")
        assert err["kind"] == "forbidden", t
    await learner.send_to(text_data="not json")
    assert (await receive_type(learner, "workshop.error"))["kind"] == "input"
    await learner.send_json_to({"type": "workshop.where", "lesson": LESSONS[0], "step": 1})
    assert (await Workshop.objects.aget(pk=w.pk)).step == 1     # nothing moved the room
    # an anonymous board, a board of no workshop, a learner socket with no seat
    anon = await communicator(f"/ws/board/{w.code}/")
    assert (await receive_type(anon, "board.error"))["kind"] == "forbidden"
    none = await communicator("/ws/board/ZZZZZZ/", session=await instructor_session(teacher))
    assert (await receive_type(none, "board.error"))["kind"] == "input"
    seatless = await communicator("/ws/workshop/")
    assert "join" in (await receive_type(seatless, "workshop.error"))["message"]
    # spotlighting a run of another workshop is refused
    other, _ = await sync_to_async(lambda: (workshops.create("Other", LESSONS, 5), None))()
    _, _, bob = await browser_join(other.code, "Bob")
    bob_lab = await communicator(session=bob)
    await bob_lab.send_json_to({"type": "lab.run", "lesson": LESSONS[0], "step": 1})
    bobs = (await collect_run(bob_lab))[-1]["run"]
    board = await communicator(f"/ws/board/{w.code}/", session=await instructor_session(teacher))
    await receive_type(board, "board.state")
    await board.send_json_to({"type": "workshop.spotlight", "run": bobs})
    assert "no run of this workshop" in (await receive_type(board, "board.error"))["message"]
    await board.send_json_to({"type": "workshop.goto", "lesson": "nope", "step": 1})
    assert (await receive_type(board, "board.error"))["kind"] == "input"
    for c in (spy, learner, anon, none, seatless, bob_lab, board):
        await c.disconnect()


async def test_wrong_or_closed_join_codes_are_refused_clearly(lab):
    w, _ = await setup_room(seats=1)
    _, r, _ = await browser_join("0OIl1", "Ann")
    assert r.status_code == 400 and "not a join code" in r.content.decode()
    _, r, _ = await browser_join("ZZZZZZ", "Ann")
    assert r.status_code == 400 and "no workshop has that code" in r.content.decode()
    _, r, _ = await browser_join(w.code, "   ")
    assert r.status_code == 400 and "name" in r.content.decode()
    _, r, _ = await browser_join(w.code, "Ann")
    assert r.status_code == 302
    _, r, _ = await browser_join(w.code, "Bob")
    assert r.status_code == 400 and "full" in r.content.decode()
    await sync_to_async(workshops.close)(w)
    _, r, _ = await browser_join(w.code, "Cy")
    assert r.status_code == 400 and "closed" in r.content.decode()


def test_codes_are_short_and_unambiguous():
    from visualizer.workshops.models import new_code
    codes = {new_code() for _ in range(500)}
    assert all(len(c) == 6 and not set(c) & set("0O1lI") for c in codes) and len(codes) > 490


def test_the_board_page_and_export_are_for_instructors(client, django_user_model):
    teacher = django_user_model.objects.create_user("t", password="pw")
    teacher.user_permissions.add(Permission.objects.get(codename="run_workshop"))
    w = workshops.create("Room", LESSONS, 10, teacher)
    assert client.get(f"/workshops/{w.code}/board/").status_code == 302   # sign in first
    client.force_login(teacher)
    page = client.get(f"/workshops/{w.code}/board/").content.decode()
    assert w.code in page and "<svg" in page and f"/join/?code={w.code}" in page
    csv = client.get(f"/workshops/{w.code}/export.csv")
    assert csv.status_code == 200 and csv.content.decode().startswith("learner,lesson,step")
    stranger = django_user_model.objects.create_user("s", password="pw")
    client.force_login(stranger)
    assert client.get(f"/workshops/{w.code}/board/").status_code == 403
    assert client.get("/workshops/").status_code == 403


def test_an_instructor_creates_a_workshop_from_the_web(client, django_user_model):
    teacher = django_user_model.objects.create_user("t", password="pw")
    teacher.user_permissions.add(Permission.objects.get(codename="run_workshop"))
    client.force_login(teacher)
    r = client.post("/workshops/", {"title": "Friday", "lessons": LESSONS, "seats": "12"})
    w = Workshop.objects.get(title="Friday")
    assert r.status_code == 302 and r["Location"] == f"/workshops/{w.code}/board/"
    assert w.seats == 12 and w.lessons == LESSONS and teacher in w.instructors.all()


async def test_a_lab_that_fails_to_prepare_is_an_error_on_a_board_that_stays(lab):
    async def broken(lesson, count=None):
        raise RuntimeError("no lab here")
    lab.warm = broken
    w, teacher = await setup_room()
    board = await communicator(f"/ws/board/{w.code}/", session=await instructor_session(teacher))
    await receive_type(board, "board.state")
    await board.send_json_to({"type": "workshop.prepare"})
    err = await receive_type(board, "board.error")
    assert err["kind"] == "lab" and "could not prepare" in err["message"]
    await board.send_json_to({"type": "board.refresh"})
    assert (await receive_type(board, "board.state"))["code"] == w.code
    await board.disconnect()


async def test_room_messages_do_not_wait_for_the_sync_thread(lab):
    """A group message reaches the page while the one sync thread is busy (saving a
    room's runs): channels' own dispatch would first queue a hop through that thread."""
    import asyncio
    import threading

    from channels.layers import get_channel_layer
    w, _ = await setup_room()
    _, _, ann = await browser_join(w.code, "Ann")
    learner = await communicator("/ws/workshop/", session=ann)
    await receive_type(learner, "workshop.state")
    gate = threading.Event()
    busy = asyncio.ensure_future(sync_to_async(gate.wait)())      # holds the sync thread
    try:
        await asyncio.sleep(0.05)
        await get_channel_layer().group_send(w.group, {"type": "workshop.goto",
                                                       "lesson": LESSONS[0], "step": 2})
        goto = await receive_type(learner, "workshop.goto", timeout=3)
        assert goto["step"] == 2 and not busy.done()
    finally:
        gate.set()
        await busy
    await learner.disconnect()


async def test_the_board_says_the_sandbox_cap_and_why(lab, settings):
    w, teacher = await setup_room()
    session = await instructor_session(teacher)
    settings.LAB_MAX_SANDBOXES = 37
    board = await communicator(f"/ws/board/{w.code}/", session=session)
    cap = (await receive_type(board, "board.state"))["lab"]
    assert cap["capacity"] == 37 and cap["source"] == "setting"
    await board.disconnect()
    settings.LAB_MAX_SANDBOXES = 0               # the default: what the memory holds
    board = await communicator(f"/ws/board/{w.code}/", session=session)
    cap = (await receive_type(board, "board.state"))["lab"]
    assert cap["source"] == "memory" and cap["available_mib"] > 0
    assert cap["capacity"] == int(cap["available_mib"] / 2 / cap["sandbox_mib"])
    await board.disconnect()
