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


def test_a_hint_naming_a_journeys_outcome_renders_in_a_fresh_process():
    """A Django process imports predict without journeys: the outcome.* ids a journey's
    outcome_msg names must still be defined (a KeyError lost the run's record)."""
    import subprocess
    import sys
    code = ("from types import SimpleNamespace as N; from visualizer.core import predict; "
            "r = {'ok': True, 'journeys': [{'id': 1, 'proto': 'icmp', 'direction': 'request', "
            "'path': [], 'outcome': 'delivered', 'outcome_detail': 'seen on veth-c2', "
            "'outcome_msg': {'id': 'outcome.seen', 'args': {'ifaces': ['veth-c2']}}}]}; "
            "print(predict.grade({'through': False, 'dies_at': 'ip:filter:forward'}, "
            "N(traffic=N(proto='icmp')), [], r)['parts'][1]['hint'])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "seen on veth-c2" in done.stdout
