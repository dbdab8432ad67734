"""A browser's session: read where it exists, made only when there is something to keep.

Runs and progress belong to the browser's session key.  Viewing a page makes no
session (a passer-by, a crawler, a link checker would each add a row that keeps
nothing): the index and lesson pages read the session if the browser has one, and
show empty progress if not.  A session is made when there is something to keep:

- the lesson page's first Run asks for it (``POST /session/``, ``views.session``),
  then sends the run on a socket opened after it: the socket's handshake carries
  the cookie, and the consumer records the run and the progress for it (the socket
  the page opened on loading, to have a sandbox built ahead, had no cookie: it is
  dropped, so a browser's very first Run may start without that head start);
- joining a workshop makes it (the seat belongs to it).

The websocket does not make one: a browser takes cookies from HTTP responses, and
a session made by the consumer after its handshake would never reach the browser,
so it would keep nothing (a reload would not find it).  A socket without a session
records its runs for no one: they open by their permalink only.
"""
from __future__ import annotations

import logging

from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware

from .unwritable import NOT_SAVED, cannot_write

log = logging.getLogger(__name__)


def key_of(session) -> str:
    """The session's key if it exists, else "" (nothing is made).  Reading it checks
    the store: a cookie whose session is gone names no one."""
    if session is None or not session.session_key:
        return ""
    session.get("seen")         # loads it; a key the store does not hold becomes None
    return session.session_key or ""


def keep(session) -> str:
    """The session's key, made now if the browser has none (the response sets its cookie)."""
    key = key_of(session)
    if not key:
        session["seen"] = True
        session.save()
        key = session.session_key
    return key


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's, except that a session the database cannot save is logged and the page
    goes out without its cookie (the browser keeps what it had)."""

    def process_response(self, request, response):
        try:
            return super().process_response(request, response)
        except Exception as e:
            if not cannot_write(e):
                raise
            log.warning("session of %s %s %s (%s)", request.method, request.path, NOT_SAVED, e)
            return response
