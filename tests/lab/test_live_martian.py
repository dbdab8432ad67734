"""external-to-container step 3: the host's SYN to 127.0.0.1:8080 is DNATed in nat
OUTPUT to 172.17.0.2:80, then the kernel drops it when it routes it again (a
loopback source bound for docker0: a martian).  ``nft monitor trace`` ends at the
DNAT's accept; the journey's outcome used to say "sent ... toward lo"."""
import asyncio
import re

import pytest

from visualizer.core.config import LabConfig
from visualizer.lab.client import LabClient

from .test_live_lifecycle import on_own_loop

pytestmark = pytest.mark.live


@on_own_loop
async def run_with_oracle(lesson, step):
    client = LabClient(LabConfig(warm_lessons=(), pool_size=0))
    try:
        return await asyncio.wait_for(client.run("martian", lesson, step, [], oracle=True), 60)
    finally:
        await client.stop()


def test_a_packet_whose_trace_ends_at_its_dnat_was_dropped_there(live_lab):
    res = run_with_oracle("external-to-container", 3)
    syns = [j for j in res["journeys"] if "[SYN]" in j["summary"]]
    assert syns and all(j["outcome"] == "dropped" and j["drop_at"] == "ip nat OUTPUT"
                        for j in syns), syns
    assert "after the DNAT" in syns[0]["outcome_detail"] and "derived" in syns[0]["outcome_detail"]
    # the oracle: the SYN's trace says nothing after the DNAT's accept
    tid = next(m.group(1) for m in re.finditer(r"trace id (\w+) ip nat OUTPUT packet", res["oracle"]))
    lines = [ln for ln in res["oracle"].splitlines() if f"trace id {tid} " in ln]
    assert "dnat to 172.17.0.2:80" in lines[-1] and "(verdict accept)" in lines[-1], lines[-3:]


def test_a_flooded_arp_dropped_in_forward_says_so_though_the_host_got_a_copy(live_lab):
    """arp-and-capture step 3: ebtables drops c1's ARP in bridge filter FORWARD; the
    bridge's copy for the host is accepted in bridge INPUT.  The outcome was "local",
    with no word of the drop; the oracle shows both verdicts."""
    res = run_with_oracle("arp-and-capture", 3)
    arps = [j for j in res["journeys"] if j["proto"] == "arp" and j["direction"] == "request"]
    assert arps and all(j["outcome"] == "dropped" and j["drop_at"] == "bridge filter FORWARD"
                        for j in arps), arps
    assert "a copy of it went on" in arps[0]["outcome_detail"]
    assert re.search(r"bridge filter FORWARD rule .*drop", res["oracle"])
    assert re.search(r"bridge filter INPUT .*(accept)", res["oracle"])
