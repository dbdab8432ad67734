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

    from visualizer.asgi import application
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
