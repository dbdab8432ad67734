"""Lesson arp-cache, the facts its text states: c1's neighbour table is empty before
the ping; after it c1 holds c2's MAC and c2 holds c1's."""
from __future__ import annotations

import pytest

from tests.conftest import run_trace

pytestmark = pytest.mark.live


def test_each_container_learns_the_others_mac(live_lab):
    _, res, proc = run_trace("arp-cache", "--step", "1")
    assert proc.returncode == 0, proc.stderr[-2000:]
    shown = [(i["ns"], i["when"], i["output"]) for i in res["inspect"]]
    assert shown[0][:2] == ("c1", "before") and shown[0][2].strip() == ""
    after = {ns: out for ns, when, out in shown if when == "after"}
    assert "172.17.0.3 dev eth0 lladdr 02:42:ac:11:00:03" in after["c1"], after
    assert "172.17.0.2 dev eth0 lladdr 02:42:ac:11:00:02" in after["c2"], after
    assert res["grade"]["passed"] is True
