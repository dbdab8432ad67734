"""What one recorded run costs in the database: its events, result and frames, as stored.

Each lesson step given (``lesson[:step]``, default ``container-to-container:1``) is
run on the real lab through the web side's run service (``learn/runs.py``), which
records it as it records a learner's run; the row's bytes are then read back with
SQL, whatever the columns hold (plain JSON, or a compressed blob).  ``json_kib`` is
what the same events and result take as plain JSON columns (the layout before
compression).  Without a live lab, the hand-written sample run
(``tests/fixtures/sample_events.json``) is recorded instead (``source=sample``).
One RESULT line per run, then a RESULT line of their mean.
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "visualizer.project.settings")
os.environ.setdefault("DB_PATH", os.path.join(tempfile.mkdtemp(), "storage.sqlite3"))
SAMPLE = ROOT / "tests" / "fixtures" / "sample_events.json"
COLUMNS = ("events", "events_z", "result", "frames_z")      # whichever of these the table has


async def _live(lesson: str, step: int) -> str:
    """Run one step for real; the recorded run's uid."""
    from visualizer.learn import runs
    final: list[str] = []

    async def deliver(texts, is_final):
        if is_final:
            final.append(texts[-1])
    await runs.run("bench-storage", lesson, step, [], deliver=deliver)
    res = json.loads(final[-1])
    if not res.get("run"):
        raise SystemExit(f"the run was not recorded: {res.get('message') or res.get('warning')}")
    return res["run"]


def _sample() -> str:
    from visualizer.learn.models import Run
    data = json.loads(SAMPLE.read_text())
    return Run.objects.create(lesson="container-to-container", step=1, rules=[],
                              events=data["events"], result=data["result"]).uid


def _stored(uid: str) -> dict:
    """The row's bytes, column by column, as the database holds them."""
    from django.db import connection
    with connection.cursor() as cur:
        cur.execute("select * from visualizer_run limit 0")
        have = [c for c in COLUMNS if c in [d[0] for d in cur.description]]
        cur.execute("select " + ", ".join(f"coalesce(length({c}), 0)" for c in have)
                    + " from visualizer_run where uid = %s", [uid])
        return dict(zip(have, cur.fetchone()))


def measure(uid: str, source: str) -> dict:
    from visualizer.learn.models import Run
    run = Run.objects.get(uid=uid)
    as_json = len(json.dumps(run.events).encode()) + len(json.dumps(run.result).encode())
    cols = _stored(uid)
    line = {"source": source, "lesson": run.lesson, "step": run.step, "events": len(run.events),
            "json_kib": round(as_json / 1024, 1), "run_kib": round(sum(cols.values()) / 1024, 1),
            **{f"{c}_kib": round(n / 1024, 1) for c, n in cols.items()}}
    print("RESULT storage " + " ".join(f"{k}={v}" for k, v in line.items()), flush=True)
    return line


def main(argv: list[str]) -> None:
    import django
    django.setup()
    from django.core.management import call_command
    call_command("migrate", verbosity=0)
    from visualizer.lab import preflight
    live = not preflight.problems()
    lines = []
    if not live:
        print("no live lab here (" + preflight.explain(preflight.problems()) + "): the sample run")
        lines.append(measure(_sample(), "sample"))
    else:
        from asgiref.sync import async_to_sync
        from visualizer.lab.client import LabClient

        async def all_runs():
            try:
                return [await _live(*_parse(a)) for a in argv or ["container-to-container:1"]]
            finally:
                await LabClient.shared().stop()
        lines = [measure(uid, "live") for uid in async_to_sync(all_runs)()]
    n = len(lines)
    print(f"RESULT storage runs={n} events={sum(x['events'] for x in lines) / n:.0f} "
          f"json_kib={sum(x['json_kib'] for x in lines) / n:.1f} "
          f"run_kib={sum(x['run_kib'] for x in lines) / n:.1f}")


def _parse(arg: str) -> tuple[str, int]:
    lesson, _, step = arg.partition(":")
    return lesson, int(step or 1)


if __name__ == "__main__":
    main(sys.argv[1:])
