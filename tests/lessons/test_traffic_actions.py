"""Actions between a traffic list's items (``ip neigh ...``, ``bridge fdb ...``,
``sysctl``): read into the next item's ``before``, refused with a LessonError naming
the item when malformed, and run live in order (a wrong neighbour entry breaks the
ping after it; deleting it makes the next ping resolve again)."""
from __future__ import annotations


import pytest

from tests.conftest import run_trace, temp_lessons
from visualizer.core import lessons
from visualizer.core.traffic import items

PING = {"kind": "ping", "from": "c1", "to": "172.17.0.3", "count": 1}


def test_an_action_runs_before_the_next_item():
    got = items("x", [PING, {"ip": "neigh flush dev eth0", "ns": "c1"}, PING], lessons._action)
    assert len(got) == 2 and got[0].before == ()
    assert [(a.kind, a.args, a.ns) for a in got[1].before] == [("ip", "neigh flush dev eth0", "c1")]
    assert lessons.tool_argv("ip", got[1].before[0].args) == ["ip", "neigh", "flush", "dev", "eth0"]


@pytest.mark.parametrize("raw,said", [
    ([PING, {"ip": "neigh flush dev eth0"}], "must end with a traffic item"),
    ([PING, {"ip": "route add default"}, PING], "traffic item 2: a 'ip' action is"),
    ([PING, {"bridge": "fdb flush dev x;reboot"}, PING], "traffic item 2"),
    ([PING, {"ns": "c1"}, PING], "traffic item 2: an action between"),
    ([PING, {"iptables": "-F"}, PING], "traffic item 2: unknown key"),
    ([PING, "ip neigh flush"], "traffic item 2 must be a table"),
    ([PING] + [{"ip": "neigh flush dev eth0"}, PING] * 6, "a list of 1 to"),
    ([PING] + [{"ip": "neigh flush dev eth0"}] * 13 + [PING], "at most 12 actions"),
])
def test_a_bad_list_is_a_lesson_error(raw, said):
    with pytest.raises(lessons.LessonError, match=None) as e:
        items("x: step 1", raw, lessons._action)
    assert said in str(e.value), str(e.value)


def test_inspect_actions_may_end_the_list():
    got = items("x", [PING, {"inspect": "ip neigh", "ns": "c1"}, PING,
                      {"inspect": "bridge fdb show br docker0"}], lessons._action)
    assert [a.args for a in got[1].before] == ["ip neigh"]
    assert [a.args for a in got[1].after] == ["bridge fdb show br docker0"]
    assert lessons.inspect_argv("arp -e") == ["arp", "-e"]


@pytest.mark.parametrize("text", ["ip neigh flush dev eth0", "ip route add x", "arp -e -a",
                                  "cat /etc/passwd", "ip neigh show $(id)"])
def test_only_read_only_inspects(text):
    with pytest.raises(lessons.LessonError, match="an 'inspect' action is"):
        lessons.inspect_argv(text)


def test_inspect_is_not_a_step_action():
    with pytest.raises(lessons.LessonError, match="traffic list"):
        lessons._step_action({"inspect": "ip neigh"})


def test_a_step_action_takes_the_same_words():
    with pytest.raises(lessons.LessonError):
        lessons._action({"bridge": "link del dev veth-c1"})
    assert lessons.tool_argv("bridge", "link set dev veth-c1 hairpin on learning off") == \
        ["bridge", "link", "set", "dev", "veth-c1", "hairpin", "on", "learning", "off"]
    assert lessons.inspect_argv("bridge link show dev veth-c1")[:3] == ["bridge", "-d", "link"]
    assert lessons._action({"bridge": "fdb flush dev docker0"}).kind == "bridge"


SLUG = "neigh-between"
LESSON = '''title = "A wrong neighbour entry"
summary = "c1 pings c2, then points c2's address at a wrong MAC, then deletes it."
topology = "docker-bridge"
rulesets = ["docker"]

[[steps]]
title = "Three pings"
traffic = [
  { kind = "ping", from = "c1", to = "172.17.0.3", count = 1, expect = { ok = true } },
  { ip = "neigh replace 172.17.0.3 lladdr 02:00:00:00:00:99 dev eth0 nud permanent", ns = "c1" },
  { inspect = "ip neigh show dev eth0", ns = "c1" },
  { kind = "ping", from = "c1", to = "172.17.0.3", count = 1, expect = { ok = false } },
  { ip = "neigh del 172.17.0.3 dev eth0", ns = "c1" },
  { bridge = "fdb flush dev docker0" },
  { kind = "ping", from = "c1", to = "172.17.0.3", count = 1, expect = { ok = true, arp_seen = true } },
  { inspect = "bridge fdb show br docker0" },
  { bridge = "link set dev veth-c1 hairpin on learning off" },
  { inspect = "bridge link show dev veth-c1" },
  { kind = "ping", from = "c1", to = "172.17.0.3", count = 1, expect = { ok = true } },
]
'''


@pytest.fixture(scope="module")
def folder():
    with temp_lessons("nfvis-traffic-actions-", {SLUG: {
        "lesson.toml": LESSON, "step1.md": "A ping, a wrong neighbour entry, then none.\n"}}) as root:
        yield root


@pytest.mark.live
def test_the_actions_run_in_order(live_lab, folder):
    events, res, proc = run_trace(SLUG, env={"LESSONS_DIR": str(folder)}, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert [i["ok"] for i in res["items"]] == [True, False, True, True], res["items"]
    assert res["grade"]["passed"] is True, res["grade"]
    seen = {(i["command"], i["item"], i["when"]): i for i in res["inspect"]}
    neigh = seen[("ip neigh show dev eth0", 2, "before")]
    assert "02:00:00:00:00:99" in neigh["output"] and "PERMANENT" in neigh["output"], neigh
    link = seen[("bridge link show dev veth-c1", 4, "before")]
    assert "hairpin on" in link["output"] and "learning off" in link["output"], link
    fdb = seen[("bridge fdb show br docker0", 4, "before")]
    assert fdb["code"] == 0 and "master docker0" in fdb["output"], fdb
