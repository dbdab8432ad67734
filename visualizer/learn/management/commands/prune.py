"""``manage.py prune [--days N]``: delete recorded runs older than N days."""
from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from visualizer.learn.pruning import prune


class Command(BaseCommand):
    help = "Delete recorded runs older than RUNS_KEEP_DAYS (or --days)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None,
                            help=f"keep this many days (default RUNS_KEEP_DAYS, now "
                                 f"{settings.RUNS_KEEP_DAYS})")

    def handle(self, *args, **opts):
        n = prune(opts["days"])
        self.stdout.write(f"pruned {n} run(s)")
