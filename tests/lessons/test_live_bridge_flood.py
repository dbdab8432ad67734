"""Lesson bridge-flood, the facts its texts state (seed 004's flood): with docker0's learnt
entries flushed and c1's MAC given to the host, the host's one echo request leaves by
both veths (bridge OUTPUT and POSTROUTING once per port, ip OUTPUT and POSTROUTING once),
the capture on each veth shows it leave, c2 does not answer it, and the fdb shows c1's MAC
learnt on veth-c1 after the ping; the next echo request leaves by veth-c1 alone."""
from __future__ import annotations

import pytest

from tests.conftest import run_trace

pytestmark = pytest.mark.live
SLUG = "bridge-flood"
C1_MAC = "02:42:ac:11:00:02"


def _step(number):
    events, res, proc = run_trace(SLUG, "--step", str(number))
    assert proc.returncode == 0, proc.stderr[-2000:]
    return events, res


def _requests(res):
    return sorted((j for j in res["journeys"] if j["proto"] == "icmp"
                   and j["direction"] == "request"), key=lambda j: j["first_seq"])


def _fdb(res, when):
    return [i["output"] for i in res.get("inspect", []) if i["command"].startswith("bridge fdb")
            and i["when"] == when]


def _learnt(output):
    return [ln for ln in output.splitlines() if ln.startswith(C1_MAC) and "permanent" not in ln]


def test_the_one_echo_request_leaves_by_both_veths(live_lab):
    events, res = _step(1)
    assert res["ok"] is True and res["grade"]["passed"], res["grade"]
    (req,) = _requests(res)
    assert req["left_by"] == ["veth-c2", "veth-c1"]
    assert req["path"] == [["ip", "output"], ["ip", "postrouting"], ["bridge", "output"],
                           ["bridge", "postrouting"], ["bridge", "output"], ["bridge", "postrouting"]]
    assert "story.flooded" in [m["id"] for m in req["story_msgs"]]
    for port in ("veth-c1", "veth-c2"):
        out = [p for p in res["captures"][port] if p["proto"] == "icmp"
               and p["direction"] == "out" and p["dst"] == "172.17.0.2"]
        assert len(out) == 1 and out[0]["mac_dst"] == C1_MAC, (port, out)
    assert not [j for j in res["journeys"] if j["src"] == "172.17.0.3" and j["proto"] == "icmp"]
    assert not [j for j in res["journeys"] if j["summary"].startswith("ARP who-has 172.17.0.2")]
    before, after = _fdb(res, "before"), _fdb(res, "after")
    assert before and not _learnt(before[0]) and after and "veth-c1" in _learnt(after[-1])[0]


def test_once_learnt_the_next_echo_request_leaves_by_veth_c1_alone(live_lab):
    events, res = _step(2)
    assert res["ok"] is True and res["grade"]["passed"], res["grade"]
    first, second = _requests(res)
    assert first["left_by"] == ["veth-c2", "veth-c1"] and second["left_by"] == ["veth-c1"]
    assert not [p for p in res["captures"]["veth-c2"] if p["proto"] == "icmp"
                and p["direction"] == "out" and p.get("journey") == second["id"]]
