"""A recorded run of a workshop's learner goes on its room's board."""
from __future__ import annotations

from django.dispatch import receiver

from ..learn.pagerooms import page_room
from ..learn.recording import run_recorded, run_requested
from . import board, controls, room


@receiver(run_requested)
def on_run_requested(sender, owner, **kwargs):
    """A paused room's learners wait: their runs are refused until it resumes."""
    controls.check_run(owner)


@receiver(run_recorded)
def on_run_recorded(sender, run, **kwargs):
    """Attribute the run to the learner of its browser session, and return the board
    update to send once it is saved (None when the browser is in no workshop)."""
    learner = room.learner_of(run.owner)
    if learner is None:
        return None
    run.learner = learner
    run.save(update_fields=["learner"])
    learner = controls.seen(learner.pk)
    group, row = learner.workshop.board_group, room.row(learner)

    async def follow_up():
        board.update(group, row)
    return follow_up


@receiver(page_room)
def on_page_room(sender, code, owner, **kwargs):
    """A page opened for room ``code``: the room's code when this browser is seated
    in it (the page follows the room), else None (the page says it is not)."""
    learner = room.learner_of(owner)
    try:
        asked = room.normalise_code(code)
    except room.WorkshopError:
        return None
    return asked if learner is not None and learner.workshop.code == asked else None
