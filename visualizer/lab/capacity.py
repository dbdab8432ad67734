"""The sandbox cap, held under concurrency: every sandbox counts from the moment
its build starts (pooled, owned or still building) until it is closed.

Past the cap a run waits its turn, first come first served, and is told how
many are ahead of it; it gets no error.  A pool refill never waits: it takes
a place only if one is free and nobody is queued.
"""
from __future__ import annotations

import asyncio
from collections import deque

from ..core.config import SANDBOX_MIB

MEMINFO = "/proc/meminfo"


def available_kib(meminfo: str = MEMINFO) -> int | None:
    """The kernel's estimate of memory available for new work (MemAvailable)."""
    try:
        with open(meminfo) as f:
            return next(int(ln.split()[1]) for ln in f if ln.startswith("MemAvailable:"))
    except (OSError, StopIteration, ValueError, IndexError):
        return None


def explain_cap(config, kib=...) -> tuple[int, str]:
    """(the cap, why): for ``manage.py check`` and the board.  ``kib``: the memory
    available, if the caller has read it already."""
    kib = available_kib() if kib is ... else kib
    cap = config.cap_for(kib)
    if config.max_sandboxes > 0:
        return cap, f"set by LAB_MAX_SANDBOXES={config.max_sandboxes}"
    if kib is None:
        return cap, "the machine does not say how much memory is available: a fixed default"
    return cap, (f"{kib // 1024} MiB available now, {SANDBOX_MIB:g} MiB a sandbox, "
                 "half kept free (LAB_MAX_SANDBOXES overrides it)")


class Capacity:
    def __init__(self, limit: int):
        self.limit = limit
        self.used = 0
        self._queue: deque = deque()      # (future, on_position) in arrival order

    @property
    def queued(self) -> int:
        return len(self._queue)

    def try_acquire(self) -> bool:
        """A place if one is free and nobody waits (pool refills)."""
        if self.used < self.limit and not self._queue:
            self.used += 1
            return True
        return False

    async def acquire(self, on_position=None):
        """A place, waiting in line past the cap; ``on_position(ahead)`` hears of each move."""
        if self.used < self.limit and not self._queue:
            self.used += 1
            return
        fut = asyncio.get_running_loop().create_future()
        entry = (fut, on_position)
        self._queue.append(entry)
        if on_position:
            on_position(len(self._queue) - 1)
        try:
            await fut                       # the releaser handed us its place
        except BaseException:
            if entry in self._queue:
                self._queue.remove(entry)
                self._tell()
            elif fut.done() and not fut.cancelled():
                self.release()              # handed a place as we gave up: pass it on
            raise

    def release(self):
        """A sandbox closed (or a build failed): its place goes to the first in line."""
        while self._queue:
            fut, _ = self._queue.popleft()
            if not fut.done():
                fut.set_result(None)        # the place moves; ``used`` stays
                self._tell()
                return
        self.used = max(0, self.used - 1)

    def _tell(self):
        for ahead, (fut, on_position) in enumerate(self._queue):
            if on_position and not fut.done():
                on_position(ahead)
