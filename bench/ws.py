"""Websocket figures: kernel event -> websocket message, 20 clients at once.

Each client runs a lesson over ``/ws/lab/`` (channels' WebsocketCommunicator
on the real ASGI app and the real lab).  Latency is the time from the lab
reading the kernel's message (``recv_mono``, CLOCK_MONOTONIC) to the client
receiving the ``trace.event``; both sides read the same clock.
"""
from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time

CLIENTS = int(os.environ.get("BENCH_WS_CLIENTS", "20"))
LESSON = "container-to-container"


async def _client(app, latencies):
    from channels.testing import WebsocketCommunicator
    comm = WebsocketCommunicator(app, "/ws/lab/", headers=[(b"origin", b"http://127.0.0.1"),
                                                          (b"host", b"127.0.0.1")])
    ok, _ = await comm.connect()
    assert ok
    await comm.send_json_to({"type": "lab.run", "lesson": LESSON, "step": 1})
    while True:
        msg = await comm.receive_json_from(timeout=60)
        if msg["type"] == "trace.event":
            latencies.append((time.monotonic() - msg["event"]["recv_mono"]) * 1000)
        elif msg["type"] in ("lab.result", "lab.error"):
            break
    await comm.disconnect()
    if msg["type"] == "lab.error":
        print(f"websocket run failed: {msg.get('kind')}: {msg.get('message')}")
    return msg["type"]


async def _main():
    from visualizer.project.asgi import application
    latencies: list[float] = []
    outcomes = await asyncio.gather(*[_client(application, latencies) for _ in range(CLIENTS)])
    from visualizer.lab.client import LabClient
    await LabClient.shared().stop()
    return latencies, outcomes


def run() -> dict:
    os.environ.setdefault("DB_PATH", os.path.join(tempfile.mkdtemp(), "bench.sqlite3"))
    import django
    django.setup()
    from django.core.management import call_command
    call_command("migrate", verbosity=0)
    latencies, outcomes = asyncio.run(_main())
    latencies.sort()
    return {"clients": CLIENTS, "messages": len(latencies),
            "p50": statistics.median(latencies) if latencies else float("nan"),
            "p95": latencies[int(0.95 * (len(latencies) - 1))] if latencies else float("nan"),
            "results": outcomes.count("lab.result"), "errors": outcomes.count("lab.error")}


if __name__ == "__main__":
    print(run())
