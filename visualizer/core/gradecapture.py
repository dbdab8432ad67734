"""The ``captured`` expect key: what the capture on a device saw (issue 19).

``captured = { docker0 = 2, veth-c2 = 0 }`` (or ``true`` / ``false`` for "some" / "none"):
for each device, the frames its capture recorded of the traffic's protocol addressed
to the traffic's destination, in either direction: the requests as that device saw
them.  A frame counts for the journeys of the run (or of the traffic item) being graded,
or when no trace event matched it to any.  Device names are the result's ``captures``
keys: a host interface (``docker0``, ``veth-c1``) or ``ns:dev`` (``wan:eth0``).
A capture on a bridge device sees the frames the bridge passes up to the host: its own,
broadcasts, and every frame while the bridge is in promiscuous mode
(``ip link set dev docker0 promisc on``).  ``validate`` checks the value at load.
"""
from __future__ import annotations

import re

from . import errors, phrases

KEYS = ("captured",)
MAX_COUNT = 1000
_DEVICE = re.compile(r"([A-Za-z0-9-]{1,15}:)?[A-Za-z0-9._-]{1,15}")

phrases.define({
    "grade.captured.want_n": "the capture on {dev} sees {n} {proto} frames to {dst}",
    "grade.captured.want_some": "the capture on {dev} sees {proto} frames to {dst}",
    "grade.captured.want_none": "the capture on {dev} sees no {proto} frame to {dst}",
    "grade.captured.got": "{dev}: {n} ({directions})",
    "grade.captured.got_none": "{dev}: none",
    "grade.captured.no_capture": "{dev}: no capture ran on it (captures: {names})",
})


def frames_to(e, result: dict, dev: str) -> list[dict] | None:
    """The capture on ``dev``'s frames of the traffic's protocol addressed to its
    destination, of the result's journeys or of none; None: no capture on ``dev``."""
    pkts = result.get("captures", {}).get(dev)
    if pkts is None:
        return None
    ids = {j["id"] for j in result.get("journeys", [])}
    return [p for p in pkts if p.get("proto") == e.proto and p.get("dst") == e.dst
            and (p.get("journey") is None or p.get("journey") in ids)]


def _one(e, result: dict, dev: str, want) -> tuple:
    """(expected, observed, ok) for one device."""
    args = {"dev": dev, "proto": e.proto, "dst": e.dst}
    if want is True:
        wanted = phrases.msg("grade.captured.want_some", **args)
    elif want is False or want == 0:
        wanted = phrases.msg("grade.captured.want_none", **args)
    else:
        wanted = phrases.msg("grade.captured.want_n", n=want, **args)
    got = frames_to(e, result, dev)
    if got is None:
        return wanted, phrases.msg("grade.captured.no_capture", dev=dev,
                                   names=sorted(result.get("captures", {}))), False
    n = len(got)
    ok = n > 0 if want is True else n == 0 if want is False else n == want
    if not n:
        return wanted, phrases.msg("grade.captured.got_none", dev=dev), ok
    dirs = sorted({p.get("direction") or "?" for p in got})
    return wanted, phrases.msg("grade.captured.got", dev=dev, n=n, directions=dirs), ok


def captured(e, run, want: dict):
    from .grader import Check, joined
    said = [_one(e, run.result, dev, w) for dev, w in want.items()]
    return Check("captured", joined([x[0] for x in said]), joined([x[1] for x in said]),
                 all(x[2] for x in said))


CHECKS = {"captured": captured}


def validate(expect: dict, where: str) -> None:
    """A clear error for a bad ``captured`` value (raises LessonError)."""
    from .traffic import LessonError
    v = expect.get("captured")
    if v is None:
        return
    good = isinstance(v, dict) and bool(v) and all(
        isinstance(dev, str) and _DEVICE.fullmatch(dev)
        and (isinstance(n, bool) or (isinstance(n, int) and 0 <= n <= MAX_COUNT))
        for dev, n in v.items())
    if not good:
        raise LessonError(errors.at(where, 
            "error.lesson.expect_captured", most=MAX_COUNT, value=repr(v)))
