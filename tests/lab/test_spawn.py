"""The ctypes posix_spawn that starts the lab's programs without holding the GIL."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import pytest

from visualizer.lab.spawn import Child


def test_input_output_and_exit_code():
    c = Child(["/bin/sh", "-c", "cat; echo oops >&2; exit 3"], stdin=True)
    out, err = c.communicate(b"hello\n", 5)
    assert (out, err, c.returncode) == (b"hello\n", b"oops\n", 3)


def test_merged_output_own_process_group_same_session_and_default_sigpipe():
    """Its own process group (a kill reaches all it starts), but not a session of its
    own: a new session is a new scheduler autogroup, with a whole group's CPU share."""
    code = "import os; print(os.getpgid(0) == os.getpid(), os.getsid(0))"
    c = Child([sys.executable, "-c", code], merge=True)
    out, err = c.communicate(None, 10)
    assert (out.split(), err, c.returncode) == ([b"True", str(os.getsid(0)).encode()], b"", 0)
    # Python ignores SIGPIPE; what it starts must not (grep is no Python program)
    c = Child(["/bin/grep", "^SigIgn", "/proc/self/status"])
    out, _ = c.communicate(None, 5)
    assert not int(out.split()[1], 16) & (1 << (13 - 1))


def test_no_descriptor_leaks_into_the_child():
    r, w = os.pipe()
    os.set_inheritable(w, True)     # even one a careless library left inheritable
    try:
        c = Child(["/bin/ls", "/proc/self/fd"])
        out, _ = c.communicate(None, 5)
        assert sorted(int(x) for x in out.split()) == [0, 1, 2, 3]   # 3: ls's own listing
    finally:
        os.close(r), os.close(w)


def test_a_missing_program_raises_and_a_slow_one_times_out():
    with pytest.raises(OSError):
        Child(["/nonexistent/program"])
    c = Child(["/bin/sleep", "5"])
    with pytest.raises(subprocess.TimeoutExpired):
        c.communicate(None, 0.2)
    os.killpg(c.pid, 9)
    c.communicate()
    assert c.returncode == -9


def test_a_program_that_stops_reading_is_not_an_error():
    c = Child(["/bin/true"], stdin=True)
    out, err = c.communicate(b"x" * (1 << 20), 5)
    assert c.returncode == 0


def test_the_gil_is_free_while_a_child_starts():
    """Another thread runs while the children are made (os.posix_spawn and 3.11's
    subprocess hold the interpreter lock through vfork)."""
    ticks, stop = [], threading.Event()

    def tick():
        while not stop.is_set():
            ticks.append(time.monotonic())
            time.sleep(0.0005)
    t = threading.Thread(target=tick)
    t.start()
    try:
        for _ in range(20):
            Child(["/bin/true"]).communicate(None, 5)
    finally:
        stop.set()
        t.join()
    assert len(ticks) > 20
