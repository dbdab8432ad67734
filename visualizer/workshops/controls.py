"""The instructor's controls of a room (pause, reset a learner's step, remove a
learner) and what the learners' side records for the board (activity, sockets).

All of it is database state (``Workshop.paused``, ``Learner.resets``,
``Learner.removed``, ``Learner.active``/``arrived``/``connections``): a learner's
run may start in any web process, and each one reads the pause from the database.
Synchronous ORM work; consumers call it through ``database_sync_to_async``.
"""
from __future__ import annotations

from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from ..core import errors, phrases
from ..core import lessons as registry
from ..learn.models import Progress
from . import room, roomview
from .models import Learner, Workshop

phrases.define({
    "workshop.closed_control": "this workshop is closed: its controls no longer act "
                               "(the board and the CSV stay)",
    "workshop.no_learner": "no learner of this workshop has that id (removed already?)",
    "workshop.no_step": "this workshop has no step {lesson} {step}",
    "workshop.paused_run": "paused by your instructor: Run again once the room resumes",
})


class Paused(errors.Busy):
    """A run asked for while the learner's room is paused (kind ``busy``: retry later)."""


def refuse_closed(workshop: Workshop) -> None:
    """Every control of a closed workshop is refused, and says why."""
    if workshop.closed:
        raise errors.Forbidden(phrases.msg("workshop.closed_control"))


def pause(workshop: Workshop, paused: bool) -> bool:
    refuse_closed(workshop)
    workshop.paused = paused
    workshop.save(update_fields=["paused"])
    return paused


def _learner(workshop: Workshop, pk: int) -> Learner:
    lrn = workshop.learners.filter(pk=pk, removed=False).select_related("workshop").first()
    if lrn is None:
        raise room.WorkshopError(phrases.msg("workshop.no_learner"))
    return lrn


def reset(workshop: Workshop, pk: int, lesson: str, step: int, lessons_dir=None) -> dict:
    """The learner starts the step again: their attempts stay (listed as before the
    reset) but no longer count, their progress on it starts over, and the clock of
    "stuck" restarts.  Returns their new board row."""
    refuse_closed(workshop)
    known = registry.all_lessons(lessons_dir)
    if lesson not in workshop.lessons or lesson not in known \
            or not 1 <= step <= len(known[lesson].steps):
        raise room.WorkshopError(phrases.msg("workshop.no_step", lesson=lesson, step=step))
    lrn = _learner(workshop, pk)
    lrn.resets = {**(lrn.resets or {}), f"{lesson}:{step}": roomview.iso(timezone.now())}
    lrn.save(update_fields=["resets"])
    Progress.objects.filter(owner=lrn.owner, lesson=lesson, step=step).update(
        runs=0, predicted=0, predicted_right=0, passed=False)
    return room.row(lrn)


def remove(workshop: Workshop, pk: int) -> int:
    """The learner leaves the room: off the board, their page told, their seat
    refused if they join again.  Their runs stay (the CSV keeps them)."""
    refuse_closed(workshop)
    lrn = _learner(workshop, pk)
    lrn.removed = True
    lrn.save(update_fields=["removed"])
    return lrn.pk


def seen(pk: int, lesson: str | None = None, step: int | None = None, ahead=None,
         experiment: bool = False) -> Learner:
    """The learner did something (reported where they are, ran): note when; a new
    step (or the room's experiment: ``experiment``) restarts the time on it."""
    lrn = Learner.objects.select_related("workshop").get(pk=pk)
    now = timezone.now()
    fields = ["active"]
    lrn.active = now
    if lesson is not None and (lrn.lesson, lrn.step, lrn.on_experiment) != (lesson, step,
                                                                          experiment):
        lrn.lesson, lrn.step, lrn.arrived = lesson, step, now
        lrn.on_experiment = experiment
        fields += ["lesson", "step", "arrived", "on_experiment"]
    if ahead is not None:
        lrn.ahead = bool(ahead)
        fields.append("ahead")
    lrn.save(update_fields=fields)
    return lrn


def connected(pk: int, delta: int) -> Learner:
    """One more (+1) or one fewer (-1) workshop socket of the learner is open (0: an
    open socket saying it still is, every ``roomview.ALIVE_S``)."""
    now = timezone.now()
    if delta:
        Learner.objects.filter(pk=pk).update(connections=Greatest(F("connections") + delta, 0),
                                             **({"socket_seen": now} if delta > 0 else {}))
    else:
        Learner.objects.filter(pk=pk).update(socket_seen=now)
    return Learner.objects.select_related("workshop").get(pk=pk)


def check_run(owner: str) -> None:
    """Refuse a run of a seated browser while its room is paused (``Paused``)."""
    lrn = room.learner_of(owner)
    if lrn is not None and lrn.workshop.paused:
        raise Paused(phrases.msg("workshop.paused_run"))
