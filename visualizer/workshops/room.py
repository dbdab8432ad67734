"""Workshops: an instructor leads a room of learners through live lessons.

State lives in the database (``Workshop``, ``Learner``, ``Run``) and travels
through channel-layer groups (``workshop.group`` for the learners' pages,
``workshop.board_group`` for the instructors' boards), so a learner on one
daphne process and the instructor on another see each other's messages.
Everything here is synchronous ORM work; consumers call it through
``database_sync_to_async``.
"""
from __future__ import annotations

import csv
import io

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import pgettext_lazy

from ..core import errors, experiment, phrases
from ..core import lessons as registry
from ..core.config import SANDBOX_MIB, sandboxes_held
from ..lab.client import sandbox_cap
from ..learn.experiment_views import experiment_query
from ..learn.models import Run
from . import roomview
from .models import CODE_ALPHABET, Learner, Workshop

MAX_NAME = 40

phrases.define({
    "workshop.removed_join": "the instructor removed you from this workshop: ask them if "
                             "that was a mistake",
    "workshop.bad_code": "that is not a join code: it has letters and digits like K7QM2X",
    "workshop.no_title": "a workshop needs a title",
    "workshop.unknown_lessons": "unknown lesson(s): {bad}; lessons: {known}",
    "workshop.no_lessons": "unknown lesson(s): (none given); lessons: {known}",
    "workshop.bad_seats": "seats must be between 1 and 1000",
    "workshop.no_code": "no workshop has that code: check it on the projector",
    "workshop.is_closed": "this workshop is closed",
    "workshop.no_name": "type the name the instructor will see",
    "workshop.full": "this workshop is full ({seats} seats)",
    "workshop.its_lessons": "this workshop's lessons are {lessons}",
    "workshop.its_steps": "lesson {lesson} has steps 1..{steps}",
    "workshop.no_run": "no run of this workshop has that id",
})


class WorkshopError(errors.Error):
    """Refused: a wrong or closed code, a bad name, a step that does not exist...
    (kind input, unless the lab failed)."""

    kind = errors.INPUT


def normalise_code(code) -> str:
    code = str(code or "").strip().upper().replace("-", "").replace(" ", "")
    if not code or any(c not in CODE_ALPHABET for c in code):
        raise WorkshopError(phrases.msg("workshop.bad_code"))
    return code


def create(title: str, lessons: list[str], seats: int = 30, instructor=None,
           lessons_dir=None) -> Workshop:
    known = registry.all_lessons(lessons_dir)
    bad = [s for s in lessons if s not in known]
    if not title.strip():
        raise WorkshopError(phrases.msg("workshop.no_title"))
    if not lessons or bad:
        raise WorkshopError((phrases.msg("workshop.unknown_lessons", bad=bad, known=list(known))
                             if bad else phrases.msg("workshop.no_lessons", known=list(known))))
    if not 1 <= seats <= 1000:
        raise WorkshopError(phrases.msg("workshop.bad_seats"))
    while True:
        w = Workshop(title=title.strip()[:200], lessons=list(lessons), seats=seats,
                     lesson=lessons[0], step=1)
        if not Workshop.objects.filter(code=w.code).exists():
            w.save()
            break
    if instructor is not None:
        w.instructors.add(instructor)
    return w


def open_workshop(code) -> Workshop:
    w = Workshop.objects.filter(code=normalise_code(code)).first()
    if w is None:
        raise WorkshopError(phrases.msg("workshop.no_code"))
    if w.closed:
        raise WorkshopError(phrases.msg("workshop.is_closed"))
    return w


def join(code, name: str, owner: str) -> Learner:
    w = open_workshop(code)
    name = " ".join(str(name or "").split())[:MAX_NAME]
    if not name:
        raise WorkshopError(phrases.msg("workshop.no_name"))
    learner, made = Learner.objects.get_or_create(workshop=w, owner=owner,
                                                  defaults={"name": name, **w.where()})
    if learner.removed:
        raise WorkshopError(phrases.msg("workshop.removed_join"))
    if not made and learner.name != name:
        learner.name = name
        learner.save(update_fields=["name"])
    if made and w.seated() > w.seats:      # a removed learner's seat is free again
        learner.delete()
        raise WorkshopError(phrases.msg("workshop.full", seats=w.seats))
    return learner


def learner_of(owner: str) -> Learner | None:
    """The browser's seat in an open workshop (its latest), if it has one."""
    if not owner:
        return None
    return (Learner.objects.select_related("workshop").filter(owner=owner, workshop__closed=False,
                                                              removed=False)
            .order_by("-joined").first())


def may_run(user, workshop: Workshop) -> bool:
    """An instructor of this workshop (or a superuser)."""
    return bool(user and user.is_authenticated and (
        user.is_superuser or workshop.instructors.filter(pk=user.pk).exists()))


def goto(workshop: Workshop, lesson: str, step: int, lessons_dir=None,
         sent: dict | None = None) -> dict:
    """Move the room to a lesson step, or (``sent``) to an experiment as an extra step
    (checked here: an ExperimentError names the bad field); lesson and step stay the
    step the room comes back to.  -> where, with ``experiment`` (None: on the step)."""
    known = registry.all_lessons(lessons_dir)
    checked = (experiment.check(sent, known, lessons_dir).as_dict()
               if sent else {})
    if lesson not in known or lesson not in workshop.lessons:
        raise WorkshopError(phrases.msg("workshop.its_lessons", lessons=list(workshop.lessons)))
    if not 1 <= step <= len(known[lesson].steps):
        raise WorkshopError(phrases.msg("workshop.its_steps", lesson=lesson,
                                        steps=len(known[lesson].steps)))
    workshop.lesson, workshop.step, workshop.experiment = lesson, step, checked
    workshop.experiment_at = timezone.now() if checked else None
    workshop.save(update_fields=["lesson", "step", "experiment", "experiment_at"])
    return {**workshop.where(), "experiment": checked or None}


def spotlight(workshop: Workshop, run_uid: str, show_name: bool) -> dict:
    run = Run.objects.select_related("learner").filter(
        uid=str(run_uid), learner__workshop=workshop).first()
    if run is None:
        raise WorkshopError(phrases.msg("workshop.no_run"))
    shown = {"run": run.uid, "lesson": run.lesson, "step": run.step,
             "name": run.learner.name if show_name and run.learner else None,
             **roomview.spotlit(run)}
    workshop.spotlight = shown
    workshop.save(update_fields=["spotlight"])
    return shown


def close(workshop: Workshop):
    workshop.closed = True
    workshop.save(update_fields=["closed"])


def cells(learner: Learner, runs=None) -> dict:
    """A learner's cells, one a step they ran: the latest attempt since the step was
    last reset (``roomview.attempt``), with how many attempts there are in all, how
    many failed since the reset, and the latest wrong prediction in words."""
    out: dict[str, dict] = {}
    resets = learner.resets or {}
    for run in runs if runs is not None else learner.runs.order_by("created", "pk"):
        if (run.result or {}).get("experiment"):    # an experiment's run is no step's
            continue
        key = f"{run.lesson}:{run.step}"
        reset_at = roomview._ts(resets.get(key))
        a = roomview.attempt(run, 0, reset_at)
        old = out.get(key)
        total = (old["attempts"] if old else 0) + 1
        if a["before_reset"]:
            if old is None or old.get("before_reset"):
                out[key] = {**_cell(run, a), "status": "reset", "attempts": total, "failed": 0,
                            "done": False,
                            "wrong": None, "prediction_right": None, "died_at": None,
                            "before_reset": True, "since": resets.get(key)}
            continue
        counted = old if old and not old.get("before_reset") else None
        failed = (counted["failed"] if counted else 0) + a["failed"]
        done = bool(counted and counted["done"]) or a["status"] == "passed" or (
            a["status"] == "ran" and not a["failed"])
        wrong = a["prediction_text"] if a["prediction_right"] is False else (
            counted["wrong"] if counted else None)
        out[key] = {**_cell(run, a), "attempts": total, "failed": failed, "wrong": wrong,
                    "done": done, "since": resets.get(key)}
    return out


def _cell(run: Run, a: dict) -> dict:
    return {"lesson": run.lesson, "step": run.step, "run": run.uid, "status": a["status"],
            "ok": a["ok"], "rules": a["rules"], "prediction": a["prediction"],
            "prediction_text": a["prediction_text"], "prediction_msg": a.get("prediction_msg"),
            "prediction_right": a["prediction_right"], "died_at": a["died_at"]}


def row(learner: Learner, runs=None, now: float | None = None) -> dict:
    """A learner's board row: where they are, their cells, and their state now
    (idle, stuck...: ``roomview.learner_state``)."""
    w = learner.workshop
    runs = list(runs if runs is not None else learner.runs.order_by("created", "pk"))
    on_exp = bool(w.experiment) and learner.on_experiment
    out = {"learner": learner.pk, "name": learner.name, "lesson": learner.lesson,
           "step": learner.step, "ahead": learner.ahead, "cells": cells(learner, runs),
           **roomview.experiment_runs(w, runs),
           # on the room's experiment (their page said so), while the room is on one
           "on_experiment": on_exp,
           "with_room": on_exp if w.experiment else (
               (learner.lesson, learner.step) == (w.lesson, w.step) and not learner.on_experiment),
           "sockets": learner.connections, "socket_seen": roomview.iso(learner.socket_seen),
           "active": roomview.iso(learner.active),
           "arrived": roomview.iso(learner.arrived or learner.joined)}
    return {**out, **roomview.learner_state(out, now or roomview.now())}


def board(workshop: Workshop, lessons_dir=None) -> dict:
    """Everything the board shows: the steps, one row per learner, the room view."""
    known = registry.all_lessons(lessons_dir)
    steps = [{"lesson": s, "step": st.number, "title": st.title, "try_it": st.try_it}
             for s in workshop.lessons if s in known for st in known[s].steps]
    now = roomview.now()
    learners = (workshop.learners.filter(removed=False).select_related("workshop")
                .prefetch_related(Prefetch("runs", queryset=Run.objects.order_by("created", "pk"))))
    rows = [row(lrn, list(lrn.runs.all()), now) for lrn in learners]
    return {"code": workshop.code, "title": workshop.title, "seats": workshop.seats,
            "closed": workshop.closed, "where": workshop.where(),
            "spotlight": workshop.spotlight or None, "steps": steps, "rows": rows,
            "room": room(rows), "paused": workshop.paused,
            "experiment": workshop.experiment or None,
            "summaries": roomview.summaries(steps, rows), "counts": roomview.counts(rows),
            "thresholds": roomview.THRESHOLDS}


def room(rows: list[dict]) -> dict:
    """Per hook (table), how many learners' packets died there, at their latest runs."""
    out: dict[str, int] = {}
    for r in rows:
        for c in r["cells"].values():
            if c["died_at"]:
                out[c["died_at"]] = out.get(c["died_at"], 0) + 1
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell_text(value) -> str:
    """A CSV cell a spreadsheet will not run: text that begins like a formula gets a
    leading apostrophe (OWASP's advice for CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


# the CSV's column headers, in the language of the request that exports it (the instructor's)
CSV_HEADERS = [
    pgettext_lazy("csv header", "learner"),
    pgettext_lazy("csv header", "lesson"),
    pgettext_lazy("csv header", "step"),
    pgettext_lazy("csv header", "attempt"),
    pgettext_lazy("csv header", "status"),
    pgettext_lazy("csv header", "traffic_ok"),
    pgettext_lazy("csv header", "prediction"),
    pgettext_lazy("csv header", "prediction_right"),
    pgettext_lazy("csv header", "died_at"),
    pgettext_lazy("csv header", "rules"),
    pgettext_lazy("csv header", "run"),
    pgettext_lazy("csv header", "created"),
    pgettext_lazy("csv header", "before_reset"),
    pgettext_lazy("csv header", "experiment"),
]


def export_csv(workshop: Workshop, lang: str = "en") -> str:
    """One row per attempt (every run of every learner, oldest first), its prediction
    and rules in words of ``lang`` (the instructor's)."""
    buf = io.StringIO()
    w = _SafeWriter(csv.writer(buf))
    w.writerow([str(h) for h in CSV_HEADERS])
    for lrn in workshop.learners.all():
        keys = sorted({(r.lesson, r.step) for r in lrn.runs.all()},
                      key=lambda k: (_order(workshop, k[0]), k[1]))
        for lesson, step in keys:
            for a in roomview.attempts(lrn, lesson, step):
                w.writerow(_csv_row(lrn, lesson, step, a, lang))
        # then their experiments' runs: lesson and step are the base's, the experiment
        # its permalink's query (what the experiment page opens)
        for run, a in roomview.experiment_attempts(lrn):
            w.writerow(_csv_row(lrn, run.lesson, run.step, a, lang,
                                urlencode(experiment_query(run.result["experiment"]))))
    return buf.getvalue()


def _csv_row(lrn: Learner, lesson: str, step: int, a: dict, lang: str, exp: str = "") -> list:
    return [lrn.name, lesson, step, a["n"], a["status"], a["ok"],
            phrases.render_in(lang, phrases.from_wire(a["prediction_msg"])),
            "" if a["prediction_right"] is None else a["prediction_right"],
            a["died_at"] or "", roomview.rules_text(a["rules"], lang),
            a["run"], a["created"], a["before_reset"], exp]


def _order(workshop: Workshop, lesson: str) -> int:
    return workshop.lessons.index(lesson) if lesson in workshop.lessons else len(workshop.lessons)


class _SafeWriter:
    """csv.writer whose every cell goes through :func:`cell_text`."""

    def __init__(self, writer):
        self.writer = writer

    def writerow(self, row):
        self.writer.writerow([cell_text(v) for v in row])


def lab_capacity(config) -> dict:
    """The sandbox cap of this process's lab and what it comes from, for the board
    (worded there, from the catalogue): the setting, or the memory available now at
    ``SANDBOX_MIB`` a sandbox with half kept free, or a fixed fallback."""
    cap, kib, _ = sandbox_cap(config)
    source = "setting" if config.max_sandboxes > 0 else "memory" if kib else "fallback"
    return {"capacity": cap, "source": source,
            "available_mib": kib // 1024 if kib else None, "sandbox_mib": SANDBOX_MIB}


def capacity(config) -> int:
    """How many sandboxes this machine can hold now: the lab's cap, bounded by what
    the memory available now holds."""
    cap, kib, _ = sandbox_cap(config)
    return cap if kib is None else min(cap, sandboxes_held(kib))
