"""Every hop an explanation links to (``#hop:ip:nat:prerouting``, ``@reply``) is in a live
run of its step: the packet it names (the step's first request, or its first reply)
(or ``@arp``, its first ARP request) visits that hook, in that table when the link names one."""
from __future__ import annotations

import re

import pytest

from tests.conftest import run_trace
from visualizer.core import lessons

pytestmark = pytest.mark.live

REF = re.compile(r"\]\(#hop:([a-z]+)(?::([a-z]+))?:([a-z]+)(?:@(request|reply|arp))?\)")
LESSONS = lessons.all_lessons()
STEPS = [(slug, s.number) for slug, lesson in LESSONS.items() for s in lesson.steps
         if not s.try_it and REF.search(s.after)]


def test_links_are_well_formed():
    for lesson in LESSONS.values():
        for s in lesson.steps:
            assert s.after.count("](#hop:") == len(REF.findall(s.after)), (lesson.slug, s.number)


def _packet(journeys, proto, direction):
    js = sorted((j for j in journeys if j["proto"] == proto and j["direction"] == direction),
                key=lambda j: j["first_seq"])
    return js[0] if js else None


@pytest.mark.parametrize("slug,number", STEPS)
def test_every_linked_hop_is_in_the_run(live_lab, slug, number):
    step = LESSONS[slug].step(number)
    events, res, proc = run_trace(slug, "--step", str(number))
    assert res is not None, proc.stderr[-2000:]
    missing = []
    for family, table, hook, direction in set(REF.findall(step.after)):
        j = (_packet(res["journeys"], "arp", "request") if direction == "arp" else
             _packet(res["journeys"], step.traffic.proto, direction or "request"))
        seen = j and [e for e in events if e["journey"] == j["id"] and e["family"] == family
                      and e["hook"] == hook and (not table or e["table"] == table)]
        if not seen:
            missing.append(f"{family}:{table or '*'}:{hook}@{direction or 'request'}")
    assert not missing, missing
