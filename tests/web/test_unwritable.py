"""When the database cannot be written: the run is delivered with a "not saved" note,
pages render, and a page's own failed write is a 503 that says so, never a 500.

``refuse_writes`` makes every INSERT, UPDATE and DELETE raise what SQLite raises for a
read-only file (in every thread: the websocket saves in Django's database thread);
the last test opens a real SQLite file read-only in a process of its own.
"""
from __future__ import annotations

import logging

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import Permission, User
from django.contrib.sessions.backends.db import SessionStore
from django.db.backends import utils
from django.db.utils import OperationalError
from django.http import HttpResponse
from django.test import Client, RequestFactory

from visualizer.learn import sessions
from visualizer.learn.models import Run
from visualizer.learn.sessions import SessionMiddleware
from visualizer.learn.unwritable import NOT_SAVED
from visualizer.workshops import room

from .support import GradedLab, collect_run, communicator, use_lab
from .test_migrate_from_main import _manage

READ_ONLY = "attempt to write a readonly database"
WRITES = ("insert", "update", "delete")


@pytest.fixture
def refuse_writes(monkeypatch):
    """Call it to make the database refuse writes from then on."""
    def refuse(real):
        def execute(self, sql, *args, **kwargs):
            if str(sql).lstrip().lower().startswith(WRITES):
                raise OperationalError(READ_ONLY)
            return real(self, sql, *args, **kwargs)
        return execute

    def on():
        monkeypatch.setattr(utils.CursorWrapper, "execute", refuse(utils.CursorWrapper.execute))
        monkeypatch.setattr(utils.CursorWrapper, "executemany",
                            refuse(utils.CursorWrapper.executemany))
    return on


@pytest.mark.django_db(transaction=True)
async def test_a_run_that_cannot_be_saved_is_delivered_with_the_note(monkeypatch, refuse_writes):
    use_lab(monkeypatch, GradedLab())
    key = await sync_to_async(lambda: sessions.keep(SessionStore()))()     # a learner's browser
    refuse_writes()
    comm = await communicator(session=key)
    await comm.send_json_to({"type": "lab.run", "lesson": "new-bridge-forward-drop", "step": 1})
    msgs = await collect_run(comm)
    await comm.disconnect()
    assert [m["type"] for m in msgs] == ["trace.event", "lab.result"]      # the run, then the note
    res = msgs[-1]
    assert res["warning"] == NOT_SAVED and res["run"] is None and res["recorded"] is False
    assert res["grade"]["passed"] is True and res["transmitted"] == 1      # the kernel's result
    assert await Run.objects.acount() == 0


def _room():
    teacher = User.objects.create_user("teacher", password="pw")
    teacher.user_permissions.add(Permission.objects.get(codename="run_workshop"))
    w = room.create("Room", ["container-to-container"], 5, teacher)
    run = Run.objects.create(lesson="container-to-container", step=1, events=[{"seq": 0}])
    return teacher, w, run


PAGES = ("/", "/lessons/container-to-container/", "/lessons/container-to-container/?step=2",
         "/join/", "/accounts/login/")


@pytest.mark.django_db
def test_pages_render_when_the_database_cannot_be_written(refuse_writes, caplog):
    teacher, w, run = _room()
    instructor, learner = Client(), Client()
    instructor.force_login(teacher)
    learner.post("/join/", {"code": w.code, "name": "Ann"})
    refuse_writes()
    for c in (Client(), learner, instructor):
        for url in PAGES + (f"/join/?code={w.code}", f"/runs/{run.uid}/", f"/runs/{run.uid}.json"):
            assert c.get(url).status_code == 200, url
    for url in ("/workshops/", f"/workshops/{w.code}/board/"):
        assert instructor.get(url).status_code == 200, url
    with caplog.at_level(logging.WARNING):
        for r in (Client().post("/session/"), Client().post("/join/", {"code": w.code, "name": "Bo"})):
            assert r.status_code == 503 and "cannot be written" in r.content.decode()
            assert "<h1>Not saved</h1>" in r.content.decode()
    assert NOT_SAVED in caplog.text


def test_a_page_goes_out_when_its_session_cannot_be_saved(monkeypatch, caplog):
    def save(self, must_create=False):
        raise OperationalError(READ_ONLY)
    monkeypatch.setattr(SessionStore, "save", save)

    def view(request):
        request.session["seen"] = True          # modified: the middleware saves it
        return HttpResponse("the page")
    with caplog.at_level(logging.WARNING):
        resp = SessionMiddleware(view)(RequestFactory().get("/"))
    assert resp.status_code == 200 and resp.content == b"the page"
    assert "sessionid" not in resp.cookies and NOT_SAVED in caplog.text


READ_ONLY_PROCESS = """
import asyncio, django; django.setup()
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.db.backends.signals import connection_created
from django.test import Client
from visualizer.learn import runs
from visualizer.learn.models import Run
from visualizer.workshops import room
from tests.web.support import GradedLab
teacher = User.objects.create_user("teacher", password="pw")
teacher.user_permissions.add(Permission.objects.get(codename="run_workshop"))
w = room.create("Room", ["container-to-container"], 5, teacher)
uid = Run.objects.create(lesson="container-to-container", step=1, events=[{"seq": 0}]).uid
instructor = Client(HTTP_HOST="127.0.0.1")
instructor.force_login(teacher)
connection_created.connect(lambda connection, **kw: connection.connection.execute("PRAGMA query_only = ON"),
                          weak=False)
connection.close()                          # from here on, SQLite itself refuses every write
c = Client(HTTP_HOST="127.0.0.1")
for url in ("/", "/lessons/container-to-container/", "/join/", f"/runs/{uid}/"):
    print(url, c.get(url).status_code)
for url in ("/workshops/", f"/workshops/{w.code}/board/"):
    print(url, instructor.get(url).status_code)
print("join", c.post("/join/", {"code": w.code, "name": "Ann"}).status_code)
runs.config.lab_client = lambda: GradedLab()
final = []
async def deliver(texts, last):
    final.extend(texts)
asyncio.run(runs.run("ch", "new-bridge-forward-drop", 1, [], deliver=deliver))
print("run", final[-1])
"""


def test_a_read_only_sqlite_file(tmp_path):
    db = tmp_path / "db.sqlite3"
    assert _manage(db, "migrate", "--noinput").returncode == 0
    done = _manage(db, code=READ_ONLY_PROCESS)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = dict(line.split(" ", 1) for line in done.stdout.splitlines())
    for url in ("/", "/lessons/container-to-container/", "/join/", "/workshops/"):
        assert lines[url] == "200", done.stdout
    assert lines["join"] == "503" and NOT_SAVED in lines["run"], done.stdout + done.stderr
    assert READ_ONLY in done.stderr                # the warnings name what SQLite said
