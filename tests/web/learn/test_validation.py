"""lab.run validation: pure, no lab, no websocket."""
import json

import pytest
from django.conf import settings

from visualizer.core.errors import InputError as BadRequest
from visualizer.learn.config import lessons
from visualizer.learn.validation import parse_request


def msg(**kw):
    base = {"type": "lab.run", "lesson": "container-to-container", "step": 1}
    base.update(kw)
    return json.dumps(base)


def test_valid_minimal():
    assert parse_request(msg()) == {"lesson": "container-to-container", "step": 1, "rules": [],
                                    "prediction": None, "batch": False}


def test_valid_rules_are_stripped():
    got = parse_request(msg(step=2, rules=["  -I DOCKER-USER -p icmp -j DROP "]))
    assert got["rules"] == ["-I DOCKER-USER -p icmp -j DROP"]


@pytest.mark.parametrize("raw, fragment", [
    ("not json", "not valid JSON"),
    ("[1, 2]", "JSON object"),
    ('"lab.run"', "JSON object"),
    (json.dumps({"type": "lab.stop"}), "unknown message type"),
    (msg(extra=1), "unknown key"),
    (msg(lesson=None), "'lesson' must be"),
    (msg(lesson=5), "'lesson' must be"),
    (msg(lesson="no-such-lesson"), "unknown lesson"),
    (msg(step="1"), "'step' must be an integer"),
    (msg(step=True), "'step' must be an integer"),
    (msg(step=1.5), "'step' must be an integer"),
    (msg(step=0), "has steps 1.."),
    (msg(step=99), "has steps 1.."),
    (msg(rules="-j ACCEPT"), "'rules' must be a list"),
    (msg(rules=[1]), "must be a string"),
    (msg(rules=["-j ACCEPT"] * 9), "too many rules"),
    (msg(rules=["x" * 301]), "at most 300"),
    (msg(rules=["-j ACCEPT\n-F"]), "NUL or newline"),
    (msg(rules=["-j ACCEPT\x00"]), "NUL or newline"),
    (msg(rules=["   "]), "empty"),
    (msg(rules=["-I FORWARD -s \ud800 -j DROP"]), "rule 1: a rule must be valid text"),
])
def test_rejected(raw, fragment):
    with pytest.raises(BadRequest) as e:
        parse_request(raw)
    assert fragment in str(e.value)


def test_oversized():
    raw = msg(rules=["a" * 200] * 8) + " " * settings.WS_MAX_MESSAGE
    with pytest.raises(BadRequest, match="too large"):
        parse_request(raw)


def test_binary_frame():
    with pytest.raises(BadRequest, match="binary"):
        parse_request(None, b"{}")


def test_every_lesson_and_step_is_accepted():
    for slug, lesson in lessons().items():
        for s in lesson.steps:
            assert parse_request(msg(lesson=slug, step=s.number))["step"] == s.number


@pytest.mark.parametrize("rule", ["-I FORWARD --modprobe=/bin/sh -j ACCEPT",
                                  "-I FORWARD -M /tmp/x -j ACCEPT",
                                  "-I FORWARD --modp /tmp/x -j ACCEPT",
                                  "-I FORWARD -vM/tmp/x -j ACCEPT"])
def test_options_that_run_programs_are_forbidden(rule):
    with pytest.raises(BadRequest) as e:
        parse_request(msg(step=2, rules=[rule]))
    assert e.value.kind == "forbidden" and "run a program" in str(e.value)


@pytest.mark.parametrize("rule", ["-I FORWARD -m../../../tmp/x -j ACCEPT",
                                  "-I FORWARD --match=../x -j ACCEPT", "-I FORWARD -j../x",
                                  "-I FORWARD -m recent --set -j DROP"])
def test_extensions_off_the_list_are_forbidden(rule):
    with pytest.raises(BadRequest) as e:
        parse_request(msg(step=2, rules=[rule]))
    assert e.value.kind == "forbidden" and str(e.value).startswith("rule 1: ")


def test_a_client_may_ask_for_events_in_batches():
    import json as _json

    from visualizer.learn.outbox import combine_events
    ev = [_json.dumps({"type": "trace.event", "event": {"seq": i}}) for i in range(3)]
    st = _json.dumps({"type": "lab.status", "status": "running", "detail": ""})
    out = combine_events([ev[0], ev[1], st, ev[2]])
    assert [_json.loads(t) for t in out] == [
        {"type": "trace.events", "events": [{"seq": 0}, {"seq": 1}]},
        {"type": "lab.status", "status": "running", "detail": ""},
        {"type": "trace.event", "event": {"seq": 2}}]
    # the texts the lab writes (compact) combine the same way
    compact = [_json.dumps({"type": "trace.event", "event": {"seq": i}}, separators=(",", ":"))
               for i in range(2)]
    assert [_json.loads(t) for t in combine_events(compact)] == [
        {"type": "trace.events", "events": [{"seq": 0}, {"seq": 1}]}]
    assert parse_request(msg(batch=True))["batch"] is True
    with pytest.raises(BadRequest, match="batch"):
        parse_request(msg(batch="yes"))


def test_events_as_texts_are_decoded_once_for_the_record():
    import json as _json

    from visualizer.learn.outbox import decode_events
    texts = [_json.dumps({"type": "trace.event", "event": {"seq": i}}) for i in range(3)]
    assert decode_events(texts) == [{"seq": 0}, {"seq": 1}, {"seq": 2}]
    mixed = [texts[0], {"type": "trace.event", "event": {"seq": 9}}, texts[2]]
    assert decode_events(mixed) == [{"seq": 0}, {"seq": 9}, {"seq": 2}]
    assert decode_events([]) == []
