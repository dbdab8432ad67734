"""The recorded-run page of an experiment's run (``/runs/<uid>/`` of a Run whose result
holds ``"experiment"``).

A lesson step's run is shown on its lesson's page; an experiment has no lesson step of
its own, so its page lists the experiment's fields (base, docker, rules, sysctls,
listeners, traffic) and what the kernel reported, with the run's downloads: JSON,
text, pcap-ng and "Save as lesson" (``/runs/<uid>/lesson.zip``).
"""
from __future__ import annotations

from django.conf import settings
from django.shortcuts import render
from django.urls import reverse

from ..core import experiment as experiment_core
from ..core import lessons as registry
from .models import Run


def _base(exp: dict) -> dict:
    """The base as the page names it: the lesson's title and step, or none (plain)."""
    slug, _, step = str(exp.get("base") or "").partition(":")
    if not slug or slug == experiment_core.PLAIN:
        return {"plain": True}
    known = registry.all_lessons(settings.LESSONS_DIR)
    title = known[slug].title if slug in known else slug
    url = reverse("lesson", args=[slug]) + (f"?step={step}" if step else "")
    return {"plain": False, "slug": slug, "title": title, "step": step, "url": url}


def run_page(request, run: Run):
    """An experiment's recorded run: its fields, the kernel's report, its downloads."""
    exp = dict(run.result.get("experiment") or {})
    urls = {"page": reverse("run", args=[run.uid]), "json": reverse("run-json", args=[run.uid]),
            "text": reverse("run-text", args=[run.uid]),
            "lesson_zip": reverse("run-lesson", args=[run.uid])}
    if run.frames_z is not None:
        urls["pcapng"] = reverse("run-pcapng", args=[run.uid])
    return render(request, "learn/experiment_run.html", {
        "run": run, "exp": exp, "base": _base(exp), "urls": urls,
        "report": run.as_text(), "ok": bool(run.result.get("ok"))})
