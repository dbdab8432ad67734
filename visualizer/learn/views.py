"""Pages: the lesson list, a lesson step, and recorded runs (page, JSON, text)."""
from __future__ import annotations

import json
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.views import LoginView
from django.http import HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..core import lessons as registry
from ..core import dockersets, model, pcapexport, predict
from .config import lab_config
from .models import Progress, Run
from . import experiment_views, language, markup, sessions, throttle


def _lessons() -> dict:
    return registry.all_lessons(settings.LESSONS_DIR)


def not_found(request, message: str, status: int = 404):
    return render(request, "404.html", {"message": message, "lessons": _lessons().values()},
                  status=status)


def owner_of(request) -> str:
    """This browser's session key, what its runs and progress belong to; "" when it has
    none: viewing a page makes no session (``sessions.py``)."""
    return sessions.key_of(getattr(request, "session", None))


@require_POST
def session(request):
    """``POST /session/``: the lesson page's first Run makes the browser's session here,
    then opens the socket its run goes on (``sessions.py`` says why not in the socket)."""
    sessions.keep(request.session)
    return HttpResponse(status=204)


def progress_of(owner: str, lesson, rows: dict | None = None) -> dict:
    """{"steps": {n: PROGRESS}, "run": n, "total": n, "predicted", "predicted_right", "finished"};
    ``rows``: this lesson's progress rows by step, when already read."""
    if rows is None:
        found = Progress.objects.filter(owner=owner, lesson=lesson.slug) if owner else []
        rows = {p.step: p.as_dict() for p in found}
    graded = [s.number for s in lesson.steps if s.expect]
    return {"steps": rows, "run": len(rows), "total": len(lesson.steps),
            "predicted": sum(r["predicted"] for r in rows.values()),
            "predicted_right": sum(r["predicted_right"] for r in rows.values()),
            "finished": len(rows) == len(lesson.steps)
            and all(rows[n]["passed"] for n in graded if n in rows)}


def index(request):
    owner = owner_of(request)       # "": no session, so no runs or progress (not those of no one)
    runs = list(Run.objects.filter(owner=owner).only("uid", "lesson", "step", "created", "result")[:8]
                if owner else [])
    lessons = _lessons()
    for r in runs:
        r.ok = bool((r.result or {}).get("ok"))
        r.title = lessons[r.lesson].title if r.lesson in lessons else r.lesson
    mine: dict[str, dict] = {}          # one query for every lesson's progress
    for p in Progress.objects.filter(owner=owner) if owner else []:
        mine.setdefault(p.lesson, {})[p.step] = p.as_dict()
    cards = learning_path(lessons, {slug: progress_of(owner, lesson, mine.get(slug, {}))
                                    for slug, lesson in lessons.items()})
    return render(request, "learn/index.html", {"cards": cards, "runs": runs})


def learning_path(lessons: dict, progress: dict) -> list[dict]:
    """The lessons as a path, in their order: its number, "start here" on the first,
    "next" on the first one not finished once the learner has begun, and the source
    posts each lesson's facts come from (``_seeds.toml``; an unknown id is shown bare)."""
    seeds = registry.seeds(settings.LESSONS_DIR)
    begun = any(p["run"] for p in progress.values())
    nxt = next((slug for slug in lessons if not progress[slug]["finished"]), None) if begun else None
    return [{"lesson": lesson, "progress": progress[slug], "number": n, "start": n == 1,
             "next": slug == nxt, "level": lesson.level, "minutes": lesson.minutes,
             "sources": [seeds.get(s) or registry.Seed(id=s, title="") for s in lesson.seeds]}
            for n, (slug, lesson) in enumerate(lessons.items(), start=1)]


def sources(request):
    """``/sources/``: the posts the lessons' facts come from, and the lessons that use each."""
    lessons = _lessons()
    used = {sid: [lesson for lesson in lessons.values() if sid in lesson.seeds]
            for sid in registry.seeds(settings.LESSONS_DIR)}
    return render(request, "learn/sources.html", {
        "seeds": [(seed, used[seed.id]) for seed in registry.seeds(settings.LESSONS_DIR).values()]})


def _steps(lesson) -> list[dict]:
    return [{"number": s.number, "title": s.title, "try_it": s.try_it} for s in lesson.steps]


def _page(request, lesson, step, run: Run | None = None):
    lesson, shown = language.localize(lesson, step.number)     # in the page's language
    step = lesson.step(step.number)
    ctx_step = {
        "number": step.number, "title": step.title, "try_it": step.try_it,
        "actions": [a.describe() for a in step.actions],
        "traffic": step.traffic.describe(), "commands": list(step.commands),
        # the protocols the step is about: the page shows their hops by default
        "about": list(step.about),
    }
    cfg = lab_config()
    number = step.number
    owner = owner_of(request)
    data = {
        "mode": "recorded" if run else "live",
        "lesson": lesson.slug, "step": ctx_step, "steps": _steps(lesson),
        "ws_path": "/ws/lab/", "model": model.as_dict(),
        "max_rules": cfg.max_rules, "max_rule_len": cfg.max_rule_len,
        "run": run.as_dict() if run else None,
        "run_urls": _run_urls(run) if run else None,
        # what the learner may predict before this step's run (core/predict.py)
        "prediction": {"offered": predict.offered(step),
                       "proto": step.traffic.proto,
                       "captures": list(step.predict_captures),
                       "capture_kinds": list(predict.CAPTURE_KINDS)},
        "progress": progress_of(owner, lesson),
        # whether the browser has its session yet (its first Run makes it, sessions.py),
        # and the token that POST carries
        "session": bool(owner), "csrf": None if run else get_token(request),
        # the sandbox as it is once steps 1..N have run (draw only what exists)
        "topology": lesson.topology.at(number).as_dict(),
        "urls": {"lesson": reverse("lesson", args=[lesson.slug]), "home": reverse("index"),
                 "step": reverse("lesson", args=[lesson.slug]) + "?step=",
                 "next": (reverse("lesson", args=[lesson.slug]) + f"?step={number + 1}")
                 if number < len(lesson.steps) else None,
                 "run_page": "/runs/{id}/", "run_json": "/runs/{id}.json",
                 "run_text": "/runs/{id}.txt", "run_pcapng": "/runs/{id}.pcapng",
                 "session": reverse("session")},
    }
    data["docker"] = _docker_switch(lesson, step)
    data.update(language.page_data())
    data["prefill_rules"] = prefill = _prefill(request, cfg) if step.try_it and not run else []
    data["present"] = request.GET.get("present") == "1"
    steps = list(lesson.steps)
    k = steps.index(step)
    return render(request, "learn/lesson.html", {
        "lesson": lesson, "step": step, "steps": steps, "run": run,
        # the setup and the question; the explanation is shown once the step has run here
        # (steptext.js), or at once for a recorded run
        "explain_html": markup.render(step.before), "after_html": markup.render(step.after),
        "ran_before": number in data["progress"]["steps"],
        "intro_html": markup.render(lesson.intro),
        "page_data": data, "recorded": bool(run), "progress": data["progress"],
        "in_english": shown,
        "prev_step": steps[k - 1] if k > 0 else None,
        "next_step": steps[k + 1] if k + 1 < len(steps) else None,
        "prefill": "\n".join(prefill), "present": data["present"],
        "live_again": _live_url(lesson, step, run) if run else None,
    })


def _docker_switch(lesson, step) -> dict:
    """The docker switch (lab.run's docker): offered where the lesson loads docker's rules
    and the step pins no version of its own, or compares several (its ``compare``)."""
    return {"own": dockersets.for_step(lesson, step).docker,
            "names": list(step.compare or dockersets.DOCKER), "compare": list(step.compare),
            "offer": dockersets.loads_docker(lesson) and (not step.docker or bool(step.compare))}


def _prefill(request, cfg) -> list[str]:
    """Rules for the rule box from ``?rule=...`` (a recorded run's "run it live"), within the limits."""
    rules = [r.strip() for r in request.GET.getlist("rule") if r.strip()]
    return [r[:cfg.max_rule_len] for r in rules[:cfg.max_rules]]


def _live_url(lesson, step, run: Run) -> str:
    """The lesson step a recorded run came from, its rules in the rule box."""
    query = {"step": run.step}
    if step.try_it and run.rules:
        query["rule"] = list(run.rules)
    return reverse("lesson", args=[lesson.slug]) + "?" + urlencode(query, doseq=True)


def _run_urls(run: Run) -> dict:
    """Its permalinks; "pcapng" only when the run kept its frames (recorded since 0006)."""
    urls = {"id": run.uid, "page": reverse("run", args=[run.uid]),
            "json": reverse("run-json", args=[run.uid]), "text": reverse("run-text", args=[run.uid])}
    if run.frames_z is not None:
        urls["pcapng"] = reverse("run-pcapng", args=[run.uid])
    return urls


def lesson_page(request, slug: str):
    lessons = _lessons()
    if slug not in lessons:
        return not_found(request, _("There is no lesson called “%(slug)s”. Pick one from the list.")
                         % {"slug": slug})
    lesson = lessons[slug]
    raw = request.GET.get("step", "1")
    try:
        number = int(raw)
        step = lesson.step(number)
    except (ValueError, registry.LessonError):
        return not_found(request, _("Lesson “%(lesson)s” has steps 1 to %(steps)d; "
                                    "there is no step “%(step)s”.")
                         % {"lesson": lesson.title, "steps": len(lesson.steps), "step": raw[:20]})
    return _page(request, lesson, step)


def _get_run(uid: str) -> Run | None:
    return Run.objects.filter(uid=uid).first()


def run_page(request, uid: str):
    run = _get_run(uid)
    if run is None:
        return not_found(request, _("There is no recorded run %(uid)s.") % {"uid": uid})
    if (run.result or {}).get("experiment"):    # an experiment's run: its own page
        return experiment_views.run_page(request, run)
    lessons = _lessons()
    if run.lesson not in lessons:
        return not_found(request, _("Recorded run %(uid)s belongs to lesson “%(lesson)s”, "
                                    "which no longer exists.") % {"uid": uid, "lesson": run.lesson})
    lesson = lessons[run.lesson]
    try:
        step = lesson.step(run.step)
    except registry.LessonError:
        step = lesson.steps[-1]
    return _page(request, lesson, step, run)


def run_json(request, uid: str):
    run = _get_run(uid)
    if run is None:
        return JsonResponse({"error": f"no recorded run {uid}"}, status=404)
    resp = HttpResponse(json.dumps(run.as_dict(), indent=1, default=str),
                        content_type="application/json")
    resp["Content-Disposition"] = f'attachment; filename="recorded-run-{uid}.json"'
    return resp


def run_text(request, uid: str):
    run = _get_run(uid)
    if run is None:
        return HttpResponse(_("no recorded run %(uid)s") % {"uid": uid} + "\n", status=404,
                            content_type="text/plain; charset=utf-8")
    return HttpResponse(run.as_text(), content_type="text/plain; charset=utf-8")


def run_pcapng(request, uid: str):
    """``/runs/<uid>.pcapng``: the run's captures for Wireshark (``core/pcapexport.py``)."""
    run = _get_run(uid)
    data = run.as_pcapng() if run is not None else None
    if data is None:
        why = (_("no recorded run %(uid)s") if run is None else
               _("recorded run %(uid)s was recorded before runs kept their frames: it has no "
                 "pcap-ng")) % {"uid": uid}
        return HttpResponse(why + "\n", status=404, content_type="text/plain; charset=utf-8")
    resp = HttpResponse(data, content_type=pcapexport.MEDIA_TYPE)
    resp["Content-Disposition"] = f'attachment; filename="recorded-run-{uid}.pcapng"'
    return resp


class ThrottledLogin(LoginView):
    """Django's sign-in, with attempts per client address limited (``LOGIN_PER_MINUTE``)."""

    def post(self, request, *args, **kwargs):
        wait = throttle.login_wait(request)
        if wait:
            form = self.get_form_class()(request)      # unbound: the password is not checked
            return self.render_to_response(self.get_context_data(
                form=form, throttled=_("too many tries from this address: wait %(wait)s s, "
                                       "then try again") % {"wait": wait}), status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        throttle.failed("login", self.request)
        return super().form_invalid(form)
