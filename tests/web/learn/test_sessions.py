"""A session is made only when there is something to keep: viewing pages makes none, a
lesson page's first Run asks for it (``POST /session/``), a socket never makes one."""
import json
import re

import pytest
from asgiref.sync import sync_to_async
from django.contrib.sessions.models import Session
from django.test import Client

from visualizer.learn.models import Progress, Run

from ..support import GradedLab, collect_run, communicator, use_lab

pytestmark = pytest.mark.django_db(transaction=True)
LESSON = "/lessons/container-to-container/"
RUN = {"type": "lab.run", "lesson": "new-bridge-forward-drop", "step": 1}


@pytest.fixture
def lab(monkeypatch):
    return use_lab(monkeypatch, GradedLab())


def page_data(html: str) -> dict:
    return json.loads(re.search(r'<script id="page-data" type="application/json">(.*?)</script>',
                                html, re.S).group(1))


def test_viewing_pages_makes_no_session():
    c = Client()
    run = Run.objects.create(lesson="container-to-container", step=1, owner="")
    for url in ("/", LESSON, LESSON + "?step=2", f"/runs/{run.uid}/", "/join/"):
        assert c.get(url).status_code == 200, url
    assert "sessionid" not in c.cookies and Session.objects.count() == 0
    data = page_data(c.get(LESSON).content.decode())
    assert data["session"] is False and data["csrf"] and data["urls"]["session"] == "/session/"
    assert data["progress"]["run"] == 0
    assert f"/runs/{run.uid}/" not in c.get("/").content.decode()     # a run of no one is not yours


def test_the_first_run_asks_for_the_session_with_the_pages_token():
    c = Client(enforce_csrf_checks=True)
    assert c.post("/session/").status_code == 403               # a page's own request only
    token = page_data(c.get(LESSON).content.decode())["csrf"]
    assert c.post("/session/", HTTP_X_CSRFTOKEN=token).status_code == 204
    key = c.cookies["sessionid"].value
    assert c.post("/session/", HTTP_X_CSRFTOKEN=token).status_code == 204     # kept, not remade
    assert c.cookies["sessionid"].value == key and Session.objects.count() == 1
    assert page_data(c.get(LESSON).content.decode())["session"] is True
    assert c.get("/session/").status_code == 405


async def test_a_socket_without_a_session_makes_none_and_records_for_no_one(lab):
    comm = await communicator()
    await comm.send_json_to(RUN)
    res = (await collect_run(comm))[-1]
    await comm.disconnect()
    assert res["type"] == "lab.result" and res["run"]
    assert (await Run.objects.aget(uid=res["run"])).owner == ""
    assert await Session.objects.acount() == 0 and await Progress.objects.acount() == 0


async def test_a_cookie_whose_session_is_gone_names_no_one(lab):
    stale = "x" * 32
    comm = await communicator(session=stale)
    await comm.send_json_to(RUN)
    res = (await collect_run(comm))[-1]
    await comm.disconnect()
    assert (await Run.objects.aget(uid=res["run"])).owner == ""
    c = Client()
    c.cookies["sessionid"] = stale
    data = page_data((await sync_to_async(c.get)(LESSON)).content.decode())
    assert data["session"] is False
