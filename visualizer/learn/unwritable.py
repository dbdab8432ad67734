"""When the database cannot be written, pages still render and runs are still delivered.

A read-only SQLite file, a full disk, a database locked too long, a read-only
PostgreSQL replica: Django raises ``OperationalError`` (``InternalError`` for
PostgreSQL's read-only transaction).  Then a run reaches its learner with
:data:`NOT_SAVED` (``runs.py``), a page that only reads renders as always (the
session middleware sends it without a cookie it cannot save, ``sessions.py``),
and a page whose own write fails (joining, a new workshop, signing in) says so
with a 503: each logged as a warning, never a 500.
"""
from __future__ import annotations

import logging

from django.db.utils import InternalError, OperationalError
from django.shortcuts import render

from .config import lessons

log = logging.getLogger(__name__)

NOT_SAVED = "not saved: the database cannot be written right now"


def cannot_write(exc: BaseException) -> bool:
    """Whether ``exc`` says the database cannot take a write now (not a bug here)."""
    return isinstance(exc, (OperationalError, InternalError))


class UnwritableMiddleware:
    """A view that fails to write renders a page that says so (503), logged as a warning."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not cannot_write(exception):
            return None
        log.warning("%s %s: %s (%s)", request.method, request.path, NOT_SAVED, exception)
        return render(request, "404.html", {
            "heading": "Not saved", "lessons": lessons().values(),
            "message": "Nothing was saved: the database cannot be written right now. "
                       "Try again in a moment; lessons and recorded runs still open."},
                      status=503)
