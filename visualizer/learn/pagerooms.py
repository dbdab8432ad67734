"""Which workshop room a page of this app is opened for (``?room=CODE``).

A workshop's learner is sent to the experiment page with the room's code in its URL
(the workshops app's ``workshop.js``); the page then says it is the room's and follows
the instructor.  This app does not know about workshops: it asks its listeners
(``page_room``; the workshops app answers), as recording.py does for a run.
"""
from __future__ import annotations

from django.dispatch import Signal

# sender=None, code=str, owner=str (the browser's session key); a receiver returns
# the room's code when this browser is seated in that open room, else None
page_room = Signal()
MAX_CODE = 12


def room_of(request) -> tuple[str | None, str | None]:
    """(the room's code this page is opened for, or None; the code asked for and
    refused, or None): an unknown room, or one this browser is not seated in, is
    ignored, and the page says so."""
    asked = str(request.GET.get("room") or "").strip()[:MAX_CODE]
    if not asked:
        return None, None
    session = getattr(request, "session", None)
    owner = (session.session_key if session is not None else None) or ""
    for _, code in page_room.send(sender=None, code=asked, owner=owner):
        if code:
            return code, None
    return None, asked
