"""Every rule of every shared ruleset says what creates it (``# origin: <key>``), and
every rule a lesson step loads gets a specific origin: a ruleset's, a step action's,
the trace probe's.  A rule without one fails here."""
from __future__ import annotations

import pytest

from tests.conftest import ROOT
from visualizer.core import lessons, origins, phrases

SHARED = sorted(p for p in (ROOT / "lessons" / "_rulesets").iterdir() if p.is_dir())
FILES = [pytest.param(folder / name, kind, id=f"{folder.name}/{name}")
         for folder in SHARED for kind, name in origins.FILES.items() if (folder / name).exists()]
LESSONS = lessons.all_lessons()
STEPS = [pytest.param(slug, n, id=f"{slug}-{n}") for slug, lesson in LESSONS.items()
         for n in range(len(lesson.steps) + 1)]
VAGUE = {"origin.ruleset", "origin.unknown", "origin.with_yours"}


@pytest.mark.parametrize("path, kind", FILES)
def test_every_rule_of_a_shared_ruleset_names_its_origin(path, kind):
    keys = origins.keys(path.read_text(), kind)
    assert keys, f"{path}: no rules read"
    missing = [chain for chain, ks in keys.items() for k in ks if k is None]
    assert not missing, f"{path}: rules with no `# origin:` line above them, in {missing}"
    for k in {k for ks in keys.values() for k in ks}:
        assert f"origin.{k}" in phrases.CATALOGUE, f"{path}: origin {k!r} names no message"
        assert not phrases.placeholders(phrases.CATALOGUE[f"origin.{k}"]), \
            f"{path}: a shared ruleset's origin takes no arguments ({k})"


@pytest.mark.parametrize("path, kind", FILES)
def test_the_keys_follow_the_rules_the_lab_loads(path, kind):
    """As many keys per chain as the loader's text gives rules to that chain."""
    rules = lessons.ruleset_rules(path.parent.name)
    placed = origins.Placement()
    placed.ruleset({kind: rules[kind]})
    keys = origins.keys(path.read_text(), kind)
    assert {c: len(v) for c, v in placed.chains.items()} == {c: len(v) for c, v in keys.items()}


@pytest.mark.parametrize("slug, number", STEPS)
def test_every_rule_a_step_loads_has_a_specific_origin(slug, number):
    placed = origins.placed(LESSONS[slug], number)
    vague = [(chain, p.text) for chain, ps in placed.chains.items() for p in ps
             if p.origin is None or not p.origin.specific or p.origin.id in VAGUE]
    assert not vague and not placed.unsure, (vague, placed.unsure)
    for ps in placed.chains.values():
        for p in ps:
            p.origin.text()             # every message renders with its arguments


def test_no_lesson_names_an_origin_the_catalogue_lacks():
    for folder in [*SHARED, *(ROOT / "lessons" / slug for slug in LESSONS)]:
        for name in origins.FILES.values():
            if (folder / name).exists():
                assert origins.unknown_keys((folder / name).read_text()) == [], folder / name


def test_the_docker_ruleset_names_the_daemon_and_the_published_port():
    placed = origins.placed(LESSONS["container-to-container"])
    by_text = {p.text: p.origin.id for ps in placed.chains.values() for p in ps}
    assert by_text["-A FORWARD -j DOCKER-USER"] == "origin.docker.daemon"
    assert by_text["-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE"] == \
        "origin.docker.daemon"
    publish = [t for t, o in by_text.items() if o == "origin.docker.publish"]
    assert sorted(publish) == sorted([
        "-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80",
        "-A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT",
        "-A POSTROUTING -s 172.17.0.2/32 -d 172.17.0.2/32 -p tcp -m tcp --dport 80 -j MASQUERADE"])
    assert by_text["-A PREROUTING -j TRACE"] == "origin.trace.probe"
    assert by_text["meta protocol { ip, arp } meta nftrace set 1"] == "origin.trace.probe"


def test_a_lessons_own_rules_and_its_actions_are_named_as_such():
    placed = origins.placed(LESSONS["log-vs-trace"])
    own = placed.chains[("ip", "raw", "PREROUTING")][0].origin
    assert own.text() == "this lesson's ruleset (log-vs-trace)"
    placed = origins.placed(LESSONS["arp-and-capture"], 3)
    (drop,) = placed.chains[("bridge", "filter", "FORWARD")][1:]
    assert drop.origin.text() == "a lesson action in step 3: `ebtables -A FORWARD -p ARP -j DROP`"
    # step 3 deleted step 2's FORWARD DROP again
    assert [p.text for p in placed.chains[("ip", "filter", "FORWARD")]][0] == "-A FORWARD -j DOCKER-USER"
