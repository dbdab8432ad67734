"""A database made by main before the two apps (commit 80fea84) upgrades with ``migrate``.

``tests/fixtures/db_main_80fea84.sqlite3`` was made by that commit's ``migrate``,
then given an instructor with ``run_workshop``, a workshop, a learner, their run
and their progress.  After ``migrate`` every row is still there, through the
new apps' models, and the instructor still holds the permission.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "db_main_80fea84.sqlite3"

CHECK = """
import django; django.setup()
from django.contrib.auth.models import User
from visualizer.learn.models import Progress, Run
from visualizer.workshops.models import Learner, Workshop
w = Workshop.objects.get(code="ABCDEF")
lrn = Learner.objects.get(workshop=w, name="Ana")
run = Run.objects.get(owner="sess-ana")
assert run.learner_id == lrn.pk and lrn.runs.count() == 1
assert Progress.objects.get(owner="sess-ana").passed
t = User.objects.get(username="teacher")
assert t.has_perm("workshops.run_workshop"), t.get_all_permissions()
assert list(w.instructors.all()) == [t]
assert run.events == [{"seq": 1}], run.events   # an old row: its events in the JSON column
print("ok", w.title, lrn.name, run.uid)
"""


def _manage(db: Path, *args, code: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "DB_PATH": str(db), "DJANGO_SETTINGS_MODULE": "visualizer.project.settings",
           "PYTHONPATH": str(ROOT)}
    env.pop("DATABASE_URL", None)
    argv = [sys.executable, "-c", code] if code else [sys.executable, str(ROOT / "manage.py"), *args]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, env=env, cwd=ROOT)


def test_migrate_upgrades_a_database_made_by_main(tmp_path):
    db = tmp_path / "old.sqlite3"
    shutil.copy(FIXTURE, db)
    done = _manage(db, "migrate", "--noinput")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "workshops.0001_initial" in done.stdout or "Applying workshops" in done.stdout, done.stdout
    checked = _manage(db, code=CHECK)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.startswith("ok Old room Ana"), checked.stdout
    # and nothing is left for makemigrations to do
    pending = _manage(db, "makemigrations", "--check", "--dry-run")
    assert pending.returncode == 0, pending.stdout + pending.stderr


def test_a_fresh_database_migrates_to_the_same_tables(tmp_path):
    db = tmp_path / "new.sqlite3"
    done = _manage(db, "migrate", "--noinput")
    assert done.returncode == 0, done.stdout + done.stderr
    tables = _manage(db, code="import django; django.setup(); from django.db import connection; "
                              "print(sorted(connection.introspection.table_names()))")
    for name in ("visualizer_run", "visualizer_progress", "visualizer_workshop",
                 "visualizer_learner", "visualizer_workshop_instructors"):
        assert name in tables.stdout, tables.stdout
