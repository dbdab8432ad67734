"""The issue-19 expect keys on a real run: UDP to a port nobody listens on brings back
a port unreachable in conntrack state related, a ping from c1 to c2 leaves the bridge
by veth-c2, and TCP to a closed port is refused (a reset comes back); graded by the
lab and passed by ``verify_lessons`` live."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT, run_trace, temp_lessons

pytestmark = pytest.mark.live
SLUG = "gradekeys-live"
LESSON = '''title = "An ICMP error, then a ping"
summary = "c2 sends UDP to wan, which has no listener, then c1 pings c2."
topology = "docker-bridge"
rulesets = ["docker"]

[[steps]]
title = "Two items"
traffic = [
  { kind = "udp", from = "c2", to = "203.0.113.1", port = 5353, count = 2, expect = { ok = false, icmp_error = "port-unreachable", ct_related = true, refused = true, no_nflog = ["NOPE: "] } },
  { kind = "ping", from = "c1", to = "172.17.0.3", count = 2, expect = { ok = true, left_by = ["veth-c2"], icmp_error = false } },
  { kind = "tcp", from = "c2", to = "172.17.0.2", port = 9, expect = { ok = false, refused = true } },
]
'''


@pytest.fixture(scope="module")
def folder():
    with temp_lessons("nfvis-gradekeys-", {SLUG: {
        "lesson.toml": LESSON, "step1.md": "UDP to a closed port, then a ping.\n"}}) as root:
        yield root


def test_the_new_keys_pass_on_a_real_run(live_lab, folder):
    events, res, proc = run_trace(SLUG, env={"LESSONS_DIR": str(folder)}, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    checks = {c["key"]: c for c in res["grade"]["checks"]}
    for key in ("1:icmp_error", "1:ct_related", "1:refused", "1:no_nflog", "2:left_by",
                "2:icmp_error", "3:refused"):
        assert checks[key]["ok"], checks[key]
    assert res["grade"]["passed"] is True, res["grade"]


def test_verify_lessons_passes_it(live_lab, folder):
    proc = subprocess.run([sys.executable, str(ROOT / "manage.py"), "verify_lessons", SLUG],
                          capture_output=True, text=True, timeout=180, cwd=ROOT,
                          env={**os.environ, "LESSONS_DIR": str(folder)})
    assert proc.returncode == 0, proc.stdout + proc.stderr[-2000:]
