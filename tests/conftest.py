"""Shared test tiers: a test may skip only with a reason, and never under CI=true."""
from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() == "true"


def require(ok: bool, reason: str):
    """Skip with ``reason`` when ``ok`` is false; under CI=true, fail instead."""
    if ok:
        return
    if IN_CI:
        pytest.fail(f"CI=true and a capability is missing: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def live_lab():
    """The live lab can start here (user namespaces, iptables, nft, ...)."""
    from visualizer.lab import preflight
    probs = preflight.problems()
    require(not probs, "live lab unavailable: " + preflight.explain(probs))
    return True


def lessons_folder(prefix: str, lessons: dict[str, dict[str, str]]) -> Path:
    """A lessons folder outside the repo with the shared rulesets and topologies and
    ``lessons`` ({slug: {file name: text}}), readable by everyone (started as root, the
    lab reads it as its own unprivileged uid); remove ``result.parent`` when done."""
    import shutil
    import tempfile
    top = Path(tempfile.mkdtemp(prefix=prefix))
    root = top / "lessons"
    root.mkdir()
    for shared in ("_rulesets", "_topologies"):
        shutil.copytree(ROOT / "lessons" / shared, root / shared)
    for slug, files in lessons.items():
        (root / slug).mkdir()
        for name, text in files.items():
            (root / slug / name).write_text(text)
    for d in (top, root, *(root / slug for slug in lessons)):
        os.chmod(d, 0o755)
    return root


@contextlib.contextmanager
def temp_lessons(prefix: str, lessons: dict[str, dict[str, str]]):
    """``lessons_folder`` for a ``with`` block (a module fixture's ``yield``), removed after."""
    import shutil
    root = lessons_folder(prefix, lessons)
    try:
        yield root
    finally:
        shutil.rmtree(root.parent, ignore_errors=True)


def run_trace(lesson, *args, user=None, timeout=60, env=None):
    """Run ``manage.py trace <lesson> --json``; return (events, result, completed process)."""
    argv = [sys.executable, str(ROOT / "manage.py"), "trace", lesson, "--json", *args]
    if user is not None:
        argv = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups",
                "--inh-caps=-all"] + argv
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT)
    events, result = [], None
    for line in proc.stdout.splitlines():
        if not line.startswith("{"):
            continue
        obj = json.loads(line)
        if "result" in obj:
            result = obj["result"]
        else:
            events.append(obj)
    return events, result, proc


def in_private_namespaces(script: str, timeout: float = 180):
    """Run a Python ``script`` (it gets the repository as argv[1]) in a user, network
    and mount namespace of its own, as the lab does; its last stdout line is JSON."""
    proc = subprocess.run(["unshare", "--user", "--map-root-user", "--net", "--mount",
                           sys.executable, "-c", script, str(ROOT)],
                          capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def journey_events(events, journey):
    return [e for e in events if e["journey"] == journey]


def hook_path(events, source="nftrace"):
    """(family, hook) in kernel order with repeats folded."""
    path = []
    for e in events:
        if e["source"] != source or not e["hook"]:
            continue
        step = (e["family"], e["hook"])
        if not path or path[-1] != step:
            path.append(step)
    return path


def host_state() -> dict:
    """What the host's own network looks like (to prove the lab leaves it alone)."""
    out = {}
    for key, argv in {"nft": ["nft", "list", "ruleset"], "links": ["ip", "-o", "link"],
                      "netns": ["ip", "netns", "list"]}.items():
        try:
            r = subprocess.run(argv, capture_output=True, text=True, timeout=10)
            out[key] = r.stdout if r.returncode == 0 else f"error: {r.stderr}"
        except (OSError, subprocess.TimeoutExpired) as e:
            out[key] = f"error: {e}"
    return out


def pytest_sessionstart(session):
    session.config._host_state_before = host_state()
