"""Typed topology elements and the Topology's questions: pure, on the lessons' own files."""
from __future__ import annotations

import json
import re
import tomllib

import pytest

from visualizer.core import lessons
from visualizer.core.topology import KINDS, Bridge, End, Namespace, Route, Topology, Veth
from visualizer.learn.templatetags import diagram

LESSONS = lessons.all_lessons()
ROOT = lessons.DEFAULT_DIR


def raw_topology(slug: str) -> dict:
    """The lesson's topology as TOML data (extends merged), read as load_lesson reads it."""
    folder = ROOT / slug
    spec = tomllib.loads((folder / "lesson.toml").read_text()).get("topology", "docker-bridge")
    if (folder / "topology.toml").exists():
        spec = tomllib.loads((folder / "topology.toml").read_text())
    return lessons._topology_data(ROOT, spec)


def old_json(raw: dict, step: int) -> str:
    """The page's topology JSON as it was made from the TOML dicts, before typed elements."""
    pick = ("ns", "bridge", "veth", "route")
    data = {"name": raw.get("name", ""),
            **{k: [dict(x) for x in raw.get(k, []) if int(x.get("step", 0)) <= step] for k in pick},
            **{k: v for k, v in raw.items() if k not in pick and k != "name"}}
    return json.dumps(data)


@pytest.mark.parametrize("slug", LESSONS)
def test_every_lesson_topology_loads_into_typed_elements(slug):
    topo, raw = LESSONS[slug].topology, raw_topology(slug)
    for key, (attr, kind) in KINDS.items():
        items = getattr(topo, attr)
        assert len(items) == len(raw[key]) and all(isinstance(x, kind) for x in items)
    assert "host" in topo.namespace_names()
    assert all(isinstance(e, End) for v in topo.veths for e in v.ends)
    assert set(topo.namespaces_named()) <= set(topo.namespace_names())


@pytest.mark.parametrize("slug", LESSONS)
def test_page_json_is_the_toml_as_before_at_every_step(slug):
    lesson, raw = LESSONS[slug], raw_topology(slug)
    for step in range(len(lesson.steps) + 1):
        assert json.dumps(lesson.topology.at(step).as_dict()) == old_json(raw, step)
    assert Topology.from_dict(lesson.topology.as_dict()) == lesson.topology


def test_elements_read_their_toml_tables():
    topo = LESSONS["container-to-container"].topology
    assert topo.namespace("host").sysctls == (("net.ipv4.ip_forward", "1"),
                                              ("net.bridge.bridge-nf-call-iptables", "1"))
    assert topo.bridges[0] == Bridge(ns="host", name="docker0", addresses=("172.17.0.1/16",),
                                     mac="02:42:ac:11:00:01")
    v = next(v for v in topo.veths if v.end.name == "veth-c1")
    assert v.end == End("host", "veth-c1", (), None, "docker0")
    assert v.peer == End("c1", "eth0", ("172.17.0.2/16",), "02:42:ac:11:00:02")
    assert Route(ns="c1", gateway="172.17.0.1") in topo.routes
    assert topo.routes[0].dst == "default" and topo.routes[0].dev is None


def test_unknown_keys_travel_along_and_made_in_code_elements_have_a_toml_form():
    ns = Namespace.from_toml({"note": "x", "name": "a", "step": 2})
    assert ns.name == "a" and ns.step == 2 and ns.as_dict() == {"note": "x", "name": "a", "step": 2}
    assert ns == Namespace(name="a", step=2)      # the TOML's shape is not the element
    assert Bridge(ns="host", name="br0").as_dict() == {"ns": "host", "name": "br0"}
    with pytest.raises(KeyError):
        Veth.from_toml({"ns": "host", "name": "v"})


def test_at_and_added_follow_the_steps():
    topo = LESSONS["build-a-bridge"].topology
    assert topo.at(1).bridges == () and [v.end.name for v in topo.at(1).veths] == ["eth0"]
    assert [b.name for b in topo.at(2).bridges] == ["docker0"]
    assert [v.end.name for v in topo.at(3).veths] == ["eth0", "veth-c1", "veth-c2"]
    assert topo.added(-1, 0) == topo.at(0)
    assert [v.end.name for v in topo.added(2, 3).elements()] == ["veth-c1", "veth-c2"]
    assert topo.added(3, 5).elements() == ()
    assert [r.ns for r in topo.added(5, 6).routes] == ["c1", "c2"]
    assert topo.at(len(LESSONS["build-a-bridge"].steps)) == topo


def test_roles_ports_and_uplinks():
    topo = LESSONS["new-bridge-forward-drop"].topology
    assert [topo.role(n) for n in ("docker0", "br-new", "veth-c1", "veth-c3", "eth0", "lo")] == [
        "bridge", "bridge", "bridge-port", "bridge-port", "uplink", "loopback"]
    assert topo.role(None) is None and topo.role("nosuch") is None
    assert topo.role("eth0", "wan") == "uplink" and topo.role("eth0", "c3") == "uplink"
    assert topo.role("docker0", "c1") is None
    assert [ln.end.name for ln in topo.ports("docker0")] == ["veth-c1", "veth-c2"]
    assert [(ln.end.name, ln.peer.ns) for ln in topo.ports("br-new")] == [("veth-c3", "c3"),
                                                                          ("veth-c4", "c4")]
    assert len(topo.ports()) == 4
    assert [(ln.end.name, ln.peer.ns, ln.peer.name) for ln in topo.uplinks()] == [
        ("eth0", "wan", "eth0")]
    assert [(ln.end.name, ln.peer.ns) for ln in topo.uplinks("wan")] == [("eth0", "host")]
    assert sorted(topo.interfaces("host")) == sorted(
        ["docker0", "br-new", "veth-c1", "veth-c2", "veth-c3", "veth-c4", "eth0"])


PILL = re.compile(r'<g class="iface" data-iface="([^"]+)" data-side="(\w+)"'
                  r'(?: data-stage-of="([^"]+)")?')
STAGE_ROLE = {"bridge:prerouting": "bridge-port", "ip:prerouting": "uplink"}


@pytest.mark.parametrize("slug", LESSONS)
def test_role_agrees_with_what_the_diagram_shows(slug):
    """At every step the diagram draws each host interface where its role puts it:
    bridge ports at the link layer's edge, uplinks at the network layer's, bridges between."""
    lesson = LESSONS[slug]
    for step in range(1, len(lesson.steps) + 1):
        topo = lesson.topology.at(step)
        pills = PILL.findall(str(diagram.netfilter_diagram(lesson, step)))
        drawn = {name: STAGE_ROLE[stage] for name, side, stage in pills if side == "in"}
        want = {n: topo.role(n) for n in topo.interfaces("host") if topo.role(n) != "bridge"}
        assert drawn == want, f"step {step}"
        ups = [name for name, side, _ in pills if side == "up"]
        bridges = [n for n in topo.interfaces("host") if topo.role(n) == "bridge"]
        assert ups == bridges[:1], f"step {step}"
