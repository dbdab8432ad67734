"""Old runs go: the database would otherwise grow by every run (~19 KiB each, README).

``RUNS_KEEP_DAYS`` says how long a run is kept (0: for ever); ``RUNS_PRUNE_AUTO``
prunes as runs are recorded, at most once every ``PRUNE_EVERY_S`` per process
(a clock kept here only to save work: any process may prune), and
``manage.py prune`` does it by hand.
"""
from __future__ import annotations

import time
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from .models import Run

PRUNE_EVERY_S = 3600.0
_last = [float("-inf")]


def prune(days: int | None = None) -> int:
    """Delete runs older than ``days`` (default: the setting); returns how many."""
    days = settings.RUNS_KEEP_DAYS if days is None else days
    if days <= 0:
        return 0
    deleted, _ = Run.objects.filter(created__lt=timezone.now() - timedelta(days=days)).delete()
    return deleted


def maybe_prune() -> int:
    """Prune when it is time (in the database thread, after a run is saved)."""
    if not settings.RUNS_PRUNE_AUTO or time.monotonic() - _last[0] < PRUNE_EVERY_S:
        return 0
    _last[0] = time.monotonic()
    return prune()
