"""Pages, the diagram generated from model.py, and recorded runs."""
import json
import re
from pathlib import Path

import pytest
from django.utils.html import escape

from visualizer.core import model
from visualizer.learn.models import Run
from visualizer.learn.templatetags import diagram
from visualizer.learn.views import _lessons

SAMPLE = Path(__file__).resolve().parents[2] / "fixtures" / "sample_events.json"


@pytest.fixture
def sample_run(db):
    """A recorded run made from the hand-written sample (test data only)."""
    data = json.loads(SAMPLE.read_text())
    return Run.objects.create(lesson="container-to-container", step=1, rules=["-I FORWARD -j ACCEPT"],
                              events=data["events"], result=data["result"])


@pytest.mark.django_db
def test_index_lists_lessons(client):
    html = client.get("/").content.decode()
    for lesson in _lessons().values():
        assert escape(lesson.title) in html
        assert f'href="/lessons/{lesson.slug}/"' in html
        assert escape(lesson.summary) in html
        if lesson.scenario:
            assert escape(lesson.scenario) in html


@pytest.mark.django_db
def test_lesson_page(client):
    r = client.get("/lessons/container-to-container/")
    assert r.status_code == 200
    html = r.content.decode()
    for t in model.TABLES:
        assert f'data-box="{t.key}"' in html
    assert re.search(r'class="box unavailable" data-box="bridge:broute:prerouting"', html)
    assert "not in this kernel" in html
    for iface in ("veth-c1", "veth-c2", "docker0", "eth0", "wan"):
        assert iface in html
    data = json.loads(re.search(r'<script id="page-data" type="application/json">(.*?)</script>',
                                html, re.S).group(1))
    assert data["mode"] == "live" and data["lesson"] == "container-to-container"
    assert data["model"] == json.loads(json.dumps(model.as_dict()))
    assert "<strong>" in html or "<code>" in html      # Markdown rendered server-side
    assert 'type="module"' in html and "js/lesson.js" in html


@pytest.mark.django_db
def test_step_selection_and_try_it(client):
    html = client.get("/lessons/container-to-container/?step=2").content.decode()
    assert 'aria-current="step"' in html and 'id="rules-input"' in html
    assert 'id="rules-input"' not in client.get("/lessons/container-to-container/?step=1").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("url, text", [
    ("/lessons/no-such-lesson/", "There is no lesson called"),
    ("/lessons/container-to-container/?step=9", "has steps 1 to"),
    ("/lessons/container-to-container/?step=abc", "has steps 1 to"),
    ("/runs/424242/", "no recorded run"),
    ("/nowhere/", "does not exist"),
])
def test_not_found_pages_say_why(client, url, text):
    r = client.get(url)
    assert r.status_code == 404
    assert text in r.content.decode()


def test_recorded_run_page(client, sample_run):
    html = client.get(f"/runs/{sample_run.uid}/").content.decode()
    assert "Recorded run" in html and "recorded run" in html
    assert 'id="run-btn"' not in html          # nothing runs from a recording
    data = json.loads(re.search(r'<script id="page-data" type="application/json">(.*?)</script>',
                                html, re.S).group(1))
    assert data["mode"] == "recorded" and data["run"]["recorded"] is True
    assert len(data["run"]["events"]) == len(sample_run.events)


def test_recorded_run_json_and_text(client, sample_run):
    r = client.get(f"/runs/{sample_run.uid}.json")
    assert r["Content-Type"] == "application/json"
    data = json.loads(r.content)
    assert data["recorded"] is True and data["label"] == "recorded run"
    assert data["events"] == sample_run.events and data["rules"] == ["-I FORWARD -j ACCEPT"]
    text = client.get(f"/runs/{sample_run.uid}.txt").content.decode()
    assert text.startswith(f"# recorded run {sample_run.uid}")
    for ev in sample_run.events:
        assert ev["text"] in text
    assert client.get("/runs/999999.json").status_code == 404
    assert client.get("/runs/999999.txt").status_code == 404


def _overlap(a, b):
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah


def test_diagram_layout_has_no_overlaps():
    lay = diagram.layout()
    rects = list(lay["stages"].items())
    for i, (ka, ra) in enumerate(rects):
        assert 0 <= ra[0] and ra[0] + ra[2] <= diagram.W and 0 <= ra[1] and ra[1] + ra[3] <= diagram.H
        for kb, rb in rects[i + 1:]:
            assert not _overlap(ra, rb), (ka, kb)
    boxes = [b for b in lay["boxes"] if "key" in b]
    assert {b["key"] for b in boxes if not b.get("probe")} == {t.key for t in model.TABLES}
    for b in boxes:   # every box inside its stage, in the kernel's priority order
        sx, sy, sw, sh = lay["stages"][f"{b['family']}:{b['hook']}"]
        assert sx <= b["x"] and b["x"] + b["w"] <= sx + sw and sy <= b["y"] and b["y"] + b["h"] <= sy + sh
    for fam, hook in {(t.family, t.hook) for t in model.TABLES}:
        ys = [b["y"] for b in boxes if (b["family"], b["hook"]) == (fam, hook) and not b.get("probe")]
        assert ys == sorted(ys)


def test_diagram_edges_come_from_the_model():
    svg = diagram.render(_lessons()["container-to-container"].topology)
    for a, b in model.EDGES:
        assert f'data-edge="{a}&gt;{b}"' in svg or f'data-edge="{a}>{b}"' in svg


def test_web_layer_never_imports_pyroute2():
    import subprocess
    import sys
    code = ("import os, sys, django; os.environ['DJANGO_SETTINGS_MODULE'] = 'visualizer.project.settings'; "
            "django.setup(); import visualizer.learn.views, visualizer.learn.consumers, visualizer.learn.runs, "
            "visualizer.workshops.consumers, visualizer.project.urls, visualizer.project.routing; print('pyroute2' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         cwd=Path(__file__).resolve().parents[3])
    assert out.stdout.strip() == "False", out.stderr
