"""What the step texts say where this kernel differs from the seeds, checked live.

- At bridge OUTPUT, ebtables-nft runs filter (-200) before nat (+100): the engine's events
  and the kernel's own ``nft monitor trace`` agree.  Seed 004's ebtables-legacy log shows
  nat first; host-to-container step 1 and log-vs-trace step 1 say so.
- At POSTROUTING only a bridged frame has no input interface: a routed SYN keeps IN=eth0
  (log-vs-trace step 1).
"""
from __future__ import annotations

import re

import pytest

from tests.conftest import run_trace
from visualizer.core import lessons

pytestmark = pytest.mark.live


def _first_request(result, proto):
    return min((j for j in result["journeys"] if j["proto"] == proto and j["direction"] == "request"),
               key=lambda j: j["first_seq"])


def _traced(events, journey, family, table, hook):
    return [e for e in events if e["journey"] == journey["id"] and e["family"] == family
            and e["table"] == table and e["hook"] == hook and e["source"] == "nftrace"]


def test_bridge_output_runs_filter_before_nat(live_lab):
    events, res, proc = run_trace("host-to-container", "--step", "1", "--oracle")
    assert res is not None, proc.stderr[-2000:]
    first = _first_request(res, "icmp")
    filt = _traced(events, first, "bridge", "filter", "output")
    nat = _traced(events, first, "bridge", "nat", "output")
    assert filt and nat and filt[0]["seq"] < nat[0]["seq"], (filt, nat)
    # the kernel's own trace of the same echo request, in the same sandbox
    tid = re.search(r"trace id (\w+) bridge filter OUTPUT packet: .*icmp type echo-request",
                    res["oracle"]).group(1)
    lines = [ln for ln in res["oracle"].splitlines() if f"trace id {tid} " in ln]
    at = [i for i, ln in enumerate(lines) if " bridge filter OUTPUT " in ln or " bridge nat OUTPUT " in ln]
    assert "filter" in lines[at[0]] and any(" nat OUTPUT " in lines[i] for i in at), lines
    # and the texts say it where bridge OUTPUT is taught
    for slug in ("host-to-container", "log-vs-trace"):
        after = lessons.get(slug).step(1).after
        assert "filter" in after and "before" in after and "seed 004" in after.lower(), slug


def test_only_a_bridged_frame_has_no_input_interface_at_postrouting(live_lab):
    events, res, proc = run_trace("external-to-container", "--step", "1")
    assert res is not None, proc.stderr[-2000:]
    routed = _traced(events, _first_request(res, "tcp"), "ip", "nat", "postrouting")
    assert routed and routed[0]["iif"] == "eth0", routed
    events, res, proc = run_trace("container-to-container", "--step", "1")
    assert res is not None, proc.stderr[-2000:]
    bridged = _traced(events, _first_request(res, "icmp"), "ip", "nat", "postrouting")
    assert bridged and not bridged[0]["iif"], bridged
    after = lessons.get("log-vs-trace").step(1).after
    assert "bridged frames only" in after and "IN=eth0" in after
