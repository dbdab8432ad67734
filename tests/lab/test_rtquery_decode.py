"""The rtnetlink query replies read with struct agree with pyroute2's message
classes, on replies captured from a private namespace (tests/fixtures/rtnl_replies.json)."""
import json
import socket
from pathlib import Path

import pytest
from pyroute2.netlink.rtnl.ifinfmsg import ifinfmsg
from pyroute2.netlink.rtnl.ndmsg import ndmsg

from visualizer.lab import rtquery

CAPTURED = json.loads((Path(__file__).parent.parent / "fixtures" / "rtnl_replies.json").read_text())


def _pyroute2(cls, raw: bytes):
    m = cls(raw)
    m.decode()
    return m


@pytest.mark.parametrize("raw", [bytes.fromhex(h) for h in CAPTURED["links"]])
def test_a_link_reads_as_pyroute2_reads_it(raw):
    m = _pyroute2(ifinfmsg, raw)
    name, state = rtquery.link_state(raw)
    assert name == m.get_attr("IFLA_IFNAME")
    assert state == {"carrier": bool(m.get_attr("IFLA_CARRIER")), "operstate": m.get_attr("IFLA_OPERSTATE"),
                     "tx_dropped": (m.get_attr("IFLA_STATS64") or {}).get("tx_dropped", 0)}


def test_every_captured_link_is_read_with_its_counters():
    states = dict(rtquery.link_state(bytes.fromhex(h)) for h in CAPTURED["links"])
    assert set(states) == {"lo", "br0", "veth0", "veth1"}
    assert states["lo"]["operstate"] == "UNKNOWN" and states["veth0"]["operstate"] == "UP"
    assert states["br0"]["tx_dropped"] == 1     # the bridge dropped a frame before its port was up


@pytest.mark.parametrize("raw", [bytes.fromhex(h) for h in CAPTURED["neighbours"]])
def test_a_neighbour_reads_as_pyroute2_reads_it(raw):
    m = _pyroute2(ndmsg, raw)
    n = rtquery.neighbour(raw)
    assert (n["family"], n["ifindex"], n["state"]) == (m["family"], m["ifindex"], m["state"])
    dst = m.get_attr("NDA_DST")
    assert (socket.inet_ntop(socket.AF_INET, n["dst"]) if n["dst"] else None) == dst
    assert n["probes"] == (m.get_attr("NDA_PROBES") or 0)


def test_an_incomplete_entry_is_found_and_a_permanent_one_is_not_forgotten():
    ns = [rtquery.neighbour(bytes.fromhex(h)) for h in CAPTURED["neighbours"]]
    assert any(n["state"] & rtquery.NUD_INCOMPLETE for n in ns)
    assert any(n["state"] & rtquery.NUD_PERMANENT for n in ns)
