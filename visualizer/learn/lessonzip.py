"""``/runs/<uid>/lesson.zip``: save a recorded experiment's run as a lesson folder.

The folder (``core/lessonexport.py``) expects what the run observed, so
``verify_lessons`` passes it; unzip it into a lessons folder (LESSONS_DIR) that has
the shared ``_rulesets`` and ``_topologies``.  A lesson step's run is not an
experiment: its lesson already exists, so it gets a 404 saying so.
"""
from __future__ import annotations

import io
import zipfile

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _

from ..core import experiment, lessonexport, lessons
from .config import lab_config
from .models import Run


def _refuse(text: str) -> HttpResponse:
    return HttpResponse(text + "\n", status=404, content_type="text/plain; charset=utf-8")


def folder_zip(slug: str, files: dict[str, str]) -> bytes:
    """The lesson folder as a zip: every file under ``<slug>/``."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in sorted(files.items()):
            z.writestr(f"{slug}/{name}", text)
    return buf.getvalue()


def export_run(run: Run) -> tuple[str, dict[str, str]]:
    """(slug, files) of the lesson a recorded experiment's run saves as; the experiment
    is checked again (the lessons may have changed since): ExperimentError or
    LessonError when it no longer holds."""
    cfg = lab_config()
    root = settings.LESSONS_DIR
    known = lessons.all_lessons(root)
    exp = experiment.check(run.result["experiment"], known, root, cfg.max_rules,
                           cfg.max_rule_len)
    return lessonexport.files(exp, run.result, run.events, known, root,
                              slug=lessonexport.slug_of(exp, run.uid[:8]))


def run_lesson(request, uid: str):
    run = Run.objects.filter(uid=uid).first()
    if run is None:
        return _refuse(_("no recorded run %(uid)s") % {"uid": uid})
    if not (run.result or {}).get("experiment"):
        return _refuse(_("recorded run %(uid)s is a run of a lesson step, not an experiment: "
                         "only an experiment's run saves as a lesson") % {"uid": uid})
    try:
        slug, files = export_run(run)
    except (experiment.ExperimentError, lessons.LessonError) as e:
        return _refuse(_("recorded run %(uid)s no longer saves as a lesson: %(why)s")
                       % {"uid": uid, "why": str(e)})
    resp = HttpResponse(folder_zip(slug, files), content_type="application/zip")
    resp["Content-Disposition"] = f'attachment; filename="{slug}.zip"'
    return resp
