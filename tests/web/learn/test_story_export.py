"""A recorded run keeps each journey's story: the text export prints it, and the
permalink's page data carries it for the journeys pane."""
import json
import re

import pytest

from visualizer.learn.models import Run

STORY = ["It came in on port veth-c3 of bridge br-new: bridge PREROUTING runs before the bridge "
         "decides where the frame goes.",
         "No rule of ip filter FORWARD accepted the packet, so the chain's policy, DROP, dropped "
         "it: no later chain sees it.",
         "Outcome (dropped): dropped in ip filter FORWARD by the chain's policy."]


@pytest.fixture
def story_run(db):
    journey = {"id": 3, "direction": "request", "proto": "icmp", "outcome": "dropped",
               "summary": "172.18.0.3 > 172.18.0.4 ICMP echo-request id=1 seq=1",
               "story": STORY, "story_msgs": [{"id": "story.outcome", "args": {}}] * 3}
    return Run.objects.create(lesson="new-bridge-forward-drop", step=1, rules=[], events=[],
                              result={"ok": False, "journeys": [journey, {"id": 4}]})


def test_the_text_export_prints_each_story(client, story_run):
    text = client.get(f"/runs/{story_run.uid}.txt").content.decode()
    assert "# the journeys, in words" in text
    assert "# #3 request 172.18.0.3 > 172.18.0.4 ICMP echo-request id=1 seq=1: dropped" in text
    for sentence in STORY:
        assert f"#   {sentence}" in text
    assert "#4" not in text          # a journey without a story adds nothing


def test_the_permalink_carries_the_stories(client, story_run):
    page = client.get(f"/runs/{story_run.uid}/").content.decode()
    data = json.loads(re.search(r'<script id="page-data" type="application/json">(.*?)</script>',
                                page, re.S).group(1))
    assert data["run"]["result"]["journeys"][0]["story"] == STORY
