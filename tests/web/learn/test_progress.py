"""Runs belong to the browser that made them; progress is kept per browser.

A stand-in lab (no kernel) returns a graded result; the browser is a Django
test client whose session cookie the websocket carries, as a page's would.
"""
import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from visualizer.learn.models import Progress, Run

from ..support import GradedLab, collect_run, communicator, use_lab

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def lab(monkeypatch):
    return use_lab(monkeypatch, GradedLab())


async def browse():
    """A browser that viewed the home page (no session yet), then clicked Run (its
    page asks for the session first, as lesson.js does)."""
    c = Client()
    await sync_to_async(c.get)("/")
    assert "sessionid" not in c.cookies
    assert (await sync_to_async(c.post)("/session/")).status_code == 204
    return c, c.cookies["sessionid"].value


async def run_once(session, **extra):
    comm = await communicator(session=session)
    await comm.send_json_to({"type": "lab.run", "lesson": "new-bridge-forward-drop", "step": 1,
                             **extra})
    msgs = await collect_run(comm)
    await comm.disconnect()
    assert msgs[-1]["type"] == "lab.result", msgs[-1]
    return msgs[-1]


async def test_the_home_page_lists_only_your_runs(lab):
    alice, a_sess = await browse()
    bob, b_sess = await browse()
    res = await run_once(a_sess)
    run = await Run.objects.aget(uid=res["run"])
    assert run.owner == a_sess
    mine = (await sync_to_async(alice.get)("/")).content.decode()
    theirs = (await sync_to_async(bob.get)("/")).content.decode()
    assert f"/runs/{run.uid}/" in mine and f"/runs/{run.uid}/" not in theirs
    # A permalink is a deliberate share: it opens for anyone who has it.
    assert (await sync_to_async(bob.get)(f"/runs/{run.uid}/")).status_code == 200


async def test_permalink_ids_cannot_be_guessed_from_another(lab):
    _, sess = await browse()
    a, b = await run_once(sess), await run_once(sess)
    assert a["run"] != b["run"] and len(a["run"]) >= 20 and len(b["run"]) >= 20
    assert not a["run"].isdigit()
    pk = (await Run.objects.aget(uid=a["run"])).pk
    assert (await sync_to_async(Client().get)(f"/runs/{pk}/")).status_code == 404


async def test_progress_counts_runs_and_predictions_and_shows_on_the_list(lab):
    browser, sess = await browse()
    res = await run_once(sess, prediction={"through": False})
    assert res["prediction_grade"]["right"] == 1
    await run_once(sess, prediction={"through": True})
    p = await Progress.objects.aget(owner=sess, lesson="new-bridge-forward-drop", step=1)
    assert (p.runs, p.predicted, p.predicted_right, p.passed) == (2, 2, 1, True)
    html = (await sync_to_async(browser.get)("/")).content.decode()
    assert "1 of 4 steps run" in html and "1 of 2 predictions right" in html
    other = (await sync_to_async(Client().get)("/")).content.decode()
    assert "steps run" not in other
