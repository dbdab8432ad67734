"""A run's events are stored as one compressed blob; what the code and the API see is
the same as before, for new runs and for runs recorded before the blob."""
import json
import re
import zlib
from pathlib import Path

import pytest
from django.db import connection

from visualizer.learn.models import Run

SAMPLE = Path(__file__).resolve().parents[2] / "fixtures" / "sample_events.json"


@pytest.fixture
def sample():
    return json.loads(SAMPLE.read_text())


def _old_style(sample) -> Run:
    """A run as the code before the blob wrote it: the events in the JSON column."""
    run = Run.objects.create(lesson="container-to-container", step=1, rules=["-I FORWARD -j ACCEPT"],
                             events=[], result=sample["result"])
    with connection.cursor() as cur:
        cur.execute("update visualizer_run set events = %s, events_z = null where id = %s",
                    [json.dumps(sample["events"]), run.pk])
    return Run.objects.get(pk=run.pk)


@pytest.mark.django_db
def test_new_runs_keep_their_events_compressed(sample):
    run = Run.objects.create(lesson="container-to-container", step=1, events=sample["events"],
                             result=sample["result"])
    with connection.cursor() as cur:
        cur.execute("select events, events_z from visualizer_run where id = %s", [run.pk])
        column, blob = cur.fetchone()
    assert json.loads(column) == []
    assert json.loads(zlib.decompress(blob)) == sample["events"]
    assert len(blob) * 5 < len(json.dumps(sample["events"]))
    again = Run.objects.get(pk=run.pk)
    # the same events, in the same order, each with its fields in the same order
    assert json.dumps(again.events) == json.dumps(sample["events"])


@pytest.mark.django_db
def test_an_old_row_reads_as_it_did(client, sample):
    old = _old_style(sample)
    assert old.events_z is None and old.events == sample["events"]
    new = Run.objects.create(lesson="container-to-container", step=1, rules=["-I FORWARD -j ACCEPT"],
                             events=sample["events"], result=sample["result"])
    seen = []
    for run in (old, new):       # the download and the text, byte for byte; the run page
        data = client.get(f"/runs/{run.uid}.json").content.decode().replace(run.uid, "UID")
        text = client.get(f"/runs/{run.uid}.txt").content.decode().replace(run.uid, "UID")
        seen.append((_without_created(data), _without_created(text)))
        page = client.get(f"/runs/{run.uid}/").content.decode()
        data = json.loads(re.search(r'<script id="page-data" type="application/json">(.*?)</script>',
                                    page, re.S).group(1))
        assert json.dumps(data["run"]["events"]) == json.dumps(sample["events"])   # the replay's
    assert seen[0] == seen[1]
    assert json.loads(client.get(f"/runs/{new.uid}.json").content)["events"] == sample["events"]


def _without_created(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if "created" not in line)


@pytest.mark.django_db
def test_events_set_on_a_run_replace_the_old_column(sample):
    old = _old_style(sample)
    old.events = sample["events"][:2]
    old.save()
    fresh = Run.objects.get(pk=old.pk)
    assert fresh.events == sample["events"][:2] and fresh.events_json == []
