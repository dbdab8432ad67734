"""Recording a finished run for its owner, and counting it in their progress.

Another app that cares about a run (a workshop's board) listens to
``run_recorded``: this app does not know about it.  A receiver may return a
coroutine function, awaited once the run is saved (the board's update).
"""
from __future__ import annotations

from channels.db import database_sync_to_async
from django.db import transaction
from django.db.models import F
from django.dispatch import Signal

from .models import Progress, Run
from .pruning import maybe_prune

run_recorded = Signal()      # sender=Run, run=Run; in the database thread, in the transaction
# sender=None, owner=str; before a run starts, in the database thread: a receiver
# refuses it by raising an errors.Error (a paused workshop room)
run_requested = Signal()


@database_sync_to_async
def may_run(owner: str) -> None:
    """Ask the listeners whether this browser may start a run now (raises if not)."""
    run_requested.send(sender=None, owner=owner)


def _count(owner: str, lesson: str, step: int, result: dict) -> None:
    pg = result.get("prediction_grade") or {}
    rows = Progress.objects.filter(owner=owner, lesson=lesson, step=step)
    Progress.objects.get_or_create(owner=owner, lesson=lesson, step=step)
    rows.update(runs=F("runs") + 1, predicted=F("predicted") + (1 if pg else 0),
                predicted_right=F("predicted_right")
                + (1 if pg and pg["right"] == pg["total"] else 0))
    if (result.get("grade") or {}).get("passed") in (True, None):
        rows.update(passed=True)


@database_sync_to_async
def save_run(lesson: str, step: int, rules: list, events: list, result: dict, owner: str = "",
             frames: dict | None = None):
    """(the recorded Run, what to await once it is saved: the listeners' follow-ups);
    ``frames``: the captures' bytes (RESULT "frames"), kept for the pcap-ng download."""
    with transaction.atomic():
        run = Run.objects.create(lesson=lesson, step=step, rules=rules, events=events,
                                 result=result, owner=owner, frames=frames)
        if owner:
            _count(owner, lesson, step, result)
        after = [r for _, r in run_recorded.send(sender=Run, run=run) if callable(r)]
    maybe_prune()
    return run, after
