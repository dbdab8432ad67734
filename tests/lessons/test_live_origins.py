"""Every rule the kernel lists after a lesson step's changes has a specific origin.

For every step of every lesson: a fresh sandbox, the step's changes applied (steps
1..N's actions, no learner rule), then every rule of ``RuleIndex`` (the kernel's
handles; texts as ``iptables-save``/``ebtables-save`` print them once a step changed
the rules) must be named by a ruleset, a step's action or the trace probe: never
"not found" (the lab's honest fallback).  A learner rule that the tools rewrite
(``-s 172.17.0.3`` listed as ``-s 172.17.0.3/32``) is still "your rule"."""
from __future__ import annotations

import pytest

from tests.conftest import in_private_namespaces

pytestmark = pytest.mark.live

SCRIPT = r"""
import asyncio, json, sys
sys.path.insert(0, sys.argv[1])
from visualizer.core import lessons
from visualizer.lab import server, session
server.private_run()
LEARNER = "-I DOCKER-USER -s 172.17.0.3 -d 172.17.0.2 -p icmp -m conntrack --ctstate ESTABLISHED -j DROP"

async def one(lesson, number, user_rules=()):
    sb = await session.prepare(f"o{number}", lesson)
    try:
        await session.configure(sb, lesson, lesson.step(number), list(user_rules))
        await session.finish_loading(sb)
        return [[" ".join(k), e["text"], e["origin_msg"]["id"] if e["origin_msg"] else None,
                 e["origin"]] for k, es in sb.rule_index.chains.items() for e in es]
    finally:
        sb.close()

async def main():
    out = {}
    for slug, lesson in lessons.all_lessons().items():
        for s in lesson.steps:
            out[f"{slug} {s.number}"] = await one(lesson, s.number)
    out["learner"] = await one(lessons.get("conntrack"), 4, [LEARNER])
    print(json.dumps(out))

asyncio.run(main())
"""
VAGUE = {None, "origin.ruleset", "origin.unknown", "origin.with_yours"}


@pytest.fixture(scope="module")
def listed(live_lab):
    return in_private_namespaces(SCRIPT, timeout=600)


def test_every_listed_rule_of_every_step_has_a_specific_origin(listed):
    vague = {step: [r for r in rs if r[2] in VAGUE] for step, rs in listed.items() if step != "learner"}
    # every step lists a real ruleset: docker's (over 20 rules), or a lesson's own firewall
    # with no docker rules (firewall-by-hand: 17)
    assert len(vague) >= 30 and all(len(listed[s]) > 15 for s in vague), \
        {s: len(listed[s]) for s in vague if len(listed[s]) <= 15}
    assert {s: v for s, v in vague.items() if v} == {}
    actions = [r for rs in listed.values() for r in rs if r[2] == "origin.action"]
    assert ["ip filter FORWARD", "-A FORWARD -m physdev --physdev-is-bridged -j ACCEPT",
            "origin.action", "a lesson action in step 3: `iptables -I FORWARD -m physdev "
            "--physdev-is-bridged -j ACCEPT`"] in actions


def test_a_learner_rule_rewritten_by_the_tools_is_still_theirs(listed):
    mine = [r for r in listed["learner"] if r[2] == "origin.learner"]
    assert [r[:2] for r in mine] == [["ip filter DOCKER-USER", "-A DOCKER-USER -s 172.17.0.3/32 "
                                      "-d 172.17.0.2/32 -p icmp -m conntrack --ctstate ESTABLISHED -j DROP"]]
    assert not [r for r in listed["learner"] if r[2] in VAGUE]
