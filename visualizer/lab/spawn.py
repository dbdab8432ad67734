"""Start programs with the C library's ``posix_spawn``, called through ctypes.

Python 3.11's ``subprocess`` and ``os.posix_spawn`` keep the interpreter lock
while the child is made (vfork: until it has exec'd).  On a busy machine that
is milliseconds a program, and the lab's event loop stops for all of them: a
room whose runs end together starts six listing tools a run.  A ctypes call
releases the lock, so the loop goes on reading the kernel's events meanwhile.

What ``subprocess`` does for a child, this does too: stdin, stdout and stderr
on the given descriptors and no other one open, a process group of its own
(so a kill reaches whatever it starts), SIGPIPE and SIGXFSZ back to their default, no signal
blocked.  The child is made by the calling thread, so it runs in that thread's
network namespace.

Not a session of its own (``setsid``, as ``start_new_session``): with the
scheduler's autogroups, each new session gets as much CPU as the whole group
the web server and the lab share, so fifty listing tools at once would starve
the server forwarding the runs' events (measured: 1.8 MB of events waiting in
the lab's pipe).  In the lab's session, the tools' lower priority holds.
"""
from __future__ import annotations

import ctypes
import os
import selectors
import signal
import subprocess
import time

libc = ctypes.CDLL(None, use_errno=True)
POSIX_SPAWN_SETPGROUP, POSIX_SPAWN_SETSIGDEF, POSIX_SPAWN_SETSIGMASK = 0x02, 0x04, 0x08
_OPAQUE = 1024          # bytes for posix_spawnattr_t / file_actions / sigset_t (glibc: 336, 80, 128)


def _cstrings(items) -> ctypes.Array:
    return (ctypes.c_char_p * (len(items) + 1))(*[os.fsencode(x) for x in items], None)


def posix_spawn(path: str, argv: list[str], fds: tuple[int, int, int],
                env: dict | None = None) -> int:
    """Start ``path`` with ``argv``; ``fds`` become its stdin, stdout, stderr.  Returns
    the pid; raises OSError when it cannot start (glibc reports a failed exec)."""
    actions, attr = ctypes.create_string_buffer(_OPAQUE), ctypes.create_string_buffer(_OPAQUE)
    default, mask = ctypes.create_string_buffer(_OPAQUE), ctypes.create_string_buffer(_OPAQUE)
    libc.posix_spawn_file_actions_init(actions)
    libc.posix_spawnattr_init(attr)
    try:
        for target, fd in enumerate(fds):
            libc.posix_spawn_file_actions_adddup2(actions, fd, target)
        # and nothing else, as subprocess's close_fds (glibc 2.34+)
        libc.posix_spawn_file_actions_addclosefrom_np(actions, 3)
        libc.sigemptyset(default)
        for sig in (signal.SIGPIPE, signal.SIGXFSZ):
            libc.sigaddset(default, int(sig))
        libc.sigemptyset(mask)
        libc.posix_spawnattr_setsigdefault(attr, default)
        libc.posix_spawnattr_setsigmask(attr, mask)
        libc.posix_spawnattr_setpgroup(attr, 0)
        libc.posix_spawnattr_setflags(attr, ctypes.c_short(
            POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        pid = ctypes.c_int()
        env = os.environ if env is None else env
        err = libc.posix_spawn(ctypes.byref(pid), os.fsencode(path), actions, attr,
                               _cstrings(argv), _cstrings([f"{k}={v}" for k, v in env.items()]))
        if err:
            raise OSError(err, f"{argv[0]}: {os.strerror(err)}")
        return pid.value
    finally:
        libc.posix_spawn_file_actions_destroy(actions)
        libc.posix_spawnattr_destroy(attr)


class Child:
    """A program started by :func:`posix_spawn`, with what the lab needs of a Popen:
    ``pid``, ``stdin``/``stdout``/``stderr`` pipes, ``returncode``, ``wait`` and
    ``communicate``.  ``stdin``: a pipe (True) or /dev/null; ``merge``: stderr on
    stdout's pipe."""

    def __init__(self, argv: list[str], stdin: bool = False, merge: bool = False):
        self.returncode = None
        mine, theirs = [], []
        try:
            if stdin:
                r, w = os.pipe()
                mine.append(w), theirs.append(r)
                child_in = r
            else:
                child_in = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
                theirs.append(child_in)
            out_r, out_w = os.pipe()
            mine.append(out_r), theirs.append(out_w)
            if merge:
                child_err = out_w
            else:
                err_r, child_err = os.pipe()
                mine.append(err_r), theirs.append(child_err)
            self.pid = posix_spawn(argv[0], argv, (child_in, out_w, child_err))
        except BaseException:
            for fd in mine:
                os.close(fd)
            raise
        finally:
            for fd in theirs:
                os.close(fd)
        self.stdin = os.fdopen(w, "wb") if stdin else None
        self.stdout = os.fdopen(out_r, "rb", buffering=0)
        self.stderr = None if merge else os.fdopen(err_r, "rb", buffering=0)

    def poll(self):
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if timeout is None:
            if self.returncode is None:
                _, status = os.waitpid(self.pid, 0)
                self.returncode = os.waitstatus_to_exitcode(status)
            return self.returncode
        deadline = time.monotonic() + timeout
        while self.poll() is None:
            if time.monotonic() >= deadline:
                raise subprocess.TimeoutExpired(self.pid, timeout)
            time.sleep(0.002)
        return self.returncode

    def _flush(self) -> bool:
        try:
            self.stdin.flush()
            return True
        except BrokenPipeError:     # it ended early (a bad line): its stderr says why
            return False

    def _close_stdin(self):
        self._flush()
        try:
            self.stdin.close()
        except BrokenPipeError:
            pass

    def communicate(self, data: bytes | None = None, timeout: float | None = None):
        """Write ``data``, close stdin, read stdout and stderr to their end, reap.
        ``subprocess.TimeoutExpired`` at ``timeout`` (the pipes stay open: kill, then
        call again)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        chunks = {"out": [], "err": []}
        pending = memoryview(data or b"")
        with selectors.DefaultSelector() as sel:
            if self.stdin is not None and not self.stdin.closed:
                if pending and self._flush():
                    sel.register(self.stdin.fileno(), selectors.EVENT_WRITE, "in")
                else:
                    self._close_stdin()
            for key, f in (("out", self.stdout), ("err", self.stderr)):
                if f is not None and not f.closed:
                    sel.register(f.fileno(), selectors.EVENT_READ, key)
            while sel.get_map():
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    raise subprocess.TimeoutExpired(self.pid, timeout)
                for key, _ in sel.select(left):
                    if key.data == "in":
                        try:
                            n = os.write(key.fd, pending[:1 << 16])
                        except BrokenPipeError:
                            n = len(pending)
                        pending = pending[n:]
                        if not pending:
                            sel.unregister(key.fd)
                            self._close_stdin()
                        continue
                    data = os.read(key.fd, 1 << 16)
                    if data:
                        chunks[key.data].append(data)
                    else:
                        sel.unregister(key.fd)
                        (self.stdout if key.data == "out" else self.stderr).close()
        # Its output has ended, so it is ending: give it a moment past the deadline.
        self.wait(None if deadline is None else max(0.5, deadline - time.monotonic()))
        return b"".join(chunks["out"]), b"".join(chunks["err"])
