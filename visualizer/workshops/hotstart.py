"""Hot start, in each web process: ready sandboxes for the room's learners that are
connected *here*, reported to the board.

Every process runs its own lab, so each builds for its own share of the room: the
learners whose workshop socket heard ``workshop.prepare`` in this process (a
hundred learners on two processes: about fifty each, not a hundred each).  While
it builds, the process tells the board how far it is (``board.lab``: ready,
target and capacity of this process's lab); the board adds the processes up.

What is kept here is this process's own: which learners' sockets heard a prepare
here, and the one task that prepares for a room.  Nothing another process would
need.
"""
from __future__ import annotations

import asyncio
import logging
import os
import socket

from channels.layers import get_channel_layer

from ..learn import config
from ..core import messages
from . import room

log = logging.getLogger(__name__)

PROCESS = f"{socket.gethostname()}:{os.getpid()}"
GATHER_S = 0.05          # the room's prepare reaches every socket of a process within this
REPORT_S = 1.0
REPORT_FOR_S = 300.0

_seated: dict[tuple, set[int]] = {}       # (workshop, lesson) -> learners seen here
_preparing: dict[tuple, asyncio.Task] = {}


def seat(workshop_id: int, board_group: str, lesson: str, learner: int, count: int) -> None:
    """A learner's socket here heard the room's prepare: count the learner, and
    prepare (once for all the sockets that hear it together) up to ``count`` for the
    room.  Counted by learner, not socket: a goto moves the learner's page, and its
    socket closes and comes back while the sandboxes are being built."""
    key = (workshop_id, lesson)
    _seated.setdefault(key, set()).add(learner)
    task = _preparing.get(key)
    if task is None or task.done():
        _preparing[key] = asyncio.ensure_future(_prepare(key, board_group, count))


async def _prepare(key: tuple, board_group: str, room_count: int) -> None:
    """Build up to this process's share, and report to the board until it is ready.
    Sockets seated meanwhile (a second prepare, a late joiner) raise the target."""
    await asyncio.sleep(GATHER_S)
    lesson = key[1]
    cap = room.capacity(config.lab_config())
    layer = get_channel_layer()
    loop = asyncio.get_running_loop()
    end, asked = loop.time() + REPORT_FOR_S, -1
    here = 0

    async def report(ready: int, in_use: int, **extra):
        # The lesson's pool may hold more than the room's seats here (the usual
        # pool, sandboxes built ahead for open pages): the room's are the seats.
        await layer.group_send(board_group, messages.make(
            "board", "board.lab", process=PROCESS, lesson=lesson, ready=min(ready, here),
            target=here, capacity=cap, in_use=in_use, **extra))
    try:
        while True:
            here = min(len(_seated.get(key, ())), room_count, cap)
            reply = await config.lab_client().warm(lesson, here if here > asked else None)
            asked = max(asked, here)
            await report(reply.get("ready", 0), reply.get("in_use", 0))
            if reply.get("ready", 0) >= here or loop.time() > end:
                return
            await asyncio.sleep(REPORT_S)
    except Exception as e:      # the lab is unavailable here: the board hears it
        log.warning("hot start of %s failed here: %s", lesson, e)
        try:
            await report(0, 0, error=f"the lab could not prepare here: {e}")
        except Exception:
            log.exception("reporting to the board failed")
