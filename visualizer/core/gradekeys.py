"""More ``expect`` keys for the grader (issue 19): kept out of grader.py to keep it small.

Each reads the kernel's trace events or the run's result:
``no_nflog`` (none of these NFLOG prefixes logged), ``icmp_error`` (an ICMP error
journey came back, optionally of one kind), ``ct_related`` (the kernel marked a
packet of the run conntrack state related), ``refused`` (a TCP connection was
refused, not timed out: the run's ``refused`` count or an ICMP error / reset seen)
and ``left_by`` (the bridge ports a frame left by, from the oif of bridge OUTPUT
and POSTROUTING events).  ``http_status`` and ``http_body`` read an ``http`` item's
response as curl printed it (the result's ``http_status``, ``http_body``; with none,
``http_error`` says whether the connection was refused or the request timed out).
``validate`` checks a step's values when its lesson loads.
"""
from __future__ import annotations

from . import errors, phrases

ICMP_ERRORS = {"port-unreachable": (3, 3), "admin-prohibited": (3, 13)}
KEYS = ("no_nflog", "icmp_error", "ct_related", "refused", "left_by", "http_status",
        "http_body")
MAX_BODY_TEXT = 200

phrases.define({
    "grade.no_nflog.want": "not logged: {prefixes}",
    "grade.no_nflog.got": "logged: {got}",
    "grade.no_nflog.nothing": "none of them logged",
    "grade.icmp_error.want_any": "an ICMP error comes back",
    "grade.icmp_error.want_kind": "an ICMP error comes back: {kind}",
    "grade.icmp_error.want_none": "no ICMP error comes back",
    "grade.icmp_error.got": "ICMP errors: {kinds}",
    "grade.icmp_error.none": "no ICMP error",
    "grade.ct_related.want": "a packet in conntrack state related",
    "grade.ct_related.want_none": "no packet in conntrack state related",
    "grade.ct_related.got": "state related: {summaries}",
    "grade.ct_related.none": "no packet in state related",
    "grade.refused.want": "the connection is refused",
    "grade.refused.want_not": "the connection is not refused (it times out or connects)",
    "grade.refused.got": "refused ({why})",
    "grade.refused.not": "not refused",
    "grade.left_by.want": "a frame leaves the bridge by {ports}",
    "grade.left_by.got": "left by {ports}",
    "grade.left_by.got_missing": "left by {ports}; not by {missing}",
    "grade.left_by.none": "no frame left a bridge port",
    "grade.http_status.want": "an HTTP response with status {status}",
    "grade.http_status.got": "HTTP status {status}",
    "grade.http_body.want": "the response's body contains {text}",
    "grade.http_body.got": "body: {body}",
    "grade.http.none": "no HTTP response",
    "grade.http.none_refused": "no HTTP response: the connection was refused",
    "grade.http.none_timed_out": "no HTTP response: the request timed out",
})


def _kind(ev: dict) -> str:
    for name, tc in ICMP_ERRORS.items():
        if (ev.get("icmp_type"), ev.get("icmp_code")) == tc:
            return name
    return f"type {ev.get('icmp_type')} code {ev.get('icmp_code')}"


def _error_events(run) -> list[dict]:
    from .icmperr import ERROR_TYPES
    return [ev for ev in run.events
            if ev.get("proto") == "icmp" and ev.get("icmp_type") in ERROR_TYPES]


def no_nflog(e, run, prefixes):
    from .grader import Check
    got = sorted({ev["prefix"] for ev in run.events if ev["source"] == "nflog"}
                 & set(prefixes))
    return Check("no_nflog", phrases.msg("grade.no_nflog.want", prefixes=list(prefixes)),
                 phrases.msg("grade.no_nflog.got", got=got) if got
                 else phrases.msg("grade.no_nflog.nothing"), not got)


def icmp_error(e, run, want):
    from .grader import Check
    kinds = sorted({_kind(ev) for ev in _error_events(run)})
    if want is False:
        wanted, ok = phrases.msg("grade.icmp_error.want_none"), not kinds
    elif want is True:
        wanted, ok = phrases.msg("grade.icmp_error.want_any"), bool(kinds)
    else:
        wanted, ok = phrases.msg("grade.icmp_error.want_kind", kind=want), want in kinds
    return Check("icmp_error", wanted, phrases.msg("grade.icmp_error.got", kinds=kinds)
                 if kinds else phrases.msg("grade.icmp_error.none"), ok)


def ct_related(e, run, want):
    from .grader import Check
    ids = {ev["journey"] for ev in run.kernel if "related" in (ev.get("ct_state") or "")}
    seen = [j["summary"] for j in run.result.get("journeys", []) if j["id"] in ids][:4]
    return Check("ct_related", phrases.msg("grade.ct_related.want" if want
                                           else "grade.ct_related.want_none"),
                 phrases.msg("grade.ct_related.got", summaries=seen) if ids
                 else phrases.msg("grade.ct_related.none"), bool(ids) is bool(want))


def refused(e, run, want):
    """Refused: the run counted an ICMP error back, or one was traced, or a TCP reset
    (flag RST) came back; a timeout shows none of them (derived from those)."""
    from .grader import Check
    why = []
    if run.result.get("refused"):
        why.append(f"refused={run.result['refused']}")
    why += sorted({_kind(ev) for ev in _error_events(run)})
    if any("RST" in (ev.get("tcp_flags") or "").split(",") for ev in run.kernel):
        why.append("tcp reset")
    got = bool(why)
    return Check("refused", phrases.msg("grade.refused.want" if want else "grade.refused.want_not"),
                 phrases.msg("grade.refused.got", why=", ".join(why)) if got
                 else phrases.msg("grade.refused.not"), got is bool(want))


def left_by(e, run, ports):
    from .grader import Check
    got = sorted({ev["oif"] for ev in run.kernel if ev["family"] == "bridge"
                  and ev["hook"] in ("output", "postrouting") and ev.get("oif")})
    missing = [p for p in ports if p not in got]
    wanted = phrases.msg("grade.left_by.want", ports=list(ports))
    if not got:
        return Check("left_by", wanted, phrases.msg("grade.left_by.none"), False)
    return Check("left_by", wanted, phrases.msg("grade.left_by.got_missing", ports=got,
                                                missing=missing) if missing
                 else phrases.msg("grade.left_by.got", ports=got), not missing)


def _no_response(run):
    why = run.result.get("http_error")
    return phrases.msg({"refused": "grade.http.none_refused",
                        "timed out": "grade.http.none_timed_out"}.get(why, "grade.http.none"))


def http_status(e, run, want):
    from .grader import Check
    got = run.result.get("http_status") or 0
    return Check("http_status", phrases.msg("grade.http_status.want", status=want),
                 phrases.msg("grade.http_status.got", status=got) if got
                 else _no_response(run), got == want)


def http_body(e, run, text):
    from .grader import Check
    body = run.result.get("http_body") or ""
    said = phrases.msg("grade.http_body.got", body=body.strip()[:MAX_BODY_TEXT]) \
        if run.result.get("http_status") else _no_response(run)
    return Check("http_body", phrases.msg("grade.http_body.want", text=text), said,
                 bool(run.result.get("http_status")) and text in body)


CHECKS = {"no_nflog": no_nflog, "icmp_error": icmp_error, "ct_related": ct_related,
          "refused": refused, "left_by": left_by, "http_status": http_status,
          "http_body": http_body}


def validate(expect: dict, where: str) -> None:
    """A clear error for a bad value of one of these keys (raises LessonError)."""
    from . import gradecapture
    from .traffic import LessonError
    gradecapture.validate(expect, where)
    for key in ("no_nflog", "left_by"):
        v = expect.get(key)
        if v is not None and (not isinstance(v, list) or not all(isinstance(x, str) and x
                                                                   for x in v)):
            raise LessonError(errors.at(where, "error.lesson.expect_names", key=key, value=repr(v)))
    v = expect.get("icmp_error")
    if v is not None and not isinstance(v, bool) and v not in ICMP_ERRORS:
        raise LessonError(errors.at(where, "error.lesson.expect_icmp", kinds=", ".join(sorted(ICMP_ERRORS)),
                               value=repr(v)))
    for key in ("ct_related", "refused"):
        if key in expect and not isinstance(expect[key], bool):
            raise LessonError(errors.at(where, "error.lesson.expect_bool", key=key, value=repr(expect[key])))
    v = expect.get("http_status")
    if v is not None and (isinstance(v, bool) or not isinstance(v, int) or not 100 <= v <= 599):
        raise LessonError(errors.at(where, "error.lesson.expect_status", value=repr(v)))
    v = expect.get("http_body")
    if v is not None and (not isinstance(v, str) or not 0 < len(v) <= MAX_BODY_TEXT):
        raise LessonError(errors.at(where, "error.lesson.expect_body", most=MAX_BODY_TEXT, value=repr(v)))
