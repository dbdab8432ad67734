"""A real deployment on this machine, for the scale-out test and the workshop bench:
a ``redis-server``, N daphne processes sharing it (``channels_redis``) and one
SQLite file, and a workshop seeded through ``manage.py shell``.

Everything listens on 127.0.0.1 only, and everything stops with ``stop()``.
"""
from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SEED = r"""
import json, sys
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import Permission, User
from django.contrib.sessions.backends.db import SessionStore
from visualizer.workshops import room as workshops
from visualizer.workshops.models import Learner
import os
n, lessons = int(os.environ["SEED_LEARNERS"]), os.environ["SEED_LESSONS"].split(",")
teacher = User.objects.filter(username="teacher").first() or User.objects.create_user("teacher", password="pw")
teacher.user_permissions.add(Permission.objects.get(codename="run_workshop"))
w = workshops.create("Scale-out", lessons, int(os.environ.get("SEED_SEATS") or max(n, 1)), teacher)
s = SessionStore()
s[SESSION_KEY], s[BACKEND_SESSION_KEY] = str(teacher.pk), "django.contrib.auth.backends.ModelBackend"
s[HASH_SESSION_KEY] = teacher.get_session_auth_hash()
s.create()
out = {"code": w.code, "instructor": s.session_key, "learners": []}
for i in range(n):
    ls = SessionStore(); ls["seen"] = True; ls["seated"] = w.code; ls.create()   # as /join/ does
    Learner.objects.create(workshop=w, name=f"learner{i:03d}", owner=ls.session_key,
                           lesson=lessons[0], step=1)
    out["learners"].append({"name": f"learner{i:03d}", "session": ls.session_key})
print("SEED " + json.dumps(out))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self, processes: int = 2, env: dict | None = None, redis: bool = True):
        """``redis=False``: the embedded default (in-memory channel layer), one process."""
        self.n, self.redis = processes, redis
        self.dir = Path(tempfile.mkdtemp(prefix="nfvis-cluster-"))
        os.chmod(self.dir, 0o755)
        self.redis_port = free_port()
        self.ports = [free_port() for _ in range(processes)]
        self.env = {**os.environ, "DJANGO_SETTINGS_MODULE": "visualizer.project.settings",
                    "PYTHONPATH": str(ROOT), "DB_PATH": str(self.dir / "db.sqlite3"),
                    "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0" if redis else "",
                    **(env or {})}
        self.procs: list[subprocess.Popen] = []
        self.logs: list = []

    @property
    def urls(self) -> list[str]:
        return [f"127.0.0.1:{p}" for p in self.ports]

    def start(self):
        if self.redis:
            redis = shutil.which("redis-server") or "/usr/bin/redis-server"
            self._spawn("redis", [redis, "--port", str(self.redis_port), "--bind", "127.0.0.1",
                                  "--save", "", "--appendonly", "no", "--maxclients", "2000"])
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
                       cwd=ROOT, env=self.env, check=True, timeout=120)
        for i, port in enumerate(self.ports):
            self._spawn(f"daphne{i}", [sys.executable, "-m", "daphne", "-b", "127.0.0.1",
                                       "-p", str(port), "visualizer.project.asgi:application"])
        deadline = time.time() + 40
        for port in self.ports:
            while True:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).read()
                    break
                except OSError:
                    if time.time() > deadline or any(p.poll() is not None for p in self.procs):
                        self.stop()
                        raise RuntimeError(f"the cluster did not start; logs in {self.dir}")
                    time.sleep(0.2)
        return self

    def _spawn(self, name, argv):
        log = open(self.dir / f"{name}.log", "w")
        self.logs.append(log)
        self.procs.append(subprocess.Popen(argv, cwd=ROOT, env=self.env, stdout=log,
                                           stderr=subprocess.STDOUT))

    def seed(self, learners: int, lessons: list[str], seats: int | None = None) -> dict:
        env = {**self.env, "SEED_LEARNERS": str(learners), "SEED_LESSONS": ",".join(lessons),
               "SEED_SEATS": str(seats or "")}
        proc = subprocess.run([sys.executable, "manage.py", "shell", "-c", SEED], cwd=ROOT,
                              env=env, capture_output=True, text=True, timeout=120)
        line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("SEED ")), None)
        if line is None:
            raise RuntimeError(f"seeding failed: {proc.stderr[-2000:]}")
        return json.loads(line[5:])

    def sessions(self, n: int) -> list[str]:
        """``n`` browser sessions, as ``n`` learners who each opened the site once."""
        code = ("from django.contrib.sessions.backends.db import SessionStore\n"
                "keys = []\n"
                f"for _ in range({int(n)}):\n"
                "    s = SessionStore(); s['seen'] = True; s.create(); keys.append(s.session_key)\n"
                "print('SESSIONS ' + ','.join(keys))")
        proc = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT,
                              env=self.env, capture_output=True, text=True, timeout=120)
        line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("SESSIONS ")), None)
        if line is None:
            raise RuntimeError(f"making sessions failed: {proc.stderr[-2000:]}")
        return line[9:].split(",")

    def cpu_seconds(self, servers_only: bool = False) -> float:
        """CPU time of the servers and everything under them (the labs, the tools they
        ran and waited for), user and system: what serving has cost so far.
        ``servers_only``: the daphne processes alone."""
        tick = os.sysconf("SC_CLK_TCK")
        parents: dict[int, int] = {}
        times: dict[int, int] = {}
        for d in Path("/proc").iterdir():
            if not d.name.isdigit():
                continue
            try:
                fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(d.name)] = int(fields[1])
            times[int(d.name)] = sum(int(x) for x in fields[11:15])   # utime stime cutime cstime
        mine, todo = set(), [p.pid for p in self.procs[-self.n:]]
        if servers_only:
            return sum(times.get(pid, 0) for pid in todo) / tick
        while todo:
            pid = todo.pop()
            mine.add(pid)
            todo += [c for c, pp in parents.items() if pp == pid and c not in mine]
        return sum(times.get(pid, 0) for pid in mine) / tick

    def stop(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        for log in self.logs:
            log.close()
        self.procs = []

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, *exc):
        self.stop()
        if exc_type is not None:            # say what the servers said before their logs go
            for log in sorted(self.dir.glob("*.log")):
                tail = log.read_text(errors="replace").splitlines()[-30:]
                print(f"--- {log.name}\n" + "\n".join(tail), file=sys.stderr)
        shutil.rmtree(self.dir, ignore_errors=True)


def _cpu_times() -> tuple[int, int]:
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return v[3] + v[4], sum(v)          # idle + iowait, total


async def quiet_machine(idle: float = 0.7, window: float = 0.5, limit: float = 180.0) -> float:
    """Wait until the CPUs are mostly idle and a network namespace is quick to make:
    namespaces torn down by an earlier bench (the 1,000-sandbox one) keep the
    kernel busy, or its namespace lock taken, for a while after their labs end."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        i0, a0 = _cpu_times()
        await asyncio.sleep(window)
        i1, a1 = _cpu_times()
        if a1 <= a0 or (i1 - i0) / (a1 - a0) < idle:
            continue
        t = time.monotonic()
        proc = await asyncio.create_subprocess_exec("unshare", "-Urn", "true")
        await proc.wait()
        if time.monotonic() - t < 0.2:
            break
    return time.monotonic() - t0


async def ws(url: str, path: str, session: str | None = None):
    """A websocket to one process, carrying a browser's session cookie."""
    import websockets
    headers = {"Origin": f"http://{url}"}
    if session:
        headers["Cookie"] = f"sessionid={session}"
    return await websockets.connect(f"ws://{url}{path}", additional_headers=headers,
                                    max_size=1 << 24, open_timeout=30)


async def recv_type(sock, types, timeout: float = 60):
    """The next message of one of ``types`` (others are skipped)."""
    import asyncio
    types = (types,) if isinstance(types, str) else types
    end = asyncio.get_running_loop().time() + timeout
    while True:
        left = end - asyncio.get_running_loop().time()
        msg = json.loads(await asyncio.wait_for(sock.recv(), max(0.01, left)))
        if msg["type"] in types:
            return msg
