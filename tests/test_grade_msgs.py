"""The grader's and the prediction's sentences are catalogue messages: the wire carries
each as English and as {id, args}, which renders in every language."""
from types import SimpleNamespace

from visualizer.core import grader, phrases, predict

RESULT = {"ok": False, "received": 0, "transmitted": 2, "journeys": [
    {"id": 1, "proto": "icmp", "direction": "request", "first_seq": 1, "path": [
        ["bridge", "prerouting"], ["ip", "prerouting"], ["ip", "forward"]],
     "outcome": "dropped", "drop_at": "ip filter FORWARD", "summary": "icmp 172.17.0.2 → 172.17.0.3",
     "outcome_detail": "dropped", "nat": []}]}
STEP = SimpleNamespace(traffic=SimpleNamespace(proto="icmp"))


def test_checks_and_note_carry_messages():
    g = grader.Expectation({"ok": True, "conntrack": True}, "icmp", "172.17.0.3").grade([], RESULT)
    d = g.as_dict()
    for c in d["checks"]:
        for side in ("expected", "observed"):
            m = phrases.from_wire(c[f"{side}_msg"])
            assert m.text() == c[side]
            assert phrases.render_in("ja", m) != c[side]     # said in Japanese
    assert d["checks"][0]["observed"] == "failed (0/2 answered)"
    empty = grader.Expectation({}).grade([], RESULT).as_dict()
    assert phrases.from_wire(empty["note_msg"]).text() == empty["note"]


def test_prediction_hints_carry_messages():
    pg = predict.grade({"through": True, "hooks": ["bridge:prerouting", "ip:input"]}, STEP, [],
                       RESULT)
    for part in pg["parts"]:
        assert not part["right"] and part["hint_msg"]
        m = phrases.from_wire(part["hint_msg"])
        assert m.text() == part["hint"]
        for lang in ("ja", "zh-hans", "zh-hant"):
            assert phrases.render_in(lang, m) != part["hint"]
