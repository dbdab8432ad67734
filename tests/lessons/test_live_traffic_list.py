"""A step whose ``traffic`` is a list (a udp item, then a ping), each item with its own
``expect``: loaded, run in order in one run, each graded on its own events, and passed
by ``verify_lessons`` live."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT, run_trace, temp_lessons
from visualizer.core import lessons

pytestmark = pytest.mark.live
SLUG = "udp-then-ping"
LESSON = '''title = "UDP, then a ping"
summary = "c2 sends UDP to wan, which has no listener, then pings it."
topology = "docker-bridge"
rulesets = ["docker"]

[[steps]]
title = "Two items"
traffic = [
  { kind = "udp", from = "c2", to = "203.0.113.1", port = 5353, count = 2, expect = { ok = false, conntrack = true } },
  { kind = "ping", from = "c2", to = "203.0.113.1", count = 2, size = 64, expect = { ok = true, path = "bridge-to-routed" } },
]
expect = { conntrack = true }
'''


@pytest.fixture(scope="module")
def folder():
    with temp_lessons("nfvis-traffic-list-", {SLUG: {
        "lesson.toml": LESSON, "step1.md": "UDP to a port nobody listens on, then a ping.\n"}}) as root:
        yield root


def test_it_loads_as_two_items(folder):
    step = lessons.load_lesson(folder / SLUG, folder).steps[0]
    assert [t.kind for t in step.items] == ["udp", "ping"] and step.traffic.kind == "udp"


def test_each_item_is_graded_on_its_own_events(live_lab, folder):
    events, res, proc = run_trace(SLUG, env={"LESSONS_DIR": str(folder)}, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert [i["ok"] for i in res["items"]] == [False, True]
    assert res["items"][0]["refused"] == 2 and res["items"][1]["received"] == 2
    keys = [c["key"] for c in res["grade"]["checks"]]
    assert keys == ["conntrack", "1:ok", "1:conntrack", "2:ok", "2:path"], keys
    assert res["grade"]["passed"] is True, res["grade"]
    udp_first = min(e["seq"] for e in events if e["proto"] == "udp")
    icmp_echo = [e["seq"] for e in events if e["proto"] == "icmp" and e["icmp_type"] == 8]
    assert icmp_echo and min(icmp_echo) > udp_first          # in order


def test_verify_lessons_passes_it(live_lab, folder):
    proc = subprocess.run([sys.executable, str(ROOT / "manage.py"), "verify_lessons", SLUG],
                          capture_output=True, text=True, timeout=180, cwd=ROOT,
                          env={**os.environ, "LESSONS_DIR": str(folder)})
    assert proc.returncode == 0, proc.stdout + proc.stderr[-2000:]
