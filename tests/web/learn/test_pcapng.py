"""The pcap-ng export of a recorded run, opened with Debian's tshark.

A run recorded with its frames (RESULT ``frames``, stored compressed in
``Run.frames_z``) downloads as ``/runs/<uid>.pcapng``: one interface per captured
device named ``ns:dev``, each frame with its direction and a comment naming its
journey and hop.  The frames never reach the browser's lab.result.  The live
runs (websocket and CLI) are in ``tests/lab/test_live_pcapng.py``.
"""
from __future__ import annotations

import base64
import json
import re
import shutil
import struct
import subprocess

import pytest

from visualizer.core import pcapexport
from visualizer.learn.models import Run

from ..support import collect_run, communicator, require, use_lab

TSHARK_TIMEOUT = 60


def icmp_frame(src: str, dst: str, seq: int, reply: bool = False) -> bytes:
    """An Ethernet/IPv4/ICMP echo frame (checksums left 0: tshark reads it all the same)."""
    icmp = struct.pack("!BBHHH", 0 if reply else 8, 0, 0, 1, seq) + b"x" * 56
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), seq, 0, 64, 1, 0,
                     bytes(map(int, src.split("."))), bytes(map(int, dst.split("."))))
    return b"\x02\x42\xac\x11\x00\x03" + b"\x02\x42\xac\x11\x00\x02" + b"\x08\x00" + ip + icmp


def pkt(iface, t_ms, direction, journey, summary="ping"):
    return {"t_ms": t_ms, "t_kernel": True, "iface": iface, "summary": summary,
            "direction": direction, "journey": journey}


def frame(data: bytes, ns: int, cut: int | None = None) -> dict:
    kept = data[:cut] if cut else data
    return {"ns": ns, "t_kernel": True, "len": len(data), "data": base64.b64encode(kept).decode()}


T0 = 1_796_000_000_123_456_789
REQ = icmp_frame("172.17.0.2", "172.17.0.3", 1)
REP = icmp_frame("172.17.0.3", "172.17.0.2", 1, reply=True)
CAPTURES = {
    "veth-c1": [pkt("veth-c1", 0.1, "in", 1), pkt("veth-c1", 0.9, "out", 2)],
    "veth-c2": [pkt("veth-c2", 0.3, "out", 1), pkt("veth-c2", 0.5, "in", 2)],
    "docker0": [],                      # a captured device that saw nothing still has its block
    "wan:eth0": [pkt("wan:eth0", 1.2, "in", None)],
}
FRAMES = {
    "veth-c1": [frame(REQ, T0 + 100_000), frame(REP, T0 + 900_000)],
    "veth-c2": [frame(REQ, T0 + 300_000), frame(REP, T0 + 500_000, cut=40)],
    "docker0": [],
    "wan:eth0": [frame(REQ, T0 + 1_200_000)],
}
JOURNEYS = [{"id": 1, "direction": "request", "summary": "172.17.0.2 > 172.17.0.3 ICMP echo-request",
             "outcome": "delivered"},
            {"id": 2, "direction": "reply", "summary": "172.17.0.3 > 172.17.0.2 ICMP echo-reply",
             "outcome": "delivered"}]


def tshark_fields(path, *fields) -> list[list[str]]:
    """Each packet's ``fields``, as tshark reads the file (no shell, bounded in time)."""
    require(shutil.which("tshark") is not None, "tshark is missing (setup installs Debian's tshark as root)")
    argv = ["tshark", "-r", str(path), "-T", "fields", "-E", "separator=\t"]
    for f in fields:
        argv += ["-e", f]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=TSHARK_TIMEOUT)
    assert done.returncode == 0, done.stderr
    return [line.split("\t") for line in done.stdout.splitlines()]


def interface_names(path) -> list[str]:
    """Every interface block's name, packets or not (capinfos comes with tshark)."""
    require(shutil.which("capinfos") is not None, "capinfos is missing (it comes with tshark)")
    done = subprocess.run(["capinfos", str(path)], capture_output=True, text=True,
                          timeout=TSHARK_TIMEOUT)
    assert done.returncode == 0, done.stderr
    return re.findall(r"^\s+Name = (.*)$", done.stdout, re.M)


def check_file(path, captures: dict, journeys: list) -> list[list[str]]:
    """What every pcap-ng of a run must show, against the run's captures; the rows."""
    assert interface_names(path) == [pcapexport.device_name(i) for i in captures]
    rows = tshark_fields(path, "frame.interface_name", "frame.packet_flags_direction",
                         "frame.comment", "frame.len", "frame.cap_len")
    assert len(rows) == sum(len(v) for v in captures.values())
    want = {}
    for iface, recs in captures.items():
        for rec in recs:
            want.setdefault(pcapexport.device_name(iface), []).append(rec["direction"])
    got = {}
    for name, flags, comment, _, _ in rows:
        assert ":" in name
        got.setdefault(name, []).append("in" if int(flags, 16) & 3 == 1 else "out")
        assert comment, "every frame carries its comment"
    assert {k: sorted(v) for k, v in got.items()} == {k: sorted(v) for k, v in want.items()}
    ids = {j["id"] for j in journeys}
    for rec in (r for recs in captures.values() for r in recs):
        if rec["journey"] in ids:
            assert any(c.startswith(f"journey #{rec['journey']} ") for _, _, c, _, _ in rows)
    return rows


@pytest.fixture
def recorded(db):
    run = Run.objects.create(lesson="container-to-container", step=1, rules=[], events=[],
                             result={"ok": True, "captures": CAPTURES, "journeys": JOURNEYS})
    run.frames = FRAMES
    run.save()
    return run


def test_the_permalink_serves_a_pcapng_tshark_reads(client, recorded, tmp_path):
    resp = client.get(f"/runs/{recorded.uid}.pcapng")
    assert resp.status_code == 200
    assert resp["Content-Type"] == "application/x-pcapng"
    assert resp["Content-Disposition"] == f'attachment; filename="recorded-run-{recorded.uid}.pcapng"'
    path = tmp_path / "run.pcapng"
    path.write_bytes(resp.content)
    rows = check_file(path, CAPTURES, JOURNEYS)
    # in the kernel's time order across the devices, each its journey's hop in turn
    assert [r[0] for r in rows] == ["host:veth-c1", "host:veth-c2", "host:veth-c2",
                                    "host:veth-c1", "wan:eth0"]
    assert rows[0][2].startswith("journey #1 (request, 172.17.0.2 > 172.17.0.3 ICMP echo-request; "
                                 "outcome delivered): hop 1 of 2 on the captures, arriving on "
                                 "host:veth-c1")
    assert "hop 2 of 2 on the captures, leaving by host:veth-c2" in rows[1][2]
    assert "derived" in rows[0][2]
    assert rows[4][2].startswith("no journey")
    # a frame cut at the snap length keeps its length on the wire
    assert (rows[2][3], rows[2][4]) == (str(len(REP)), "40")


def test_timestamps_are_the_kernels_nanoseconds(client, recorded, tmp_path):
    path = tmp_path / "run.pcapng"
    path.write_bytes(recorded.as_pcapng())
    stamps = [r[0] for r in tshark_fields(path, "frame.time_epoch")]
    assert stamps[0] == "1796000000.123556789"


def test_a_run_recorded_before_frames_were_kept_has_none(client, db):
    old = Run.objects.create(lesson="container-to-container", step=1, rules=[], events=[],
                             result={"ok": True, "captures": CAPTURES})
    resp = client.get(f"/runs/{old.uid}.pcapng")
    assert resp.status_code == 404 and b"before runs kept their frames" in resp.content
    assert client.get("/runs/nope.pcapng").status_code == 404
    page = client.get(f"/runs/{old.uid}/").content.decode()
    assert "pcapng" not in page_data(page)["run_urls"]
    assert 'id="run-pcapng"' not in page


def page_data(page: str) -> dict:
    return json.loads(re.search(r'<script id="page-data" type="application/json">(.*?)</script>',
                                page, re.S).group(1))


def test_the_run_page_links_its_pcapng(client, recorded):
    page = client.get(f"/runs/{recorded.uid}/").content.decode()
    assert f'id="run-pcapng" href="/runs/{recorded.uid}.pcapng"' in page     # the banner's link
    data = page_data(page)
    assert data["run_urls"]["pcapng"] == f"/runs/{recorded.uid}.pcapng"
    assert data["urls"]["run_pcapng"] == "/runs/{id}.pcapng"
    assert "frames" not in json.dumps(data["run"])     # the bytes stay in the database


class FramesLab:
    """Test double of LabClient whose RESULT carries frames, as the lab's does."""

    async def run(self, owner, lesson, step, rules, on_message, **kw):
        return {"ok": True, "transmitted": 1, "received": 1, "lesson": lesson, "step": step,
                "journeys": JOURNEYS, "rules": {}, "conntrack": [], "captures": CAPTURES,
                "frames": FRAMES, "output": "", "command": "c1$ ping"}

    async def warm(self, lesson, count=None):
        return {"ready": 0, "in_use": 0}

    async def release(self, owner):
        pass


@pytest.mark.django_db(transaction=True)
async def test_lab_result_never_carries_the_frames(monkeypatch):
    use_lab(monkeypatch, FramesLab())
    comm = await communicator()
    await comm.send_json_to({"type": "lab.run", "lesson": "container-to-container", "step": 1})
    res = (await collect_run(comm))[-1]
    await comm.disconnect()
    assert res["type"] == "lab.result" and "frames" not in res
    assert res["captures"] == CAPTURES          # the summaries still go
    run = await Run.objects.aget(uid=res["run"])
    assert run.frames == FRAMES and "frames" not in run.result


def test_one_kernel_time_on_a_port_and_its_bridge_is_one_hop(tmp_path):
    """The kernel stamps a frame once as it comes in: the bridge port and the bridge device
    show the same time, so they share a hop and the comment says which came first is not known."""
    captures = {"docker0": [pkt("docker0", 0.1, "in", 1)],
                "veth-c1": [pkt("veth-c1", 0.1, "in", 1)],
                "veth-c2": [pkt("veth-c2", 0.2, "out", 1)]}
    frames = {"docker0": [frame(REQ, T0)], "veth-c1": [frame(REQ, T0)],
              "veth-c2": [frame(REQ, T0 + 50_000)]}
    path = tmp_path / "tie.pcapng"
    path.write_bytes(pcapexport.build(captures, frames, JOURNEYS, "container-to-container", 1))
    rows = check_file(path, captures, JOURNEYS)
    by_dev = {r[0]: r[2] for r in rows}
    assert "hop 1 of 2 on the captures, arriving on host:docker0" in by_dev["host:docker0"]
    assert "hop 1 of 2 on the captures, arriving on host:veth-c1" in by_dev["host:veth-c1"]
    assert "same time on host:veth-c1: which capture saw it first is not known" in by_dev["host:docker0"]
    assert "hop 2 of 2 on the captures, leaving by host:veth-c2" in by_dev["host:veth-c2"]
    assert "same time" not in by_dev["host:veth-c2"]
