"""The path key for wan -> host traffic on a real run: wan's echo request to the host's own
eth0 address follows routed-to-local (ip PREROUTING, ip INPUT), and Save as lesson's
observation names it; the grader passes it and fails routed-to-bridge.  (The flooded keys:
tests/lessons/test_live_bridge_flood.py; hairpin: lessons/hairpin-nat step 2.)"""
from __future__ import annotations

import pytest

from tests.conftest import run_trace
from visualizer.core import grader, lessonobserve

pytestmark = pytest.mark.live


def test_wan_to_the_host_follows_routed_to_local(live_lab):
    events, res, proc = run_trace("--base=", "--from", "wan", "--to", "203.0.113.10",
                                  "--proto", "icmp", "--count", "1")
    assert res is not None, proc.stderr[-2000:]
    req = grader.first_journey(res, "icmp", "request")
    assert req["path"] == [["ip", "prerouting"], ["ip", "input"]], req
    assert grader.path_problem(req, "routed-to-local", events) is None
    assert grader.path_problem(req, "routed-to-bridge", events) is not None
    assert lessonobserve.path_key(req, events) == "routed-to-local"
