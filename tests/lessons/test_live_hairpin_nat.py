"""Lesson hairpin-nat, the facts its texts state: c1's SYN to the host's published port
is DNATed back to c1 and, with hairpin off on veth-c1, has no event after ip PREROUTING
and never leaves veth-c1 towards c1; with hairpin on it takes the bridged path in and
out of veth-c1, docker's MASQUERADE gives it 172.17.0.1 and the connection opens;
without that MASQUERADE it reaches c1 from c1's own address and is not answered."""
from __future__ import annotations

import pytest

from tests.conftest import run_trace

pytestmark = pytest.mark.live
SLUG = "hairpin-nat"


def _step(number):
    events, res, proc = run_trace(SLUG, "--step", str(number))
    assert proc.returncode == 0, proc.stderr[-2000:]
    return events, res


def _tcp(res, direction):
    return [j for j in res["journeys"] if j["proto"] == "tcp" and j["direction"] == direction]


def _to_c1(res):
    return [p for p in res["captures"]["veth-c1"]
            if p["proto"] == "tcp" and p["direction"] == "out" and p["dport"] == 80]


def _inspected(res):
    return " ".join(i["output"] for i in res.get("inspect", []))


def test_hairpin_off_the_dnated_syn_goes_no_further_than_ip_prerouting(live_lab):
    events, res = _step(1)
    assert res["ok"] is False and "hairpin off" in _inspected(res)
    syns = _tcp(res, "request")
    assert len(syns) >= 2 and not _tcp(res, "reply")
    assert all(j["path"] == [["bridge", "prerouting"], ["ip", "prerouting"]] for j in syns), syns
    dnat = [e for e in events if e["table"] == "nat" and "DNAT" in (e.get("rule") or "")]
    assert {e["journey"] for e in dnat} == {j["id"] for j in syns}
    assert not _to_c1(res)
    assert not [c for c in res["conntrack"] if c["proto"] == "tcp"]


def test_hairpin_on_the_syn_is_bridged_back_out_of_veth_c1_masqueraded(live_lab):
    events, res = _step(2)
    assert res["ok"] is True and "hairpin on" in _inspected(res)
    fwd = [e for e in events if e["family"] == "bridge" and e["hook"] == "forward"
           and e["proto"] == "tcp"]
    assert any(e.get("iif") == "veth-c1" and e.get("oif") == "veth-c1" for e in fwd)
    assert any("MASQUERADE" in (e.get("rule") or "") and e["hook"] == "postrouting"
               for e in events)
    assert [p["src"] for p in _to_c1(res)][:1] == ["172.17.0.1"]
    back = [p for p in res["captures"]["veth-c1"] if p["proto"] == "tcp"
            and p["direction"] == "out" and p["sport"] == 8080]
    assert back and back[0]["src"] == "203.0.113.10"
    (ct,) = [c for c in res["conntrack"] if c["proto"] == "tcp"]
    assert ct["orig"]["dst"] == "203.0.113.10" and ct["reply"]["dst"] == "172.17.0.1"


def test_without_the_masquerade_c1_gets_a_syn_from_itself_and_no_answer(live_lab):
    events, res = _step(3)
    assert res["ok"] is False and not _tcp(res, "reply")
    to_c1 = _to_c1(res)
    assert to_c1 and all(p["src"] == "172.17.0.2" for p in to_c1)
    (ct,) = [c for c in res["conntrack"] if c["proto"] == "tcp"]
    assert ct["state"] == "SYN_SENT" and ct["reply"]["dst"] == "172.17.0.2"
