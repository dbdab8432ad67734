"""Workshop pages: join by code, the instructors' list and board, CSV export.

The board's live rows come over ``/ws/board/<code>/``; these views render
the page around it.  Learners need no account; instructors are Django users
with the ``workshops.run_workshop`` permission (superusers have it).
"""
from __future__ import annotations

import segno
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from ..core import phrases
from ..learn import language, sessions, throttle
from ..learn.shares import SEATED
from ..learn.config import lab_config, lessons
from ..learn.views import not_found
from ..learn.experiment_views import experiment_query
from ..learn.models import Run
from . import room, roomview
from .models import Workshop

PERM = "workshops.run_workshop"

phrases.define({
    "workshop.join_wait": "too many tries from this address: wait {wait} s, then try again",
    "workshop.page_no_code": "No workshop has that code.",
    "workshop.page_instructors": "The board is for this workshop's instructors.",
})


def _say(m) -> str:
    """A catalogue message (or a WorkshopError) in the page's language."""
    if isinstance(m, room.WorkshopError):
        if m.msg is None:
            return str(m)
        m = m.msg
    return phrases.render_in(language.current(), m)


def _lesson_url(w: Workshop) -> str:
    """Where the room is: its lesson step, or the experiment page of the experiment the
    instructor sent it (with ``room``: the page follows the room)."""
    if w.experiment:
        return reverse("experiment") + "?" + urlencode(
            experiment_query(w.experiment) + [("room", w.code)])
    where = w.where()
    return reverse("lesson", args=[where["lesson"]]) + f"?step={where['step']}"


def join(request):
    """``/join/``: the code and a display name; no account."""
    code = request.POST.get("code", request.GET.get("code", ""))
    error = None
    if request.method == "POST" and (wait := throttle.join_wait(request)):
        error = _say(phrases.msg("workshop.join_wait", wait=wait))
        return render(request, "workshops/join.html", {"code": code, "error": error,
                                                        "name": request.POST.get("name", "")},
                      status=429)
    if request.method == "POST":
        try:
            # a seat is something to keep: joining makes the browser's session
            learner = room.join(code, request.POST.get("name", ""), sessions.keep(request.session))
            request.session[SEATED] = learner.workshop.code     # see learn/shares.py
            return redirect(_lesson_url(learner.workshop))
        except room.WorkshopError as e:
            throttle.failed("join", request)
            error = _say(e)
    return render(request, "workshops/join.html", {"code": code, "error": error,
                                                    "name": request.POST.get("name", "")},
                  status=400 if error else 200)


@login_required
@permission_required(PERM, raise_exception=True)
def workshop_list(request):
    """``/workshops/``: the instructor's workshops, and a form to create one."""
    known = lessons()
    error = None
    if request.method == "POST":
        try:
            seats = int(request.POST.get("seats") or 30)
            w = room.create(request.POST.get("title", ""), request.POST.getlist("lessons"),
                            seats, request.user, lab_config().lessons_path)
            return redirect("board", code=w.code)
        except room.WorkshopError as e:
            error = _say(e)
        except ValueError as e:
            error = str(e)
    mine = Workshop.objects.all() if request.user.is_superuser else request.user.workshops.all()
    return render(request, "workshops/workshops.html", {
        "workshops": mine, "lessons": known.values(), "error": error})


def _instructed(request, code: str):
    try:
        w = Workshop.objects.filter(code=room.normalise_code(code)).first()
    except room.WorkshopError:
        w = None
    if w is None:
        return None, not_found(request, _say(phrases.msg("workshop.page_no_code")))
    if not room.may_run(request.user, w):
        return None, not_found(request, _say(phrases.msg("workshop.page_instructors")), 403)
    return w, None


@login_required
def board(request, code: str):
    """``/workshops/<code>/board/``: the join code large, a QR code, the live board."""
    w, refused = _instructed(request, code)
    if refused:
        return refused
    join_url = request.build_absolute_uri(reverse("join") + f"?code={w.code}")
    qr = segno.make(join_url, error="m").svg_inline(omitsize=True, dark="#10201c", light="#ffffff",
                                                    title=_("join code %(code)s") % {"code": w.code})
    return render(request, "workshops/board.html", {
        "workshop": w, "join_url": join_url, "qr": qr,
        # what board.js knows of the server (see learn/views.py's page_data)
        "page_data": {"code": w.code, "ws_path": f"/ws/board/{w.code}/", **language.page_data(),
                      "urls": {"export": reverse("workshop-export", args=[w.code]),
                               "run": _url_template("run", "id"),
                               "experiment": reverse("experiment"),
                               "present": _url_template("lesson", "lesson")
                               + "?step={step}&present=1"}}})


@login_required
def export(request, code: str):
    w, refused = _instructed(request, code)
    if refused:
        return refused
    resp = HttpResponse(room.export_csv(w, language.current()), content_type="text/csv; charset=utf-8")
    resp["Content-Disposition"] = f'attachment; filename="workshop-{w.code}.csv"'
    return resp


def _url_template(name: str, *fields: str) -> str:
    """A URL with ``{field}`` placeholders, for a script to fill (pagedata.js fillUrl)."""
    url = reverse(name, args=[f"__{f}__" for f in fields])   # a marker every converter takes
    for f in fields:
        url = url.replace(f"__{f}__", "{" + f + "}")
    return url


def _here(request, code: str = "") -> dict | None:
    """The lesson step this page shows, which a learner's page reports to the board; on
    the experiment page opened for the learner's room (``room``), that it is the room's
    experiment (the page reports the room's step with it)."""
    match = getattr(request, "resolver_match", None)
    if match is not None and match.url_name == "experiment":
        asked = str(request.GET.get("room") or "").strip().upper()
        return {"experiment": True} if code and asked == code else None
    if match is None or match.url_name != "lesson":
        return None
    try:
        step = int(request.GET.get("step") or 1)
    except ValueError:
        return None
    return {"lesson": match.kwargs["slug"], "step": step}


def _spotlit(request, workshop) -> dict | None:
    """On a run page the instructor's spotlight sent the learner to: that run's own
    prediction and rules in words (never the learner's), and whose it is if shown."""
    match = getattr(request, "resolver_match", None)
    if match is None or match.url_name != "run" or request.GET.get("spotlight") != "1":
        return None
    run = Run.objects.filter(uid=match.kwargs.get("uid"), learner__workshop=workshop).first()
    if run is None:
        return None
    spot = workshop.spotlight or {}
    return {"run": run.uid, **roomview.spotlit(run, language.current()),
            "name": spot.get("name") if spot.get("run") == run.uid else None}


def seat(request) -> dict:
    """Template context: the browser's workshop seat, for the banner on every page, and
    what workshop.js needs to follow the room (base.html renders it as JSON)."""
    key = request.session.session_key if hasattr(request, "session") else None
    learner = room.learner_of(key) if key else None
    if learner is None:
        return {}
    return {"seat": {"name": learner.name, "code": learner.workshop.code,
                     "title": learner.workshop.title, "ws_path": "/ws/workshop/",
                     "here": _here(request, learner.workshop.code),
                     "spotlit": _spotlit(request, learner.workshop),
                     "urls": {"lesson": _url_template("lesson", "lesson") + "?step={step}",
                              "experiment": reverse("experiment"),
                              "spotlight": _url_template("run", "id") + "?present=1&spotlight=1"}}}
