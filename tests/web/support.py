"""Helpers for the web tests: the skip rule, the live-lab check, websocket helpers."""
from __future__ import annotations

import asyncio
import os

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"
ORIGIN = [(b"origin", b"http://127.0.0.1")]


def require(ok: bool, reason: str) -> None:
    """Skip with a clear reason; under CI=true a missing capability is a failure."""
    if ok:
        return
    if IN_CI:
        pytest.fail(f"CI=true and a capability is missing: {reason}", pytrace=False)
    pytest.skip(reason)


def require_live_lab() -> None:
    from visualizer.lab import preflight
    try:
        import visualizer.lab.client  # noqa: F401
    except ImportError as e:
        require(False, f"the lab engine (visualizer/lab/client.py) is not importable: {e}")
    probs = preflight.problems()
    require(not probs, "live lab unavailable: " + preflight.explain(probs))


async def communicator(path: str = "/ws/lab/", session: str | None = None):
    """A connected websocket; ``session``: the browser's session cookie value."""
    from channels.testing import WebsocketCommunicator

    from visualizer.project.asgi import application
    headers = ORIGIN + ([(b"cookie", f"sessionid={session}".encode())] if session else [])
    comm = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await comm.connect()
    assert connected
    return comm


async def collect_run(comm, timeout: float = 120.0) -> list[dict]:
    """Messages up to and including the run's final lab.result or lab.error."""
    out = []
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while True:
        msg = await comm.receive_json_from(timeout=max(0.1, end - loop.time()))
        out.append(msg)
        if msg["type"] in ("lab.result", "lab.error"):
            return out


class GradedLab:
    """Test double of LabClient, no kernel: a run sends one event and returns a small
    result graded passed, with ``journeys``; ``warm`` reports what it was asked."""

    def __init__(self, journeys=(), command="c1$ ping"):
        # whole EVENT and JOURNEY objects, as the lab sends them (the prediction grader
        # reads their fields): the tests give only the fields they are about
        self.journeys = [{"summary": "", "outcome_detail": "", "outcome": "sent", "drop_at": None,
                          "direction": "request", "proto": "icmp", **j} for j in journeys]
        self.command = command
        self.warmed = []

    async def run(self, owner, lesson, step, rules, on_message, **kw):
        from visualizer.core.records import FIELDS
        event = {**dict.fromkeys(FIELDS), "seq": 0, "journey": 1, "source": "nftrace",
                 "type": "rule", "verdict": "accept", "derived": [], "checked": [],
                 "explain_msgs": []}
        await on_message({"type": "trace.event", "event": event})
        return {"ok": False, "transmitted": 1, "received": 0, "lesson": lesson, "step": step,
                "journeys": self.journeys, "rules": {}, "conntrack": [], "captures": {},
                "output": "", "command": self.command,
                "grade": {"passed": True, "checks": [], "note": ""}}

    async def warm(self, lesson, count=None):
        self.warmed.append((lesson, count))
        return {"ready": count or 0, "in_use": 0}

    async def release(self, owner):
        pass


def use_lab(monkeypatch, lab):
    """Make ``lab`` the web layer's lab client."""
    from visualizer.learn import config
    monkeypatch.setattr(config, "lab_client", lambda: lab)
    return lab
