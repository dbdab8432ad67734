"""Started as root, the lab runs as an unprivileged uid: its root is not the host's root.

``unshare --map-root-user`` run by root maps the namespace's root to the host's
root, which could then write any host file.  So, started as root, the lab
drops to the lab user first (``lab_argv``); these tests look at it from the
host: the uids of the lab and everything it starts, its uid map, and a file
only root may write.
"""
import asyncio
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import require
from tests.procs import children, pids_in_userns
from visualizer.core.config import LabConfig
from visualizer.lab import preflight
from visualizer.lab.client import LabClient, lab_argv
from visualizer.lab.netns import in_new_thread

pytestmark = pytest.mark.live

CONFIG = LabConfig(warm_lessons=(), pool_size=0)


def as_root():
    require(os.geteuid() == 0, "not applicable: the lab drops privileges only when started "
                               "as root, and this test runs as uid %d" % os.geteuid())


def on_own_loop(coro_fn):
    """Run an async test on a fresh loop in its own thread (as test_live_lifecycle does)."""
    def run(*args, **kwargs):
        return in_new_thread(asyncio.run, coro_fn(*args, **kwargs))
    return run


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (through each thread's children)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        for task in Path(f"/proc/{p}/task").glob("*/children"):
            try:
                todo += [int(x) for x in task.read_text().split()]
            except OSError:
                pass                    # gone meanwhile
    return out


def status(pid: int) -> dict[str, str]:
    """/proc/<pid>/status as the host sees it (uids translated to the host's)."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        out[key] = value.strip()
    return out


def host_uids(pids) -> dict[int, tuple[str, list[int], list[int]]]:
    """pid -> (name, [real, effective, saved, fs uid], [the same gids]), for the living."""
    out = {}
    for pid in pids:
        try:
            st = status(pid)
        except OSError:
            continue
        out[pid] = (st["Name"], [int(x) for x in st["Uid"].split()],
                    [int(x) for x in st["Gid"].split()])
    return out


def id_map(pid: int, which: str) -> list[tuple[int, int, int]]:
    return [tuple(int(x) for x in line.split())
            for line in Path(f"/proc/{pid}/{which}").read_text().splitlines()]


@on_own_loop
async def lab_processes_during_a_run() -> tuple[int, dict, dict]:
    """Start a lab, run a step; look at its process tree while the step's ping is running."""
    client = LabClient(CONFIG)
    seen: dict = {}
    try:
        await client.start()
        top = client.proc.pid           # setpriv, then unshare: the lab's host-side parent
        [lab] = children(top)           # the lab: pid 1 of its PID namespace
        userns = os.stat(f"/proc/{lab}/ns/user").st_ino
        started = asyncio.Event()

        def look():
            seen.update(host_uids(descendants(top) + pids_in_userns(userns)))

        async def on_message(msg):
            if msg["type"] == "trace.event" and not started.is_set():
                look()                  # the step's programs are running now
                started.set()

        result = await client.run("t", "container-to-container", 1, [], on_message)
        assert result["ok"]
        assert started.is_set()
        look()
        maps = {"uid_map": id_map(lab, "uid_map"), "gid_map": id_map(lab, "gid_map"),
                "status": status(lab)}
        return top, seen, maps
    finally:
        await client.stop()


def test_lab_and_all_it_starts_run_unprivileged(live_lab):
    as_root()
    user = preflight.lab_user(CONFIG)
    assert user is not None and user.uid != 0 and user.gid != 0
    top, seen, maps = lab_processes_during_a_run()
    assert top in seen and len(seen) >= 3, seen          # unshare, the lab, its ping at least
    for pid, (name, uids, gids) in seen.items():
        assert 0 not in uids, f"{name} ({pid}) has host uids {uids}"
        assert 0 not in gids, f"{name} ({pid}) has host gids {gids}"
        assert uids == [user.uid] * 4 and gids == [user.gid] * 4, (name, pid, uids, gids)
    # The lab's root (uid 0 inside) is the lab user outside, and nothing else is mapped.
    assert maps["uid_map"] == [(0, user.uid, 1)]
    assert maps["gid_map"] == [(0, user.gid, 1)]
    assert maps["status"]["NoNewPrivs"] == "1"
    assert maps["status"]["Groups"] == ""       # no supplementary groups (root's or any)


@pytest.fixture
def root_only_file():
    """A host file only root may write (or read): mode 600, owned by root."""
    path = Path(f"/tmp/nfvis-root-only-{secrets.token_hex(6)}")
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)
    try:
        yield path
    finally:
        path.unlink()


PROBE = """
import os, sys
path = sys.argv[1]
try:
    with open(path, "a") as f:
        f.write("written from a lab namespace\\n")
    print("wrote", os.getuid())
except PermissionError:
    print("denied", os.getuid())
"""


def in_lab_namespaces(argv: list[str]) -> subprocess.CompletedProcess:
    env = {**os.environ, "HOME": preflight.LAB_HOME, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(argv, capture_output=True, text=True, timeout=30, env=env, cwd="/")


def test_lab_root_cannot_write_a_root_only_host_file(live_lab, root_only_file):
    as_root()
    assert os.stat(root_only_file).st_uid == 0
    # The lab's own command line, with a probe in place of the lab.
    argv = lab_argv(CONFIG, [sys.executable, "-c", PROBE, str(root_only_file)])
    r = in_lab_namespaces(argv)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["denied", "0"]      # root inside, and still refused
    assert root_only_file.read_text() == ""
    # Without the drop, the same namespaces would have written it: the danger is real.
    drop = preflight.drop_argv(preflight.lab_user(CONFIG))
    assert drop and argv[:len(drop)] == drop
    r = in_lab_namespaces(argv[len(drop):])
    assert r.stdout.split() == ["wrote", "0"], r.stderr
    assert root_only_file.read_text() != ""


def test_not_root_runs_unshare_directly(monkeypatch):
    """Started by any other user, the lab is started exactly as before: no setpriv."""
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    argv = lab_argv(CONFIG)
    assert Path(argv[0]).name == "unshare"
    assert "setpriv" not in " ".join(argv)
    assert preflight.lab_problems(CONFIG) == [] and preflight.notices(CONFIG) == []


def test_the_drop_user_comes_from_the_config(monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    missing = preflight.lab_user(CONFIG.replace(user="nfvis-no-such-user"))
    assert (missing.uid, missing.gid, missing.fallback) == (preflight.FALLBACK_UID,
                                                            preflight.FALLBACK_GID, True)
    assert preflight.lab_user(CONFIG.replace(user="12345")).uid == 12345
    assert [p.id for p in preflight.lab_problems(CONFIG.replace(user="root"))] == ["lab.user_is_root"]
    argv = lab_argv(CONFIG.replace(user="12345"))
    assert Path(argv[0]).name == "setpriv" and "--reuid=12345" in argv
    assert argv.index("--") < argv.index(next(a for a in argv if a.endswith("unshare")))


@pytest.fixture
def open_dir():
    """A folder every user may enter (pytest's tmp_path sits in a mode-700 one)."""
    path = Path(f"/tmp/nfvis-paths-{secrets.token_hex(6)}")
    path.mkdir(mode=0o755)
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path)


def test_a_closed_parent_folder_is_named_with_its_fix(open_dir):
    """manage.py check names the folder the lab user cannot enter, and what to change."""
    tmp_path = open_dir
    closed = tmp_path / "home"
    project = closed / "x" / "visualizer"
    project.mkdir(parents=True)
    closed.chmod(0o700)
    lessons = tmp_path / "lessons"
    lessons.mkdir(mode=0o750)
    lessons.chmod(0o750)
    user = preflight.LabUser("nfvis-lab", 64999, 64999, False)
    probs = preflight.unreadable(user, {str(project): 4, str(lessons): 4, "/usr/bin": 4})
    assert len(probs) == 2
    assert probs[0].message.startswith(f"{closed} is mode 700")
    assert "nfvis-lab" in probs[0].message and str(project) in probs[0].message
    assert probs[0].hint.endswith(f"chmod o+x {closed}")
    assert probs[1].message.startswith(f"{lessons} is mode 750")
    assert probs[1].hint.endswith(f"chmod o+rx {lessons}")
