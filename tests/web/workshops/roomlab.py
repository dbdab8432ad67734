"""A stand-in lab for the workshop tests (no kernel): ``GradedLab`` whose event has
the fields the prediction grader reads, and whose runs pass or fail as told."""
from __future__ import annotations

from ..support import GradedLab

DROPPED = [{"id": 1, "direction": "request", "outcome": "dropped", "drop_at": "ip filter FORWARD",
            "summary": "icmp echo-request c1 > c2", "outcome_detail": "dropped in ip filter FORWARD"}]


class RoomLab(GradedLab):
    """``passes``: what the next runs' grades say (True/False), in order; then ``True``."""

    def __init__(self, journeys=DROPPED, command="ping"):
        super().__init__(journeys=journeys, command=command)
        self.passes: list[bool] = []

    async def run(self, owner, lesson, step, rules, on_message, **kw):
        await on_message({"type": "trace.event", "event": {"seq": 0, "journey": 1,
                                                           "verdict": "accept",
                                                           "source": "nftrace"}})
        result = await super().run(owner, lesson, step, rules, lambda m: _none(), **kw)
        result["grade"]["passed"] = self.passes.pop(0) if self.passes else True
        return result


async def _none():
    return None
