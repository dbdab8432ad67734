"""The issue-19 expect keys (visualizer/core/gradekeys.py), on constructed events and
results: each passes on a run that shows it and fails, saying why, on one that does not;
a lesson with a bad value fails to load with an error naming the key."""
import shutil

import pytest

from tests.conftest import lessons_folder
from visualizer.core import grader, lessons, phrases


def ev(journey=1, source="nftrace", family="ip", hook="forward", **kw):
    base = {"source": source, "family": family, "table": "filter", "chain": "FORWARD",
            "base_chain": "FORWARD", "hook": hook, "journey": journey, "type": "rule",
            "rule": "", "oif": None, "ct_state": None, "icmp_type": None, "icmp_code": None,
            "proto": "icmp", "tcp_flags": None}
    return {**base, **kw}


JOURNEYS = [{"id": 1, "proto": "udp", "direction": "request", "first_seq": 1, "path": [],
             "summary": "udp c2 → ext", "nat": []},
            {"id": 2, "proto": "icmp", "direction": "reply", "first_seq": 5, "path": [],
             "summary": "icmp port unreachable", "nat": []}]
ERROR = ev(2, icmp_type=3, icmp_code=3, ct_state="related")


def check(expect, events, result=None, proto="udp"):
    g = grader.Expectation(expect, proto, "10.0.0.1").grade(
        events, result or {"journeys": JOURNEYS})
    (c,) = g.checks
    d = c.as_dict()
    for side in ("expected", "observed"):           # every sentence is a catalogue message
        m = phrases.from_wire(d[f"{side}_msg"])
        assert m.text() == d[side]
        for lang in ("ja", "zh-hans", "zh-hant"):
            assert phrases.render_in(lang, m) != d[side]
    return c


def test_keys_are_known_to_the_grader():
    for key in ("no_nflog", "icmp_error", "ct_related", "refused", "left_by"):
        assert key in grader.EXPECT_KEYS and key in grader._CHECKS


def test_no_nflog():
    logged = [ev(source="nflog", prefix="FWD-DROP: ")]
    assert check({"no_nflog": ["IN-DROP: "]}, logged).ok
    c = check({"no_nflog": ["FWD-DROP: ", "X"]}, logged)
    assert not c.ok and "FWD-DROP" in c.observed


def test_icmp_error():
    assert check({"icmp_error": True}, [ERROR]).ok
    assert check({"icmp_error": "port-unreachable"}, [ERROR]).ok
    c = check({"icmp_error": "admin-prohibited"}, [ERROR])
    assert not c.ok and "port-unreachable" in c.observed
    assert not check({"icmp_error": True}, [ev(1, proto="udp")]).ok
    assert check({"icmp_error": False}, [ev(1, proto="udp")]).ok
    admin = ev(2, icmp_type=3, icmp_code=13)
    assert check({"icmp_error": "admin-prohibited"}, [admin]).ok


def test_ct_related():
    c = check({"ct_related": True}, [ev(1, ct_state="new"), ERROR])
    assert c.ok and "icmp port unreachable" in c.observed
    assert not check({"ct_related": True}, [ev(1, ct_state="new")]).ok
    assert check({"ct_related": False}, [ev(1, ct_state="new,established")]).ok


def test_refused_vs_timed_out():
    rst = ev(2, proto="tcp", tcp_flags="RST,ACK")
    assert check({"refused": True}, [rst], proto="tcp").ok
    assert check({"refused": True}, [], {"journeys": JOURNEYS, "refused": 2}).ok
    assert check({"refused": True}, [ERROR], proto="tcp").ok
    timed_out = [ev(1, proto="tcp", tcp_flags="SYN")]
    assert check({"refused": False}, timed_out, proto="tcp").ok
    c = check({"refused": True}, timed_out, proto="tcp")
    assert not c.ok and c.observed == "not refused"


def test_left_by():
    flood = [ev(1, family="bridge", hook=h, oif=o, table="filter")
             for h in ("output", "postrouting") for o in ("veth-c1", "veth-c2")]
    assert check({"left_by": ["veth-c1", "veth-c2"]}, flood).ok
    c = check({"left_by": ["veth-c1", "veth-c2"]}, flood[:1] + [ev(1, oif="eth0")])
    assert not c.ok and "veth-c2" in c.observed
    assert not check({"left_by": ["veth-c1"]}, [ev(1, oif="veth-c1")]).ok   # ip, not bridge


STEP = '''title = "t"
summary = "s"
[[steps]]
title = "s"
[steps.traffic]
kind = "ping"
from = "c1"
to = "172.17.0.3"
[steps.expect]
ok = true
{extra}
'''


def _load(extra):
    root = lessons_folder("gk", {"gk": {"lesson.toml": STEP.format(extra=extra),
                                        "step1.md": "x"}})
    try:
        return lessons.load_lesson(root / "gk", root)
    finally:
        shutil.rmtree(root.parent)


@pytest.mark.parametrize("extra,word", [
    ('icmp_error = "port-closed"', "icmp_error"), ("refused = 1", "refused"),
    ('ct_related = "yes"', "ct_related"), ('left_by = "veth-c1"', "left_by"),
    ("no_nflog = [1]", "no_nflog")])
def test_bad_values_fail_to_load(extra, word):
    with pytest.raises(lessons.LessonError, match=f"expect.{word}"):
        _load(extra)


def test_good_values_load():
    extra = ('icmp_error = "admin-prohibited"\nrefused = false\nct_related = true\n'
             'left_by = ["veth-c1"]\nno_nflog = ["A: "]')
    step = _load(extra).steps[0]
    assert step.expect["icmp_error"] == "admin-prohibited"
