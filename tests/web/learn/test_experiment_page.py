"""The experiment page (/experiment/): prefilled from the permalink's query, the base's
nodes for the pickers, a clear message for a base that names no lesson, and the links to
it from the index and a lesson step."""
from __future__ import annotations

import json
import re

import pytest

pytestmark = pytest.mark.django_db


def _page_data(html: str) -> dict:
    m = re.search(r'<script id="page-data" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(m.group(1))


def test_the_page_is_prefilled_from_the_permalink(client):
    r = client.get("/experiment/?base=container-to-container:1&rule=-I+FORWARD+-j+DROP"
                   "&traffic=c2,203.0.113.1,udp,53,1,,")
    assert r.status_code == 200
    html = r.content.decode()
    data = _page_data(html)
    assert data["experiment"]["traffic"] == [
        {"from": "c2", "to": "203.0.113.1", "proto": "udp", "port": 53, "count": 1}]
    assert data["experiment"]["base"] == "container-to-container:1"
    nodes = {n["name"]: n["addresses"] for n in data["nodes"]}
    assert "172.17.0.3" in nodes["c2"] and "c1" in nodes
    assert data["ws_path"] == "/ws/lab/"
    assert "-I FORWARD -j DROP</textarea>" in html and 'value="container-to-container:1"' in html


def test_the_plain_bridge_by_default(client):
    data = _page_data(client.get("/experiment/").content.decode())
    assert data["experiment"]["base"] == ""
    assert {"c1", "c2", "host", "wan"} <= {n["name"] for n in data["nodes"]}


def test_an_unknown_base_says_so(client):
    r = client.get("/experiment/?base=no-such-lesson:2")
    assert r.status_code == 404
    html = r.content.decode()
    assert 'id="base-error"' in html and "base: unknown lesson" in html and "no-such-lesson" in html
    assert {n["name"] for n in _page_data(html)["nodes"]} >= {"c1", "c2"}   # the plain bridge


def test_an_unknown_base_is_said_in_the_pages_language(client):
    html = client.get("/experiment/?base=no-such-lesson:2", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    shown = html.split('id="base-error"', 1)[1].split("</p>", 1)[0]
    assert "no-such-lesson" in shown and "unknown lesson" not in shown


def test_the_index_and_a_lesson_step_link_to_it(client):
    assert 'href="/experiment/"' in client.get("/").content.decode()
    html = client.get("/lessons/container-to-container/?step=2").content.decode()
    assert 'href="/experiment/?base=container-to-container:2"' in html


def test_the_page_draws_the_bases_diagram_with_its_nodes_on_it(client):
    """The netfilter diagram of the base as the lesson page draws it (its interfaces at the
    edges), each interface standing for the node behind it, for the picks on the diagram."""
    html = client.get("/experiment/?base=container-to-container:1").content.decode()
    assert '<svg class="diagram"' in html and 'data-iface="veth-c2"' in html
    assert 'id="journeys"' in html and 'id="inspector"' in html and 'id="p-play"' in html
    data = _page_data(html)
    pills = {n["name"]: n["pills"] for n in data["nodes"]}
    assert pills["c2"] == {"veth-c2": "172.17.0.3"} and pills["host"] == {"docker0": "172.17.0.1"}
    assert pills["wan"] == {"eth0": "203.0.113.1"}
    assert data["model"]["tables"] and data["topology"]["veth"]
    assert data["limits"]["items"] == 6 and data["limits"]["size"] == 1400
    assert data["protos"] == ["icmp", "tcp", "udp", "http"]        # core/experiment.py's


def test_the_docker_switch_is_offered_and_keeps_the_permalinks_choice(client):
    data = _page_data(client.get("/experiment/?docker=28&traffic=c1,172.17.0.3,icmp,,1,,").content.decode())
    assert data["docker"]["offer"] and data["docker"]["own"] == "27"
    assert data["docker"]["chosen"] == "28" and "29-nftables" in data["docker"]["names"]
    assert data["experiment"]["docker"] == "28"


def test_several_traffic_items_with_size_and_ttl_prefill(client):
    q = "traffic=c1,172.17.0.3,icmp,,2,100,3&traffic=c2,203.0.113.1,tcp,80,1,,"
    data = _page_data(client.get(f"/experiment/?{q}").content.decode())
    assert data["experiment"]["traffic"] == [
        {"from": "c1", "to": "172.17.0.3", "proto": "icmp", "count": 2, "size": 100, "ttl": 3},
        {"from": "c2", "to": "203.0.113.1", "proto": "tcp", "port": 80, "count": 1}]


def test_the_pages_permalink_reads_back_on_the_server(client):
    """The query experimentform.js writes (tests/js/experimentform.test.mjs asserts this
    very string) prefills the same fields: the two sides of the permalink agree."""
    q = ("docker=28&traffic=c1%2C172.17.0.3%2Cicmp%2C%2C2%2C100%2C3"
         "&traffic=c2%2C203.0.113.1%2Ctcp%2C80%2C%2C%2C&traffic=c2%2C203.0.113.1%2Cudp%2C53%2C1%2C%2C64")
    exp = _page_data(client.get(f"/experiment/?{q}").content.decode())["experiment"]
    assert exp["docker"] == "28" and exp["traffic"] == [
        {"from": "c1", "to": "172.17.0.3", "proto": "icmp", "count": 2, "size": 100, "ttl": 3},
        {"from": "c2", "to": "203.0.113.1", "proto": "tcp", "port": 80},
        {"from": "c2", "to": "203.0.113.1", "proto": "udp", "port": 53, "count": 1, "ttl": 64}]


def test_a_recorded_experiments_run_replays_on_the_page(client):
    """``?run=<uid>``: the page replays that recorded run (page_data run: its events and
    result) with its experiment in the form; a lesson step's run or an unknown uid is
    not replayed there."""
    from tests.lessons.test_lessonexport import udp_run
    from visualizer.learn.models import Run
    exp, result, events = udp_run()
    run = Run.objects.create(lesson="_plain", step=1, rules=[], events=events,
                             result={**result, "experiment": {**exp.as_dict(), "docker": "28"}})
    data = _page_data(client.get(f"/experiment/?run={run.uid}").content.decode())
    assert data["run"]["id"] == run.uid and len(data["run"]["events"]) == len(events)
    assert data["experiment"]["traffic"] == [
        {"from": "c2", "to": "203.0.113.1", "proto": "udp", "port": 5353, "count": 2}]
    assert data["experiment"]["docker"] == "28" and data["docker"]["chosen"] == "28"
    step_run = Run.objects.create(lesson="container-to-container", step=1, rules=[], events=[],
                                  result={"ok": True, "journeys": []})
    for uid in (step_run.uid, "nosuchrun"):
        assert _page_data(client.get(f"/experiment/?run={uid}").content.decode())["run"] is None
    # the recorded run's own page links to its replay here
    html = client.get(f"/runs/{run.uid}/").content.decode()
    assert f'id="exp-replay" href="/experiment/?run={run.uid}"' in html
