"""The http traffic kind on the live lab: the lab's HTTP listener in c1, published by
docker's DNAT (8080 -> c1:80), answers wan's curl with its fixed page; a port with no
listener is refused (a reset); a SYN dropped in FORWARD times out; each graded by the
lab, passed by ``verify_lessons``; and the same request as an experiment from the CLI,
saved as a lesson that ``verify_lessons`` passes."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import ROOT, lessons_folder, run_trace, temp_lessons
from visualizer.core import experiment, lessonexport, lessons

pytestmark = pytest.mark.live
SLUG = "http-live"
LESSON = '''title = "HTTP to a published port"
summary = "wan fetches c1's page through docker's DNAT; c2 asks c1's closed port 8081, then wan's port 81, dropped in FORWARD."
topology = "docker-bridge"
rulesets = ["docker"]

[[steps]]
title = "Three requests"
actions = [
  { listen = "80", ns = "c1", proto = "http" },
  { iptables = "-I FORWARD -p tcp -m tcp --dport 81 -j DROP" },
]
traffic = [
  { kind = "http", from = "wan", to = "203.0.113.10", port = 8080, expect = { ok = true, http_status = 200, http_body = "hello from c1", nat = "ip nat PREROUTING", nat_field = "dst", nat_new = "172.17.0.2", refused = false } },
  { kind = "http", from = "c2", to = "172.17.0.2", port = 8081, expect = { ok = false, refused = true } },
  { kind = "http", from = "c2", to = "203.0.113.1", port = 81, expect = { ok = false, refused = false } },
]
expect = { ok = false, path = "routed-to-bridge" }
'''


@pytest.fixture(scope="module")
def folder():
    with temp_lessons("nfvis-http-live-", {SLUG: {
        "lesson.toml": LESSON, "step1.md": "Three HTTP requests.\n"}}) as root:
        yield root


def test_a_page_a_refusal_and_a_timeout(live_lab, folder):
    events, res, proc = run_trace(SLUG, env={"LESSONS_DIR": str(folder)}, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    page, closed, dropped = res["items"]
    assert page["http_status"] == 200 and "hello from c1" in page["http_body"]
    assert page["http_error"] == "" and page["ok"] is True
    assert closed["http_error"] == "refused" and closed["refused"] == 1
    assert dropped["http_error"] == "timed out" and dropped["http_status"] == 0
    assert "HTTP/1.0 200 OK" in res["output"]
    checks = {c["key"]: c for c in res["grade"]["checks"]}
    for key in ("1:http_status", "1:http_body", "1:nat", "2:refused", "3:refused", "path"):
        assert checks[key]["ok"], checks[key]
    assert res["grade"]["passed"] is True, res["grade"]
    # the SYN to port 81 was dropped by the step's rule, seen by the kernel
    assert any(e["verdict"] == "drop" and e["chain"] == "FORWARD" and e.get("dport") == 81
               for e in events)


def test_verify_lessons_passes_it(live_lab, folder):
    proc = subprocess.run([sys.executable, str(ROOT / "manage.py"), "verify_lessons", SLUG],
                          capture_output=True, text=True, timeout=180, cwd=ROOT,
                          env={**os.environ, "LESSONS_DIR": str(folder)})
    assert proc.returncode == 0, proc.stdout + proc.stderr[-2000:]


def test_an_experiment_from_the_cli(live_lab):
    events, res, proc = run_trace("--base=", "--from", "wan", "--to", "203.0.113.10",
                                  "--proto", "http", "--port", "8080", "--listen", "c1:http:80",
                                  timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert res["ok"] is True and res["http_status"] == 200
    assert res["http_body"].startswith("hello from c1")
    assert res["experiment"]["traffic"][0]["proto"] == "http"
    assert res["experiment"]["listeners"] == [{"ns": "c1", "proto": "http", "port": 80}]
    syn = [e for e in events if e.get("proto") == "tcp" and e.get("dport") == 80
           and e["table"] == "filter" and e["chain"] == "FORWARD"]
    assert syn, "the DNATed SYN is traced in filter FORWARD"
    # Save as lesson: the response is the saved step's expect, and verify_lessons passes it
    known = lessons.all_lessons(lessons.DEFAULT_DIR)
    exp = experiment.check(res["experiment"], known, lessons.DEFAULT_DIR)
    slug, files = lessonexport.files(exp, res, events, known, lessons.DEFAULT_DIR)
    root = lessons_folder("nfvis-http-saved-", {slug: files})
    try:
        step = lessons.load_lesson(root / slug, root).steps[0]
        assert step.traffic.kind == "http" and step.actions[0].value == "http"
        assert {"ok": True, "http_status": 200, "http_body": "hello from c1"}.items() \
            <= step.expect.items(), step.expect
        proc = subprocess.run([sys.executable, str(ROOT / "manage.py"), "verify_lessons", slug],
                              capture_output=True, text=True, timeout=180, cwd=ROOT,
                              env={**os.environ, "LESSONS_DIR": str(root)})
        assert proc.returncode == 0, proc.stdout + proc.stderr[-2000:]
    finally:
        shutil.rmtree(root.parent, ignore_errors=True)
