"""The pcap-ng export of real runs, over the websocket and from the CLI, opened with tshark:
one interface per captured device (``ns:dev``), as many frames as the run's captures,
each with its direction and a comment naming its journey and hop."""
import pytest
from asgiref.sync import sync_to_async
from django.test import AsyncClient

from tests.conftest import run_trace
from visualizer.learn.models import Run

from ..support import collect_run, communicator
from .test_pcapng import check_file

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]


async def test_a_websocket_run_downloads_as_pcapng(lab_client, tmp_path):
    comm = await communicator()
    await comm.send_json_to({"type": "lab.run", "lesson": "container-to-container", "step": 1})
    res = (await collect_run(comm))[-1]
    await comm.disconnect()
    assert res["type"] == "lab.result" and res["ok"] is True, res
    assert "frames" not in res                  # the bytes stay out of the socket
    run = await Run.objects.aget(uid=res["run"])
    assert run.frames_z is not None and len(run.frames_z) < 64 * 1024
    resp = await AsyncClient().get(f"/runs/{run.uid}.pcapng")
    assert resp.status_code == 200 and resp["Content-Type"] == "application/x-pcapng"
    path = tmp_path / "run.pcapng"
    path.write_bytes(resp.content)
    captures = res["captures"]
    assert sum(len(v) for v in captures.values()) >= 12     # 3 pings, each seen 4 times at least
    rows = await sync_to_async(check_file)(path, captures, res["journeys"])
    pings = [r for r in rows if "ICMP echo-request" in r[2] and r[2].startswith("journey #")]
    assert pings and all(" hop " in r[2] for r in pings)


def test_the_cli_writes_the_same_file(live_lab, tmp_path):
    path = tmp_path / "cli.pcapng"
    _, result, proc = run_trace("container-to-container", "--step", "1", "--pcapng", str(path))
    assert proc.returncode == 0, proc.stderr
    assert "frames" not in result and '"frames"' not in proc.stdout
    assert f"written to {path}" in proc.stderr
    check_file(path, result["captures"], result["journeys"])


def test_an_experiment_from_the_cli_writes_one_too(live_lab, tmp_path):
    """UDP from c2 to the external host: the ICMP port unreachable that comes back is a
    journey of its own, and its frames say so in their comments."""
    path = tmp_path / "exp.pcapng"
    _, result, proc = run_trace("--base=", "--from", "c2", "--to", "203.0.113.10", "--proto", "udp",
                                "--port", "5353", "--count", "1", "--pcapng", str(path), timeout=120)
    assert proc.returncode == 0, proc.stderr
    rows = check_file(path, result["captures"], result["journeys"])
    assert any("ICMP dest-unreachable" in r[2] for r in rows), [r[2] for r in rows]
