"""Docker then and now: the docker rulesets a lesson, a step or a run names.

``27`` is the layout docker wrote up to Engine 27 (``_rulesets/docker``, the
default); ``28`` Engine 28+ in iptables mode (DOCKER-FORWARD, DOCKER-CT,
DOCKER-BRIDGE, the raw table's direct-access DROP); ``29-nftables`` Engine 29's
nftables backend (table ``ip docker-bridges``).  Each ruleset's header says which
docker version and scenario it matches.  A lesson's ``rulesets`` names ``docker``;
a name here says which folders stand for it.
"""
from __future__ import annotations

from . import errors, phrases

phrases.define({
    "grade.docker_other": "graded against the step's expectations, written for docker {own}; "
                          "this run loaded docker {name}'s rules",
})

# name -> the shared rulesets loaded in place of ``docker``.  28 and 29 bring
# ``trace-early``: their raw-table rules would otherwise run before the sandbox's
# TRACE (28: earlier in the same chain; 29: a priority tie at -300).
DOCKER = {"27": ("docker",), "28": ("docker-28", "trace-early"),
          "29-nftables": ("docker-29-nftables", "trace-early")}
DEFAULT = "27"
FOLDERS = frozenset(f for folders in DOCKER.values() for f in folders)


def unknown(name: str) -> phrases.Msg | None:
    """None if ``name`` names a docker ruleset, else the reason, listing the names."""
    if name in DOCKER:
        return None
    return phrases.msg("error.docker.unknown", name=repr(name[:40]), names=", ".join(DOCKER))


def swap(rulesets: tuple[str, ...], name: str) -> tuple[str, ...]:
    """``rulesets`` with its docker folders (any name's) replaced by ``name``'s."""
    out: list[str] = []
    for r in rulesets:
        if r == "docker" or r in FOLDERS:
            out.extend(f for f in DOCKER[name] if f not in out)
        else:
            out.append(r)
    return tuple(out)


def variant(lesson, name: str):
    """``lesson`` (a ``lessons.Lesson``) with docker's rules of ``name``: what a step's
    ``docker`` or a run's ``--docker`` asks for.  A LessonError for an unknown name,
    or a lesson that loads no docker ruleset."""
    import dataclasses

    from .lessons import LessonError
    bad = unknown(name)
    if bad:
        raise LessonError(errors.at(lesson.slug, bad))
    if name == lesson.docker:
        return lesson
    if not loads_docker(lesson):
        raise LessonError(phrases.msg("error.lesson.no_docker", slug=repr(lesson.slug),
                                      name=repr(name)))
    return dataclasses.replace(lesson, docker=name, rulesets=swap(lesson.rulesets, name))


def for_step(lesson, step, name: str | None = None):
    """The lesson as ``step`` runs it: under ``name`` if given, else the step's docker."""
    return variant(lesson, name or step.docker or lesson.docker)


def loads_docker(lesson) -> bool:
    """Whether the lesson loads a docker ruleset (a switch to another changes something)."""
    return any(r in FOLDERS for r in lesson.rulesets)


def used(lesson) -> str | None:
    """The name of the docker ruleset ``lesson`` (as a run runs it) loads; None: none."""
    return lesson.docker if loads_docker(lesson) else None


def compare_list(raw, where: str) -> tuple[str, ...]:
    """A step's ``compare``: two or more docker ruleset names the page runs the step under,
    one after the other, and shows side by side."""
    from .lessons import LessonError
    if raw in ([], ()):
        return ()
    if not isinstance(raw, list) or len(raw) < 2 or len(set(map(str, raw))) != len(raw):
        raise LessonError(errors.at(where, 
            "error.lesson.compare", value=repr(raw)))
    for name in raw:
        bad = unknown(str(name))
        if bad:
            raise LessonError(errors.at(f"{where}: compare", bad))
    return tuple(map(str, raw))


def mark(result: dict, lesson, own: str, compare: tuple[str, ...] = ()) -> None:
    """A run's RESULT says which docker ruleset it loaded (``docker``), and its grade
    notes expectations written for another (a compare step's are for each it names)."""
    result["docker"] = used(lesson)
    grade = result.get("grade")
    if result["docker"] and result["docker"] not in (own, *compare) and grade \
            and grade.get("checks"):
        note = phrases.msg("grade.docker_other", own=own, name=result["docker"])
        grade["note"], grade["note_msg"] = note.text(), note.wire()
