"""``manage.py verify_lessons [slug ...]``: run every step live and grade it.

One line per step (what was expected, what the kernel showed), then
``N passed, M failed``; the exit code is 1 if any step failed.  ``--lang LANG``
(repeatable) also reports every translation of the lessons into LANG that is missing
or stale (``core/translations.py``), ``LANG: N missing, M stale``; any is a failure.  The grader
is the product's own (``visualizer.core.grader``), the one in every run's
result.
"""
from __future__ import annotations

import asyncio
import sys

from django.core.management.base import BaseCommand

from visualizer.learn.config import lab_config
from visualizer.core import lessons, translations
from visualizer.lab.client import LabClient, LabError, LabUnavailable


class Command(BaseCommand):
    help = "Run every step of the named lessons (default: all) live and grade each."

    def add_arguments(self, parser):
        parser.add_argument("lessons", nargs="*", metavar="slug")
        parser.add_argument("--verbose-checks", action="store_true",
                            help="print every check, not only the failed ones")
        parser.add_argument("--lang", action="append", default=[], choices=translations.LANGS,
                            help="also report the lessons' missing or stale translations "
                                 "into this language (repeatable)")
        parser.add_argument("--no-live", action="store_true",
                            help="with --lang: report the translations only, run nothing")

    def handle(self, *args, **opts):
        cfg = lab_config()
        try:
            todo = [lessons.get(s, cfg.lessons_path) for s in opts["lessons"]] or \
                list(lessons.all_lessons(cfg.lessons_path).values())
        except lessons.LessonError as e:
            self.stderr.write(f"error: {e}")
            sys.exit(2)
        for slug, why in lessons.load_errors(cfg.lessons_path).items():
            if not opts["lessons"] or slug in opts["lessons"]:
                self.stderr.write(f"warning: lesson {slug} does not load: {why}")
        untranslated = sum(self._translations(todo, lang) for lang in opts["lang"])
        if opts["no_live"]:
            sys.exit(1 if untranslated else 0)
        try:
            failed = asyncio.run(self._verify(cfg, todo, opts["verbose_checks"])) + untranslated
        except LabUnavailable as e:
            self.stderr.write(f"error: the live lab cannot start: {e.message}")
            sys.exit(3)
        sys.exit(1 if failed else 0)

    def _translations(self, todo, lang: str) -> int:
        """Print every missing or stale file of ``lang``; how many there are."""
        counts = {"missing": 0, "stale": 0}
        for lesson in todo:
            for name, state in translations.report(lesson, lang):
                counts[state] += 1
                self.stdout.write(f"{state.upper():7} {lang} {lesson.slug}/{name}")
        self.stdout.write(f"{lang}: {counts['missing']} missing, {counts['stale']} stale")
        return counts["missing"] + counts["stale"]

    async def _verify(self, cfg, todo, verbose: bool) -> int:
        client = LabClient(cfg.replace(warm_lessons=(), pool_size=1))
        passed = failed = 0
        try:
            for lesson in todo:
                for step in lesson.steps:
                    # a compare step runs under each docker ruleset it names, as the page does
                    for docker in step.compare or (None,):
                        if await self._step(client, lesson, step, docker, verbose):
                            passed += 1
                        else:
                            failed += 1
        finally:
            await client.stop()
        self.stdout.write(f"{passed} passed, {failed} failed")
        return failed

    async def _step(self, client, lesson, step, docker, verbose: bool) -> bool:
        """Run and grade one step (under ``docker``, if given); print what the kernel showed."""
        name = f"{lesson.slug} step {step.number}" + (f" (docker {docker})" if docker else "")
        try:
            result = await client.run("verify", lesson.slug, step.number, [], docker=docker)
        except LabUnavailable:
            raise
        except LabError as e:
            self.stdout.write(f"FAIL {name}: the run failed: {e.message}")
            return False
        g = result.get("grade") or {}
        ok = g.get("passed") is not False
        if ok:
            what = "ran (try-it: nothing expected)" if g.get("passed") is None else "ok"
            self.stdout.write(f"ok   {name}: {step.title}: {what}")
        else:
            self.stdout.write(f"FAIL {name}: {step.title}")
        for c in g.get("checks", []):
            if verbose or not c["ok"]:
                mark = "  ✓" if c["ok"] else "  ✗"
                self.stdout.write(f"{mark} {c['key']}: expected {c['expected']}; "
                                  f"the kernel showed {c['observed']}")
        return ok
