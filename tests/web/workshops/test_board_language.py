"""The board and the CSV say a learner's prediction in the instructor's language: an
attempt carries it as English and as {id, args} (prediction_msg)."""
from datetime import datetime, timezone
from types import SimpleNamespace

from visualizer.core import phrases
from visualizer.workshops import roomview

RUN = SimpleNamespace(uid="r1", created=datetime(2026, 12, 3, tzinfo=timezone.utc), rules=[],
                      result={"ok": False, "prediction": {"through": False,
                                                          "dies_at": "ip:filter:forward"}})


def test_an_attempts_prediction_in_every_language():
    a = roomview.attempt(RUN, 1, None)
    m = phrases.from_wire(a["prediction_msg"])
    assert m.text() == a["prediction_text"]
    for lang in ("ja", "zh-hans", "zh-hant"):
        said = phrases.render_in(lang, m)
        assert said != a["prediction_text"] and "FORWARD" in said
        assert roomview.rules_text([], lang) != roomview.rules_text([])
