"""``manage.py workshop create "<title>" --lessons a,b [--seats N] [--instructor USER]``:
make a workshop; print its join code and the instructor's link."""
from __future__ import annotations

import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.urls import reverse

from visualizer.learn.config import lab_config
from visualizer.workshops import room


class Command(BaseCommand):
    help = "Create a workshop and print its join code and the instructor's board link."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a workshop")
        create.add_argument("title")
        create.add_argument("--lessons", required=True, help="lesson slugs, comma-separated")
        create.add_argument("--seats", type=int, default=30)
        create.add_argument("--instructor", help="username of an instructor (default: none; "
                                                 "superusers may run every workshop)")
        create.add_argument("--base-url", default="http://127.0.0.1:8000",
                            help="where the app is served, for the printed links")

    def handle(self, *args, **opts):
        user = None
        if opts.get("instructor"):
            user = get_user_model().objects.filter(username=opts["instructor"]).first()
            if user is None:
                self.stderr.write(f"error: no user {opts['instructor']!r} "
                                  "(make one with manage.py createsuperuser)")
                sys.exit(2)
        lessons = [s.strip() for s in opts["lessons"].split(",") if s.strip()]
        try:
            w = room.create(opts["title"], lessons, opts["seats"], user,
                            lab_config().lessons_path)
        except room.WorkshopError as e:
            self.stderr.write(f"error: {e}")
            sys.exit(2)
        base = opts["base_url"].rstrip("/")
        self.stdout.write(f"join code: {w.code}")
        self.stdout.write(f"learners:  {base}{reverse('join')}?code={w.code}")
        self.stdout.write(f"board:     {base}{reverse('board', args=[w.code])}")
