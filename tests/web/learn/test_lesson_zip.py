"""``/runs/<uid>/lesson.zip`` (url name ``run-lesson``): a recorded experiment's run
downloads as a lesson folder that the lesson loader reads, expecting what the run
observed; a lesson step's run and an unknown uid get a 404 that says why."""
from __future__ import annotations

import io
import re
import zipfile

import pytest
from django.urls import reverse

from tests.conftest import lessons_folder
from tests.lessons.test_lessonexport import udp_run
from visualizer.core import lessons
from visualizer.learn.models import Run

pytestmark = pytest.mark.django_db


@pytest.fixture
def experiment_run():
    exp, result, events = udp_run()
    result = {**result, "experiment": exp.as_dict(), "lesson": "_plain", "step": 1}
    return Run.objects.create(lesson="_plain", step=1, rules=[], events=events, result=result)


def test_an_experiments_run_downloads_as_a_lesson_folder_that_loads(client, experiment_run):
    url = reverse("run-lesson", args=[experiment_run.uid])
    assert url == f"/runs/{experiment_run.uid}/lesson.zip"
    resp = client.get(url)
    assert resp.status_code == 200 and resp["Content-Type"] == "application/zip"
    tail = re.sub(r"[^a-z0-9]+", "-", experiment_run.uid[:8].lower()).strip("-")
    slug = f"experiment-udp-c2-to-203-0-113-1-5353-{tail}".rstrip("-")
    assert resp["Content-Disposition"] == f'attachment; filename="{slug}.zip"'
    z = zipfile.ZipFile(io.BytesIO(resp.content))
    assert sorted(z.namelist()) == [f"{slug}/lesson.toml", f"{slug}/step1.md"]
    files = {n.split("/", 1)[1]: z.read(n).decode() for n in z.namelist()}
    root = lessons_folder("nfvis-zip-", {slug: files})
    lesson = lessons.load_lesson(root / slug, root)
    assert lesson.steps[0].expect["nat_new"] == "203.0.113.10"
    assert lesson.steps[0].traffic.kind == "udp" and lesson.rulesets == ("docker",)


def test_a_lesson_steps_run_is_not_an_experiment(client):
    run = Run.objects.create(lesson="container-to-container", step=1, rules=[], events=[],
                             result={"ok": True, "journeys": []})
    resp = client.get(reverse("run-lesson", args=[run.uid]))
    assert resp.status_code == 404 and resp["Content-Type"].startswith("text/plain")
    assert "not an experiment" in resp.content.decode()


def test_an_unknown_run_is_a_404_naming_it(client):
    resp = client.get("/runs/nosuchrun/lesson.zip")
    assert resp.status_code == 404 and resp.content.decode() == "no recorded run nosuchrun\n"


def test_an_experiment_that_no_longer_holds_says_why(client, experiment_run):
    experiment_run.result = {**experiment_run.result,
                             "experiment": {**experiment_run.result["experiment"],
                                            "base": "no-such-lesson:1"}}
    experiment_run.save()
    resp = client.get(reverse("run-lesson", args=[experiment_run.uid]))
    assert resp.status_code == 404
    assert "no longer saves as a lesson: base: unknown lesson" in resp.content.decode()
