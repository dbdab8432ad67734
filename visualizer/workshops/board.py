"""Board updates: a learner's new row goes to the instructors' boards.

Rows that come together (a room's runs end together) go as one group message:
the board's process takes a group message at a time from the layer, a few
redis round trips each, so a hundred rows one by one kept the last waiting most
of a second.  What is kept here is rows on their way (transient, this process's).
"""
from __future__ import annotations

import asyncio
import logging

from channels.layers import get_channel_layer

from ..core import messages

log = logging.getLogger(__name__)

BATCH_S = 0.05
_rows: dict[str, list] = {}      # rows on their way to a board group
_flushes: set = set()


def update(group: str, row: dict) -> None:
    """Put a learner's new row on the boards of ``group`` (within ``BATCH_S``)."""
    rows = _rows.get(group)
    if rows is not None:
        rows.append(row)
        return
    _rows[group] = [row]
    task = asyncio.ensure_future(_flush(group))
    _flushes.add(task)
    task.add_done_callback(_flushes.discard)


async def _flush(group: str) -> None:
    await asyncio.sleep(BATCH_S)
    rows = _rows.pop(group, [])
    try:
        await get_channel_layer().group_send(group, messages.make("group", "board.rows", rows=rows))
    except Exception as e:      # the layer is unreachable: a board gets the rows afresh once back
        log.warning("a board update for %s was not sent: %s: %s", group, type(e).__name__, e)
