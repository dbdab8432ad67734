"""A configured rule limit holds on the websocket (the CLI: tests/lab/test_live_rule_limits.py)."""
from __future__ import annotations

import pytest
from django.test import override_settings

RULES = [f"-A DOCKER-USER -s 198.51.100.{i} -j DROP" for i in range(1, 10)]


@pytest.mark.live
@pytest.mark.django_db(transaction=True)
async def test_websocket_runs_nine_rules_when_the_limit_is_nine(live_lab):
    from tests.web.support import collect_run, communicator
    from visualizer.learn import config
    with override_settings(LAB_MAX_RULES=9):
        client = config.lab_client()
        try:
            comm = await communicator()
            await comm.send_json_to({"type": "lab.run", "lesson": "container-to-container",
                                     "step": 1, "rules": RULES})
            msgs = await collect_run(comm)
            assert msgs[-1]["type"] == "lab.result", msgs[-1]
            assert msgs[-1]["ok"] is True
            await comm.disconnect()
        finally:
            await client.stop()


@pytest.mark.django_db(transaction=True)
async def test_websocket_refuses_three_rules_over_a_limit_of_two_at_once():
    from tests.web.support import collect_run, communicator
    with override_settings(LAB_MAX_RULES=2):
        comm = await communicator()
        await comm.send_json_to({"type": "lab.run", "lesson": "container-to-container",
                                 "step": 1, "rules": RULES[:3]})
        msgs = await collect_run(comm, timeout=2.0)
        assert msgs[-1]["type"] == "lab.error", msgs
        assert msgs[-1]["kind"] == "input" and "at most 2" in msgs[-1]["message"]
        await comm.disconnect()
