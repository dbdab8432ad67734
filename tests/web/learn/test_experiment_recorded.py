"""An experiment's run is recorded (issue 19): lab.experiment's result names its run,
whose /runs/<uid>/ page shows the experiment's fields (not a lesson step) with its
downloads (JSON, text, pcap-ng, Save as lesson), and whose pcap-ng downloads."""
from __future__ import annotations

import pytest

from visualizer.learn.models import Run

from ..support import collect_run, communicator, use_lab
from .test_pcapng import CAPTURES, FRAMES, JOURNEYS

pytestmark = pytest.mark.django_db(transaction=True)

UDP = {"from": "c2", "to": "203.0.113.1", "proto": "udp", "port": 5353, "count": 1,
       "size": None, "ttl": None}


class ExperimentFramesLab:
    """Test double of LabClient: an experiment's RESULT with frames, as the lab's."""

    def __init__(self, base: str):
        self.base = base

    async def experiment(self, owner, fields, on_message=None, **kw):
        await on_message({"type": "lab.status", "status": "running", "detail": "c2$ udp-send"})
        exp = {"base": self.base, "rules": ["-I FORWARD -p udp -j DROP"],
               "sysctls": [{"ns": "host", "name": "net.ipv4.ip_forward", "value": "1"}],
               "listeners": [{"ns": "wan", "proto": "udp", "port": 5353}],
               "traffic": [UDP], "docker": ""}
        return {"ok": True, "transmitted": 1, "received": 0, "journeys": JOURNEYS,
                "lesson": "_plain", "step": 1, "rules": {}, "conntrack": [],
                "captures": CAPTURES, "frames": FRAMES, "output": "", "command": "",
                "experiment": exp}

    async def release(self, owner):
        pass


async def run_one(monkeypatch, base: str) -> dict:
    use_lab(monkeypatch, ExperimentFramesLab(base))
    comm = await communicator()
    await comm.send_json_to({"type": "lab.experiment", "traffic": [UDP]})
    res = (await collect_run(comm))[-1]
    await comm.disconnect()
    assert res["type"] == "lab.result" and res["run"], res
    assert "warning" not in res and "frames" not in res
    return res


@pytest.mark.parametrize("base,lesson,step", [
    ("", "_plain", 1), ("container-to-external:1", "container-to-external", 1)])
async def test_an_experiments_run_is_recorded_with_its_experiment(monkeypatch, base, lesson, step):
    res = await run_one(monkeypatch, base)
    run = await Run.objects.aget(uid=res["run"])
    assert (run.lesson, run.step) == (lesson, step)
    assert run.result["experiment"]["base"] == base and run.frames == FRAMES


async def test_its_permalink_shows_the_experiment_and_its_downloads(monkeypatch, async_client):
    res = await run_one(monkeypatch, "container-to-external:1")
    uid = res["run"]
    page = (await async_client.get(f"/runs/{uid}/")).content.decode()
    for text in ("-I FORWARD -p udp -j DROP", "net.ipv4.ip_forward=1", "wan udp/5353",
                 "c2 → 203.0.113.1 udp/5353", f'href="/runs/{uid}/lesson.zip"',
                 f'href="/runs/{uid}.pcapng"', f'href="/runs/{uid}.json"',
                 'href="/lessons/container-to-external/?step=1"'):
        assert text in page, text
    assert 'id="run-pcapng"' not in page        # not the lesson page's banner
    pcap = await async_client.get(f"/runs/{uid}.pcapng")
    assert pcap.status_code == 200 and pcap.content[:4] == b"\x0a\x0d\x0d\x0a"


async def test_a_plain_bridge_experiment_says_so(monkeypatch, async_client):
    res = await run_one(monkeypatch, "")
    page = (await async_client.get(f"/runs/{res['run']}/")).content.decode()
    assert "the plain docker bridge" in page
