"""Lesson ip-forward, the facts its texts state: with ip_forward at 0 the ping to wan
is lost after bridge INPUT with no ip FORWARD event and nothing on eth0, while the
ping to the host's own eth0 address ends in ip INPUT in every step."""
from __future__ import annotations

import pytest

from tests.conftest import run_trace

pytestmark = pytest.mark.live
SLUG = "ip-forward"


def _icmp_requests(res, dst):
    return [j for j in res["journeys"]
            if j["proto"] == "icmp" and j["direction"] == "request" and j["dst"] == dst]


def test_forwarding_off_loses_the_ping_to_wan_before_forward(live_lab):
    events, res, proc = run_trace(SLUG, "--step", "1")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert [i["ok"] for i in res["items"]] == [True, False]
    lost = _icmp_requests(res, "203.0.113.1")
    assert lost and all(j["path"][-1] == ["bridge", "input"] for j in lost), lost
    ids = {j["id"] for j in lost}
    assert not [e for e in events if e["journey"] in ids and e["hook"] == "forward"]
    assert not [p for p in res["captures"].get("eth0", []) if p["proto"] == "icmp"]


@pytest.mark.parametrize("number", [1, 2, 3, 4])
def test_the_ping_to_the_hosts_own_address_ends_in_input(live_lab, number):
    events, res, proc = run_trace(SLUG, "--step", str(number))
    assert proc.returncode == 0, proc.stderr[-2000:]
    own = _icmp_requests(res, "203.0.113.10")
    assert own and all(j["path"][-1] == ["ip", "input"] for j in own), own
    assert res["items"][0]["ok"] is True
