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

from . import errortext  # noqa: F401  (defines the error.* phrases in every process)
from . import phrases

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
    """A refusal or failure with a kind from :data:`KINDS` and a message for the user.

    The message is a catalogue message (``phrases.Msg``, the ``error.*`` ids of
    core/errortext.py): the wire carries its English text as ``message`` and its
    id and parameters as ``message_msg``, which each page renders in its own
    language.  A plain string is only for text no catalogue holds (a tool's own
    output, an exception's text from a library), wrapped by the raiser in a Msg
    where it reaches a user; ``msg`` is then None."""

    kind = INTERNAL

    def __init__(self, message: "str | phrases.Msg", kind: str | None = None):
        self.msg = message if isinstance(message, phrases.Msg) else None
        message = message.text() if self.msg else message
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


def make(kind: str, message: str, message_msg: dict | None = None) -> Error:
    """The exception for ``kind`` (a kind received on the wire, say), with its
    catalogue message when the wire carried one (``message_msg``)."""
    text = message
    if isinstance(message_msg, dict) and message_msg.get("id") in phrases.CATALOGUE:
        text = phrases.from_wire(message_msg)
    return _BY_KIND.get(kind, Error)(text, kind if kind in KINDS else INTERNAL)


say = phrases.msg      # an error's catalogue message: an error.* id and its parameters


def at(field: str, why, **args) -> phrases.Msg:
    """``{field}: {why}`` (error.field), a refusal naming where it is: ``why`` an error.* id
    (with ``args``), a message, or a text no catalogue holds (another error's)."""
    if isinstance(why, str) and why in phrases.CATALOGUE:
        why = say(why, **args)
    return say("error.field", field=field, why=why)


def from_exception(exc: BaseException, timeout_message=None, other: str = LAB) -> Error:
    """Any exception caught at a seam -> an :class:`Error` with the right kind.  Ours
    keep theirs; a timeout is ``timeout``; a missing engine is ``unavailable``;
    anything else is ``other`` (the lab's failure, or a bug of ours: ``internal``),
    named by its type."""
    if isinstance(exc, Error):
        return exc
    if isinstance(exc, TimeoutError):      # asyncio.TimeoutError is this one (3.11)
        return Timeout(timeout_message or say("error.took_too_long"))
    if isinstance(exc, ImportError):
        return Unavailable(say("error.not_installed", why=str(exc)))
    return _BY_KIND.get(other, Error)(say("error.failed", what=type(exc).__name__, why=str(exc)),
                                      other if other in KINDS else INTERNAL)
