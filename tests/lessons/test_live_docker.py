"""Docker then and now, run for real: the same traffic under docker's rulesets 27
(up to Engine 27, the default), 28 (Engine 28+, iptables) and 29-nftables (Engine 29's
nftables backend), picked with ``manage.py trace --docker NAME``.

Each run's trace shows its own docker's chains (DOCKER-ISOLATION-STAGE-1 under FORWARD
for 27; DOCKER-FORWARD and DOCKER-CT for 28; table ``docker-bridges`` for 29-nftables)
and the same outcome: the chains differ, what reaches whom does not.  The sandbox's
trace marks every IPv4 packet before any docker rule sees it (``_rulesets/trace-early``:
28's raw DROP is loaded ahead of the TRACE rule, 29's raw-PREROUTING ties with it at
-300).  Every lesson step under 27 is tests/lessons/test_live_lessons.py.
"""
from __future__ import annotations

import pytest

from tests.conftest import run_trace
from visualizer.core import dockersets

pytestmark = pytest.mark.live

RUNS = {"ping": ("container-to-container", "1"), "published": ("external-to-container", "1")}
# A chain only that docker's trace shows (27's isolation stages sit under FORWARD
# itself; 28 keeps them, under DOCKER-FORWARD).
MARKS = {"27": ("ip", "filter", "DOCKER-ISOLATION-STAGE-1"),
         "28": ("ip", "filter", "DOCKER-FORWARD"),
         "29-nftables": ("ip", "docker-bridges", "filter-forward-in__docker0")}
ONLY = {"28": MARKS["28"], "29-nftables": MARKS["29-nftables"]}


@pytest.fixture(scope="module")
def runs(live_lab):
    """{(what, docker): (events, result)}: each run once, the tests read them."""
    out = {}
    for what, (slug, step) in RUNS.items():
        for name in dockersets.DOCKER:
            events, result, proc = run_trace(slug, "--step", step, "--docker", name)
            assert proc.returncode == 0 and result is not None, (what, name, proc.stderr[-2000:])
            out[(what, name)] = (events, result)
    return out


def outcomes(result: dict) -> set[tuple]:
    """The kinds of journey and how they ended (a TCP exchange's packet count varies)."""
    return {(j["proto"], j["direction"], j["outcome"]) for j in result["journeys"]
            if j["proto"] in ("icmp", "tcp")}


def chains(events: list[dict]) -> set[tuple]:
    return {(e["family"], e["table"], e["chain"]) for e in events if e["source"] == "nftrace"}


@pytest.mark.parametrize("what", RUNS)
def test_the_same_traffic_has_the_same_outcome_under_every_docker(runs, what):
    first = runs[(what, dockersets.DEFAULT)][1]
    assert first["ok"], first.get("output")
    for name in dockersets.DOCKER:
        result = runs[(what, name)][1]
        assert result["ok"], (name, result.get("output"))
        assert (result["transmitted"], result["received"]) == \
            (first["transmitted"], first["received"]), name
        assert outcomes(result) == outcomes(first), name


@pytest.mark.parametrize("what", RUNS)
@pytest.mark.parametrize("name", list(dockersets.DOCKER))
def test_the_trace_shows_that_dockers_chains(runs, what, name):
    events, _ = runs[(what, name)]
    seen = chains(events)
    assert MARKS[name] in seen, sorted(seen)
    for other, mark in ONLY.items():
        if other != name:
            assert mark not in seen, (other, sorted(seen))
    tables = {t for fam, t, _ in seen if fam == "ip"}
    if name == "29-nftables":
        assert "filter" not in tables and "docker-bridges" in tables
        assert ("ip", "docker-bridges", "filter-FORWARD") in seen
    else:
        assert "docker-bridges" not in tables
    if name == "28":
        assert ("ip", "filter", "DOCKER-CT") in seen        # the replies are accepted there


@pytest.mark.parametrize("name", ["28", "29-nftables"])
def test_every_packet_is_marked_before_any_docker_rule(runs, name):
    """A docker event's packet was traced from a probe at -301 first (trace-early), and
    docker-bridges' base chains have their hooks (read from the loaded ruleset)."""
    for what in RUNS:
        events, _ = runs[(what, name)]
        first_ip: dict = {}
        for e in events:
            if e["source"] == "nftrace" and e["family"] == "ip":
                first_ip.setdefault((e["journey"], e.get("ip_id")), e)
        for e in first_ip.values():
            assert e["table"] == "trace" and e["probe"], e
        for e in events:
            if e["table"] == "docker-bridges":
                assert e["hook"] in ("prerouting", "forward", "output", "postrouting"), e
                if e["rule"] is not None:
                    assert (e.get("origin_msg") or {}).get("id", "").startswith(
                        "origin.docker."), e


def test_the_published_port_goes_through_each_dockers_accept(runs):
    """The packet to c1:80 is accepted by the per-port rule docker adds for -p 8080:80."""
    accepted = {}
    for name in dockersets.DOCKER:
        events, _ = runs[("published", name)]
        accepted[name] = {(e["table"], e["chain"]) for e in events
                          if e["verdict"] == "accept" and e["rule"] and "80" in e["rule"]
                          and e["type"] == "rule"}
    assert ("filter", "DOCKER") in accepted["27"]
    assert ("filter", "DOCKER") in accepted["28"]
    assert ("docker-bridges", "filter-forward-in__docker0") in accepted["29-nftables"]


def test_an_unknown_docker_is_refused_by_name(live_lab):
    _, result, proc = run_trace("container-to-container", "--step", "1", "--docker", "30")
    assert proc.returncode == 2 and result is None
    assert "unknown docker ruleset '30'" in proc.stderr and "29-nftables" in proc.stderr


@pytest.mark.parametrize("step, where, rule", [
    ("5", ("ip", "raw", "PREROUTING"), "-A PREROUTING -d 172.17.0.2/32 ! -i docker0 -j DROP"),
    ("6", ("ip", "docker-bridges", "raw-PREROUTING"), '"DROP DIRECT ACCESS"')])
def test_the_direct_access_drop_is_in_the_trace(live_lab, step, where, rule):
    """docker-then-and-now steps 5 and 6: wan pings c1's address; 28's raw DROP (loaded
    ahead of the sandbox's TRACE rule in that chain) and 29's raw-PREROUTING (at -300,
    as the raw table) drop it, and the trace shows the drop (trace-early's mark)."""
    events, result, proc = run_trace("docker-then-and-now", "--step", step)
    assert proc.returncode == 0 and result is not None, proc.stderr[-2000:]
    drops = [e for e in events if e["verdict"] == "drop"]
    assert drops and all((e["family"], e["table"], e["chain"]) == where for e in drops), drops
    assert all(rule in e["rule"] and e["type"] == "rule" for e in drops)
    assert len(drops) == result["transmitted"] and result["received"] == 0
