"""The one list of error kinds, and the one exception hierarchy that carries them.

Every error message on the wire (``lab.error``, ``workshop.error``,
``board.error``) carries one of these kinds as ``kind``; the UI chooses its
wording by kind, and nothing else invents one.  Each seam (the lab server, the
lab client, the consumers, the CLI) turns whatever it caught into an
:class:`Error` with :func:`from_exception`, the way httpx maps transport
errors once in ``_exceptions.py``, and only then into a message
(``core/messages.py``).
"""
from __future__ import annotations

INPUT = "input"              # the request is wrong: fix it and retry (unknown lesson, bad rule)
FORBIDDEN = "forbidden"      # a rule option or action the lab refuses on principle
BUSY = "busy"                # a run is already going on this connection
RATE = "rate_limited"        # too many runs from this browser or address: wait a little
FULL = "lab_full"            # every sandbox stayed busy past the time in line: try again later
UNAVAILABLE = "unavailable"  # the lab cannot start on this machine (the message says why)
TIMEOUT = "timeout"          # the run took too long
LAB = "lab"                  # the lab failed this run; other learners are unaffected
INTERNAL = "internal"        # a bug: logged on the server

KINDS = (INPUT, FORBIDDEN, BUSY, RATE, FULL, UNAVAILABLE, TIMEOUT, LAB, INTERNAL)


class Error(Exception):
    """A refusal or failure with a kind from :data:`KINDS` and a message for the user."""

    kind = INTERNAL

    def __init__(self, message: str, kind: str | None = None):
        super().__init__(message)
        self.message = message
        if kind is not None:
            if kind not in KINDS:
                raise ValueError(f"unknown error kind {kind!r}")
            self.kind = kind


class InputError(Error, ValueError):
    """The request is wrong (kind ``input``, or ``forbidden`` for a refused option)."""

    kind = INPUT


class Forbidden(InputError):
    kind = FORBIDDEN


class Busy(Error):
    kind = BUSY


class RateLimited(Error):
    kind = RATE


class LabFull(Error):
    """Waited in line past ``LabConfig.queue_timeout``: never "did not finish", because
    the run never started."""

    kind = FULL


class Unavailable(Error):
    kind = UNAVAILABLE


class Timeout(Error):
    kind = TIMEOUT


class LabFailed(Error):
    kind = LAB


_BY_KIND = {cls.kind: cls for cls in (InputError, Forbidden, Busy, RateLimited, LabFull, Unavailable,
                                      Timeout, LabFailed, Error)}


def make(kind: str, message: str) -> Error:
    """The exception for ``kind`` (a kind received on the wire, say)."""
    return _BY_KIND.get(kind, Error)(message, kind if kind in KINDS else INTERNAL)


def from_exception(exc: BaseException, timeout_message: str = "the run took too long",
                   other: str = LAB) -> Error:
    """Any exception caught at a seam -> an :class:`Error` with the right kind.  Ours
    keep theirs; a timeout is ``timeout``; a missing engine is ``unavailable``;
    anything else is ``other`` (the lab's failure, or a bug of ours: ``internal``),
    named by its type."""
    if isinstance(exc, Error):
        return exc
    if isinstance(exc, TimeoutError):      # asyncio.TimeoutError is this one (3.11)
        return Timeout(timeout_message)
    if isinstance(exc, ImportError):
        return Unavailable(f"The lab engine is not installed here ({exc}).")
    return make(other, f"{type(exc).__name__}: {exc}")
