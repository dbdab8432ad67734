"""Benchmarks, as ratios against a baseline run in the same process.

(a) warm: lab running with a ready pool; request -> first trace event.
(b) cold: lab running, empty pool; request (sandbox build) -> first trace event.
(c) cli: the seeds' manual procedure, scripted with ip / iptables / nft monitor
    trace in a private user+net+mount namespace: bridge, 2 veth, TRACE, one
    ping, until the first trace line.
(d) decoder: trace messages decoded per second (captured kernel bytes).
(e) websocket: kernel event -> websocket message latency with 20 clients.
(f) tracker: the same captured messages decoded and made into events with their
    explanations, checked rules and origins (core/explain.py, core/checked.py), per
    second, and that rate as a ratio of the decoder's alone: what explaining costs.
Medians over several runs.  The last line is the RESULT line.
"""
from __future__ import annotations

import asyncio
import base64
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "visualizer.project.settings")

from visualizer.lab import netlink  # noqa: E402
from visualizer.core.config import LabConfig  # noqa: E402
from visualizer.lab.client import LabClient  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "7"))
# Pause before each measured run: the kernel tears down the namespaces of
# earlier runs (and of a stopped lab) in the background, and every measure,
# the manual baseline included, should start on a quiet kernel.
SETTLE_S = float(os.environ.get("BENCH_SETTLE_S", "0.5"))
LESSON = "container-to-container"

MANUAL = r"""
import subprocess, time, sys
def sh(*a, **k):
    subprocess.run(list(a), check=True, timeout=10, **k)
t0 = time.monotonic()
subprocess.run(["mount", "-t", "tmpfs", "tmpfs", "/run"], check=True)
for n in ("h", "c1", "c2"):
    sh("ip", "netns", "add", n)
sh("ip", "-n", "h", "link", "add", "docker0", "type", "bridge")
sh("ip", "-n", "h", "addr", "add", "172.17.0.1/16", "dev", "docker0")
sh("ip", "-n", "h", "link", "set", "docker0", "up")
for c, a in (("c1", "172.17.0.2/16"), ("c2", "172.17.0.3/16")):
    sh("ip", "-n", "h", "link", "add", "veth-" + c, "type", "veth", "peer", "name", "eth0", "netns", c)
    sh("ip", "-n", "h", "link", "set", "veth-" + c, "master", "docker0", "up")
    sh("ip", "-n", c, "addr", "add", a, "dev", "eth0")
    sh("ip", "-n", c, "link", "set", "eth0", "up")
sh("ip", "netns", "exec", "h", "sysctl", "-qw", "net.bridge.bridge-nf-call-iptables=1")
sh("ip", "netns", "exec", "h", "iptables", "-t", "raw", "-A", "PREROUTING", "-j", "TRACE")
mon = subprocess.Popen(["ip", "netns", "exec", "h", "nft", "monitor", "trace"],
                       stdout=subprocess.PIPE, text=True)
time.sleep(0.05)
ping = subprocess.Popen(["ip", "netns", "exec", "c1", "ping", "-c", "1", "-W", "1", "172.17.0.3"],
                        stdout=subprocess.DEVNULL)
for line in mon.stdout:
    if line.startswith("trace id"):
        break
print((time.monotonic() - t0) * 1000)
mon.kill(); ping.wait()
"""


def median(xs):
    return statistics.median(xs) if xs else float("nan")


async def first_event_ms(client, owner) -> float:
    box = {}
    t0 = time.perf_counter()

    async def on_message(msg):
        if msg["type"] == "trace.event" and "t" not in box:
            box["t"] = (time.perf_counter() - t0) * 1000

    await client.run(owner, LESSON, 1, [], on_message)
    return box["t"]


async def wait_pool(client, n=1, timeout=30):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if (await client.ping()).get("pool", {}).get(LESSON, 0) >= n:
            return
        await asyncio.sleep(0.05)


async def bench_lab():
    warm_client = LabClient(LabConfig(warm_lessons=(LESSON,), pool_size=2))
    await warm_client.start()
    await wait_pool(warm_client, 2)
    await first_event_ms(warm_client, "prime")           # first-run imports
    warm = []
    for i in range(RUNS):
        await wait_pool(warm_client, 1)
        await asyncio.sleep(SETTLE_S)
        warm.append(await first_event_ms(warm_client, f"w{i}"))
    await warm_client.stop()
    cold_client = LabClient(LabConfig(warm_lessons=(), pool_size=0))
    await cold_client.start()
    await first_event_ms(cold_client, "prime")
    cold = []
    for i in range(RUNS):
        await asyncio.sleep(SETTLE_S)
        cold.append(await first_event_ms(cold_client, f"c{i}"))
    await cold_client.stop()
    return warm, cold


def bench_manual():
    out = []
    for _ in range(RUNS):
        time.sleep(SETTLE_S)
        r = subprocess.run(["unshare", "-Urnm", sys.executable, "-c", MANUAL],
                           capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise SystemExit(f"manual procedure failed: {r.stderr}")
        out.append(float(r.stdout.strip().splitlines()[-1]))
    return out


def bench_decoder():
    fx = json.loads((ROOT / "tests/fixtures/netlink_container_to_container.json").read_text())
    raws = [r for b in fx["trace"] for t, r in netlink.split(base64.b64decode(b))
            if t == netlink.TRACE_MSG_TYPE]
    rates = {}
    for name, fn, reps in (("fast", netlink.decode_trace_fast, 200),
                           ("pyroute2", netlink.decode_trace, 10)):
        t0 = time.perf_counter()
        for _ in range(reps):
            for r in raws:
                fn(r)
        rates[name] = reps * len(raws) / (time.perf_counter() - t0)
    return rates


def bench_tracker(reps=20):
    """Decode + Tracker (explain, checked, origin) over the fixture, events per second."""
    from tests.fixtures.ruleindex import container_to_container_index
    from visualizer.core import lessons
    from visualizer.core.events import Tracker
    fx = json.loads((ROOT / "tests/fixtures/netlink_container_to_container.json").read_text())
    raws = [r for b in fx["trace"] for t, r in netlink.split(base64.b64decode(b))
            if t == netlink.TRACE_MSG_TYPE]
    ifnames = {int(k): v for k, v in fx["ifnames"].items()}
    index, topo = container_to_container_index(), lessons.get(LESSON).topology
    n, t0 = 0, time.perf_counter()
    for _ in range(reps):
        tracker = Tracker(ifnames, index, topology=topo)    # a run's own, as in the lab
        for r in raws:
            if tracker.on_trace(netlink.decode_trace_fast(r), 0.0):
                n += 1
        tracker.summaries({}, [])
    return reps * len(raws) / (time.perf_counter() - t0), n // reps


def bench_websocket():
    try:
        from bench.ws import run as ws_run
    except ImportError:
        return None
    return ws_run()


def main():
    manual = bench_manual()
    warm, cold = asyncio.run(bench_lab())
    dec = bench_decoder()
    trk, per_run = bench_tracker()
    ws = bench_websocket()
    w, c, m = median(warm), median(cold), median(manual)
    print(f"warm  (pool ready, request -> first event): median {w:.1f} ms  runs={[round(x, 1) for x in warm]}")
    print(f"cold  (build sandbox -> first event):       median {c:.1f} ms  runs={[round(x, 1) for x in cold]}")
    print(f"cli   (manual ip/iptables/nft monitor):     median {m:.1f} ms  runs={[round(x, 1) for x in manual]}")
    print(f"decoder: fast {dec['fast']:.0f} events/s, pyroute2 message class {dec['pyroute2']:.0f} events/s")
    print(f"tracker (decode + events, explanations, checked rules, stories): {trk:.0f} messages/s, "
          f"{per_run} events a run; {trk / dec['fast']:.3f} of the decoder's rate")
    extra = ""
    if ws:
        print(f"websocket, {ws['clients']} clients: kernel event -> ws message p50 {ws['p50']:.1f} ms, "
              f"p95 {ws['p95']:.1f} ms ({ws['messages']} messages, {ws['results']} results, "
              f"{ws['errors']} errors)")
        if ws["errors"]:
            raise SystemExit(f"websocket benchmark: {ws['errors']} of {ws['clients']} runs failed; "
                             "its latency figures would not mean anything")
        extra = f" ws_p50_ms={ws['p50']:.1f} ws_p95_ms={ws['p95']:.1f}"
    print(f"RESULT warm_ms={w:.1f} cold_ms={c:.1f} cli_ms={m:.1f} warm_ratio={w / m:.3f} "
          f"cold_ratio={c / m:.3f} decoder_eps={dec['fast']:.0f} tracker_eps={trk:.0f} "
          f"tracker_ratio={trk / dec['fast']:.3f}{extra}")


if __name__ == "__main__":
    main()
