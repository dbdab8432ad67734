"""Save as lesson, live: two experiments run in the CLI (UDP from c2 to the external
host; a ping from conntrack step 1's state with ip_forward off), each exported
(``core/lessonexport.py``) with its run's observations as ``expect``, written into a
lessons folder of their own, and passed by ``verify_lessons`` on the real kernel."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import ROOT, lessons_folder, run_trace
from visualizer.core import experiment, lessonexport, lessons

pytestmark = pytest.mark.live
RUNS = {
    "udp-c2-to-wan": ["--base=", "--from", "c2", "--to", "203.0.113.1", "--proto", "udp",
                      "--port", "5353", "--count", "2"],
    "ping-from-conntrack-1-ip-forward-0": [
        "--base=conntrack:1", "--from", "c1", "--to", "203.0.113.1", "--count", "1",
        "--sysctl", "net.ipv4.ip_forward=0"],
}


@pytest.fixture(scope="module")
def exported(live_lab):
    """{slug: files} of the two runs, and the lessons folder they were written into."""
    known = lessons.all_lessons(lessons.DEFAULT_DIR)
    out = {}
    for name, args in RUNS.items():
        events, res, proc = run_trace(*args, timeout=120)
        assert proc.returncode == 0 and res, proc.stderr[-2000:]
        exp = experiment.check(res["experiment"], known, lessons.DEFAULT_DIR)
        slug, files = lessonexport.files(exp, res, events, known, lessons.DEFAULT_DIR)
        out[slug] = files
    root = lessons_folder("nfvis-saved-", out)
    yield out, root
    shutil.rmtree(root.parent, ignore_errors=True)


def test_the_observations_are_the_expectations(exported):
    files, root = exported
    udp = lessons.load_lesson(root / "experiment-udp-c2-to-203-0-113-1-5353", root)
    want = {"ok": False, "path": "bridge-to-routed", "conntrack": True,
            "nat": "ip nat POSTROUTING", "nat_field": "src", "nat_new": "203.0.113.10",
            # the newer keys: the port unreachable wan sent back, related to the flow
            "icmp_error": "port-unreachable", "ct_related": True, "refused": True}
    expect = udp.steps[0].expect
    assert want.items() <= expect.items(), expect
    assert set(expect) - set(want) <= {"left_by", "reply_path"}, expect   # the error's way back
    ping = lessons.load_lesson(root / "experiment-icmp-c1-to-203-0-113-1-from-conntrack-1", root)
    step = ping.steps[0]
    assert step.expect["ok"] is False and "path" not in step.expect
    assert step.expect["hooks"][-1] == "bridge:input"      # routing refused to forward it
    assert [a.describe() for a in step.actions] == ["host# sysctl -w net.ipv4.ip_forward=0"]


def test_verify_lessons_passes_the_saved_lessons(exported):
    files, root = exported
    proc = subprocess.run([sys.executable, str(ROOT / "manage.py"), "verify_lessons",
                           "--verbose-checks", *files],
                          capture_output=True, text=True, timeout=240, cwd=ROOT,
                          env={**os.environ, "LESSONS_DIR": str(root)})
    assert proc.returncode == 0, proc.stdout + proc.stderr[-2000:]
    assert "2 passed, 0 failed" in proc.stdout and proc.stdout.count("✓") >= 7, proc.stdout
