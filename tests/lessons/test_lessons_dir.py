"""A lesson folder outside the repo, named by LESSONS_DIR, works everywhere:
the CLI, ``verify_lessons``, the lesson page and a websocket run."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from django.test import override_settings

from tests.conftest import ROOT, lessons_folder, run_trace

SLUG = "my-outside-lesson"


@pytest.fixture(scope="module")
def outside():
    source = ROOT / "lessons" / "container-to-container"
    root = lessons_folder("nfvis-elsewhere-", {SLUG: {
        f.name: f.read_text() for f in source.iterdir() if f.is_file()}})
    toml = root / SLUG / "lesson.toml"
    toml.write_text(toml.read_text().replace('title = "Container to container across docker0"',
                                             'title = "A lesson from elsewhere"', 1))
    yield root
    shutil.rmtree(root.parent, ignore_errors=True)


@pytest.mark.django_db
def test_the_page_lists_and_shows_it(outside, client):
    with override_settings(LESSONS_DIR=outside):
        assert "A lesson from elsewhere" in client.get("/").content.decode()
        page = client.get(f"/lessons/{SLUG}/")
        assert page.status_code == 200 and "A lesson from elsewhere" in page.content.decode()


@pytest.mark.live
def test_the_cli_runs_it(live_lab, outside):
    events, result, proc = run_trace(SLUG, "--step", "1", env={"LESSONS_DIR": str(outside)})
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert result["lesson"] == SLUG and result["grade"]["passed"] is True
    _, _, proc = run_trace(SLUG, "--step", "1")      # not in the default folder
    assert proc.returncode == 2 and "unknown lesson" in proc.stderr


@pytest.mark.live
def test_verify_lessons_grades_it(live_lab, outside):
    proc = subprocess.run([sys.executable, str(ROOT / "manage.py"), "verify_lessons", SLUG],
                          capture_output=True, text=True, timeout=120, cwd=ROOT,
                          env={**os.environ, "LESSONS_DIR": str(outside)})
    lines = proc.stdout.strip().splitlines()
    assert proc.returncode == 0, proc.stdout + proc.stderr[-2000:]
    assert lines[-1] == "2 passed, 0 failed", lines


@pytest.mark.live
@pytest.mark.django_db(transaction=True)
async def test_a_websocket_run_uses_it(live_lab, outside):
    from tests.web.support import collect_run, communicator
    from visualizer.learn import config
    with override_settings(LESSONS_DIR=outside):
        client = config.lab_client()
        try:
            comm = await communicator()
            await comm.send_json_to({"type": "lab.run", "lesson": SLUG, "step": 1})
            msgs = await collect_run(comm)
            assert msgs[-1]["type"] == "lab.result", msgs[-1]
            assert msgs[-1]["lesson"] == SLUG and msgs[-1]["grade"]["passed"] is True
            await comm.disconnect()
        finally:
            await client.stop()
