"""The http traffic kind and listener (issue 19), pure parts: curl's argv, the items and
listeners a lesson may write (refused naming the field), the expect keys http_status and
http_body on constructed results, and an experiment's proto http."""
import shutil

import pytest

from tests.conftest import lessons_folder
from tests.test_gradekeys import check
from visualizer.core import experiment, grader, lessons
from visualizer.core.traffic import LessonError, Traffic, check_listener, items

KNOWN = lessons.all_lessons()
ROOT = lessons.DEFAULT_DIR


def test_the_http_kind_runs_one_curl_with_timeouts_and_no_shell():
    (t,) = items("x", {"kind": "http", "from": "wan", "to": "203.0.113.10", "port": 8088})
    argv = t.command()
    assert argv[0] == "curl" and argv[-1] == "http://203.0.113.10:8088/"
    assert "--max-time" in argv and "--connect-timeout" in argv and "-i" in argv
    assert t.proto == "tcp" and t.count == 1
    assert t.describe().startswith("wan$ curl ")
    (d,) = items("x", {"kind": "http", "from": "host", "to": "172.17.0.2"})
    assert d.port == 80 and d.command()[-1] == "http://172.17.0.2:80/"


@pytest.mark.parametrize("raw,said", [
    ({"kind": "http", "from": "wan", "to": "example.com"}, "IPv4 address"),
    ({"kind": "http", "from": "wan", "to": "1.2.3.4/x"}, "IPv4 address"),
    ({"kind": "http", "from": "wan", "to": "1.2.3.4", "port": 70000}, "65535"),
    ({"kind": "http", "from": "wan", "to": "1.2.3.4", "port": "80"}, "whole number"),
])
def test_a_bad_http_item_is_refused_naming_it(raw, said):
    with pytest.raises(LessonError) as e:
        items("lesson: step 1", raw)
    assert said in str(e.value) and "step 1" in str(e.value)


def test_listeners_take_a_port_and_tcp_udp_or_http():
    check_listener("80", "http")
    check_listener("53", "udp")
    for port, proto, said in (("0", "tcp", "65535"), ("8o", "tcp", "65535"),
                              ("80", "sctp", "tcp, udp, http")):
        with pytest.raises(LessonError) as e:
            check_listener(port, proto)
        assert said in str(e.value)
    a = lessons._action({"listen": "80", "ns": "c1", "proto": "http"})
    assert (a.kind, a.args, a.ns, a.value) == ("listen", "80", "c1", "http")
    assert a.describe() == "c1# http-serve 80"
    with pytest.raises(LessonError):
        lessons._action({"listen": "80; rm -rf /", "ns": "c1"})


def _check(expect, result):
    """One key's check on a constructed result, its sentences from the catalogues."""
    return check(expect, [], {"journeys": [], **result}, proto="tcp")


def test_http_status_and_body_read_the_response():
    got = {"http_status": 200, "http_body": "hello from c1\n", "http_error": ""}
    assert _check({"http_status": 200}, got).ok
    c = _check({"http_status": 404}, got)
    assert not c.ok and "200" in c.observed
    assert _check({"http_body": "from c1"}, got).ok
    c = _check({"http_body": "from c2"}, got)
    assert not c.ok and "hello from c1" in c.observed
    assert "http_status" in grader.EXPECT_KEYS and "http_body" in grader.EXPECT_KEYS


@pytest.mark.parametrize("error,said", [("refused", "refused"), ("timed out", "timed out"),
                                        ("failed", "no HTTP response")])
def test_no_response_says_whether_it_was_refused_or_timed_out(error, said):
    none = {"http_status": 0, "http_body": "", "http_error": error}
    for key, value in (("http_status", 200), ("http_body", "c1")):
        c = _check({key: value}, none)
        assert not c.ok and said in c.observed


LESSON = '''title = "t"
summary = "s"
[[steps]]
title = "one"
actions = [ {{ listen = "80", ns = "c1", proto = "http" }} ]
traffic = {{ kind = "http", from = "wan", to = "203.0.113.10", port = 8088, expect = {{ {item} }} }}
expect = {{ {expect} }}
'''


@pytest.mark.parametrize("item,expect,said", [
    ("", "http_status = 700", "expect.http_status"),
    ("", "http_status = true", "expect.http_status"),
    ("http_body = 3", "", "expect.http_body"),
    ("http_body = ''", "", "expect.http_body"),
])
def test_a_lesson_with_a_bad_http_key_does_not_load(item, expect, said):
    root = lessons_folder("nfvis-http-", {"bad": {"lesson.toml": LESSON.format(
        item=item, expect=expect), "step1.md": "x\n"}})
    try:
        with pytest.raises(LessonError) as e:
            lessons.load_lesson(root / "bad", root)
        assert said in str(e.value)
    finally:
        shutil.rmtree(root.parent, ignore_errors=True)


def test_a_good_http_lesson_loads():
    root = lessons_folder("nfvis-http-", {"good": {"lesson.toml": LESSON.format(
        item="http_body = 'c1'", expect="ok = true, http_status = 200"), "step1.md": "x\n"}})
    try:
        step = lessons.load_lesson(root / "good", root).steps[0]
        assert step.traffic.kind == "http" and step.expect["http_status"] == 200
        assert step.actions[0].value == "http"
    finally:
        shutil.rmtree(root.parent, ignore_errors=True)


def _exp(**item):
    return experiment.check({"traffic": [{"from": "wan", "to": "203.0.113.10", "proto": "http",
                                          **item}],
                             "listeners": [{"ns": "c1", "proto": "http", "port": 80}]},
                            KNOWN, ROOT)


def test_an_experiment_sends_http_to_an_http_listener():
    exp = _exp(port=8080)
    lesson, step = experiment.as_step(exp, KNOWN, ROOT)
    assert step.traffic == Traffic(kind="http", src="wan", dst="203.0.113.10", count=1,
                                   port=8080)
    assert [(a.kind, a.value) for a in step.actions] == [("listen", "http")]
    d = exp.as_dict()
    assert d["traffic"][0]["proto"] == "http" and d["listeners"][0]["proto"] == "http"
    assert experiment.check(d, KNOWN, ROOT) == exp     # the permalink's fields check back
    assert _exp().traffic[0].port == 80
    assert "http" in experiment.PROTOS


@pytest.mark.parametrize("item,field", [({"count": 2}, "traffic[0].count"),
                                        ({"size": 10}, "traffic[0].size"),
                                        ({"ttl": 3}, "traffic[0].ttl"),
                                        ({"port": 0}, "traffic[0].port")])
def test_an_http_item_takes_a_port_only(item, field):
    with pytest.raises(experiment.ExperimentError) as e:
        _exp(**item)
    assert e.value.message.startswith(field), e.value.message


def test_save_as_lesson_reads_an_http_items_response():
    from visualizer.core import lessonexport, lessontext, observekeys
    t = _exp(port=8080).traffic[0]
    got = {"ok": True, "http_status": 200, "http_body": "hello from c1\n", "http_error": "",
           "refused": 0, "transmitted": 1, "received": 1, "journeys": []}
    assert observekeys.http_values(got) == {"http_status": 200, "http_body": "hello from c1"}
    assert observekeys.http_values({"http_status": 0, "http_error": "refused"}) == {}
    said = lessontext.phrases.text_of(lessontext.facts(lessontext.describe_item(t), got, {}))
    assert "wan fetches http://203.0.113.10:8080/ with curl" in said and "status 200" in said
    refused = {**got, "ok": False, "http_status": 0, "http_body": "", "http_error": "refused",
               "refused": 1}
    said = lessontext.phrases.text_of(lessontext.facts(lessontext.describe_item(t), refused, {}))
    assert "connection was refused" in said and "ICMP" not in said
    a = lessons.Action(kind="listen", args="80", ns="c1", value="http")
    assert lessonexport.action_table(a) == {"listen": "80", "ns": "c1", "proto": "http"}
