"""The lab's output: reply lines on a pipe to the web server, written in batches."""
from __future__ import annotations

import fcntl
import time


class LineWriter:
    """A non-blocking line writer on stdout.  What is written while a callback runs
    goes out in one write when it returns (``call_soon``): a kernel read becomes
    dozens of event lines, and a pipe write each (waking the web server each time)
    cost a fifth of the lab's time when a room ran together.  A callback that goes
    on (a reader draining a burst of events) has its lines out every
    ``FLUSH_AFTER_S``: the first event must not wait for the burst's last.  After
    a quiet spell (``IDLE_S``) a line goes out at once: nothing is there to batch."""

    FLUSH_AFTER_S = 0.001
    FLUSH_BYTES = 1 << 16
    IDLE_S = 0.005

    def __init__(self, transport, loop):
        self.transport = transport
        self.loop = loop
        self.chunks: list[bytes] = []
        self.size, self.since, self.last = 0, 0.0, 0.0

    def write(self, data: bytes):
        now = time.monotonic()
        if not self.chunks and now - self.last > self.IDLE_S:
            self.last = now
            self._write(data)
            return
        if not self.chunks:
            self.since = now
            self.loop.call_soon(self.flush)
        self.chunks.append(data)
        self.size += len(data)
        if now - self.since > self.FLUSH_AFTER_S or self.size > self.FLUSH_BYTES:
            self.flush()

    def flush(self):
        if not self.chunks:
            return
        data, self.chunks, self.size = b"".join(self.chunks), [], 0
        self.last = time.monotonic()
        self._write(data)

    def _write(self, data: bytes):
        if data and not self.transport.is_closing():
            self.transport.write(data)


PIPE_BYTES = 1 << 20


def widen_pipe(fd: int, size: int = PIPE_BYTES) -> int:
    """Give the pipe to the web server room for a burst (the default is 64 KiB).  A
    room's runs start together and their first events come out at once; with the
    pipe full, the rest waits in this process, and moves only 64 KiB each time its
    busy event loop comes round.  Returns the size it has (unchanged if refused)."""
    try:
        return fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, size)
    except OSError:
        try:
            return fcntl.fcntl(fd, fcntl.F_GETPIPE_SZ)
        except OSError:
            return 0
