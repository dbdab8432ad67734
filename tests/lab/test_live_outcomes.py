"""Journey outcomes come from evidence, and identical packets get identical ones.

Evidence: a drop verdict; the captures a packet was seen on; a reply that
answered it; the last hook and the device it left by.  Never "unknown".
"""
from __future__ import annotations

import pytest

from tests.conftest import run_trace

pytestmark = pytest.mark.live


def journeys(slug, step):
    events, result, proc = run_trace(slug, "--step", str(step))
    assert proc.returncode == 0 and result is not None, proc.stderr[-2000:]
    return result["journeys"]


def test_a_packet_that_never_reached_the_wire_is_not_delivered(live_lab):
    """build-a-bridge step 2: nothing is plugged into the bridge; the echo request
    waits on ARP and is dropped: every request says so, in words."""
    reqs = [j for j in journeys("build-a-bridge", 2) if j["proto"] == "icmp"]
    assert reqs
    assert {j["outcome"] for j in reqs} == {"lost"}, [(j["summary"], j["outcome"]) for j in reqs]
    assert all("never seen on docker0" in j["outcome_detail"] for j in reqs)


@pytest.mark.parametrize("slug,step", [("container-to-external", 1), ("conntrack", 2),
                                       ("container-to-container", 1)])
def test_identical_requests_get_identical_outcomes(live_lab, slug, step):
    js = journeys(slug, step)
    reqs = [j for j in js if j["proto"] == "icmp" and j["direction"] == "request"]
    assert len(reqs) >= 2
    assert len({j["outcome"] for j in reqs}) == 1, [(j["summary"], j["outcome"]) for j in reqs]
    assert reqs[0]["outcome"] == "delivered"
    assert not [j for j in js if j["outcome"] in ("unknown", "stopped")], js


def test_arp_and_the_syn_ack_have_outcomes_and_the_reply_is_un_dnatted(live_lab):
    js = journeys("external-to-container", 1)
    assert not [j["summary"] for j in js if j["outcome"] in ("unknown", "stopped")]
    arp = [j for j in js if j["proto"] == "arp"]
    assert arp and all(j["outcome"] in ("delivered", "local") for j in arp)
    synack = next(j for j in js if j["proto"] == "tcp" and j["direction"] == "reply")
    assert synack["outcome"] == "delivered"
    assert {"field": "src", "old": "172.17.0.2", "new": "203.0.113.10"} in [
        {k: n[k] for k in ("field", "old", "new")} for n in synack["nat"]], synack["nat"]
    assert any(n["field"] == "sport" and n["new"] == 8080 for n in synack["nat"])
