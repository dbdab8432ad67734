"""A lesson in the learner's language: translations sit beside the English files, each
recording a digest of the English text it was made from, so a changed English text
makes its translations stale rather than silently wrong.

- ``stepN.<lang>.md`` / ``intro.<lang>.md``: first line ``<!-- source: <digest> -->``
  (the digest of the English file's whole text), then the translated Markdown, split by
  the same ``<!-- after -->`` line.
- ``lesson.<lang>.toml``: ``source = "<digest>"`` (of ``title_source``: the English
  title, summary and step titles), ``title``, ``summary`` and ``[[steps]]`` with
  ``title`` and ``title_after``, in step order.  (The per-language fields live in a
  file per language, so translators of different languages never edit one file.)

A translation is used only when it is there and fresh; otherwise the page shows the
English with a note saying which (``state``: "ok", "missing", "stale").  Reading files
of a lesson folder is all it does, like the lesson loader.
"""
from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

LANGS = ("zh-hans", "zh-hant", "ja")        # besides English, the lessons' source language
SOURCE = re.compile(r"\A<!-- source: ([0-9a-f]{12}) -->[ \t]*\n")


def digest(text: str) -> str:
    """The first 12 hex digits of the English text's SHA-256."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True)
class Translated:
    state: str                  # ok | missing | stale | english (the page's language is English)
    text: str = ""              # the translation ("" unless ok)
    fields: dict = field(default_factory=dict)     # lesson.<lang>.toml's fields (ok only)


def _file(path: Path, english: str) -> Translated:
    if not path.is_file():
        return Translated("missing")
    raw = path.read_text(encoding="utf-8")
    m = SOURCE.match(raw)
    if not m or m.group(1) != digest(english):
        return Translated("stale")
    return Translated("ok", raw[m.end():])


def folder_of(lesson) -> Path:
    return Path(lesson.root) / lesson.slug


def step(lesson, step_, lang: str) -> Translated:
    """The step's Markdown in ``lang`` (split it with ``lessons.split_text``)."""
    if lang not in LANGS:
        return Translated("english")
    name = step_.explain_file or f"step{step_.number}.md"
    return _file(folder_of(lesson) / name.replace(".md", f".{lang}.md"), step_.explain)


def intro(lesson, lang: str) -> Translated:
    if lang not in LANGS:
        return Translated("english")
    if not lesson.intro:
        return Translated("ok", "")
    return _file(folder_of(lesson) / f"intro.{lang}.md", lesson.intro)


def title_source(lesson) -> str:
    """What ``lesson.<lang>.toml`` translates, as one text (its digest is its ``source``)."""
    lines = [lesson.title, lesson.summary]
    for s in lesson.steps:
        lines += [s.title, s.title_after]
    return "\n".join(lines)


def titles(lesson, lang: str) -> Translated:
    """``lesson.<lang>.toml``: fields title, summary, steps [{title, title_after}]."""
    if lang not in LANGS:
        return Translated("english")
    path = folder_of(lesson) / f"lesson.{lang}.toml"
    if not path.is_file():
        return Translated("missing")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError:
        return Translated("stale")
    steps = data.get("steps", [])
    if data.get("source") != digest(title_source(lesson)) or len(steps) != len(lesson.steps):
        return Translated("stale")
    return Translated("ok", fields=data)


def report(lesson, lang: str) -> list[tuple[str, str]]:
    """Every file of the lesson's ``lang`` translation that is not ok: [(file, state)]."""
    out = []
    t = titles(lesson, lang)
    if t.state != "ok":
        out.append((f"lesson.{lang}.toml", t.state))
    if lesson.intro and intro(lesson, lang).state != "ok":
        out.append((f"intro.{lang}.md", intro(lesson, lang).state))
    for s in lesson.steps:
        st = step(lesson, s, lang)
        if st.state != "ok":
            out.append(((s.explain_file or f"step{s.number}.md").replace(".md", f".{lang}.md"),
                        st.state))
    return out


def localize(lesson, lang: str):
    """(the lesson in ``lang``, {part: state}): every part whose translation is there and
    fresh replaced by it, the others English; parts are "titles", "intro" and "step N"."""
    import dataclasses

    from .lessons import split_text
    if lang not in LANGS:
        return lesson, {}
    states: dict[str, str] = {}
    tt = titles(lesson, lang)
    states["titles"] = tt.state
    names = tt.fields.get("steps", []) if tt.state == "ok" else []
    steps = []
    for i, s in enumerate(lesson.steps):
        changes = {}
        if names:
            changes = {"title": str(names[i].get("title") or s.title),
                       "title_after": str(names[i].get("title_after") or s.title_after)}
        md = step(lesson, s, lang)
        states[f"step {s.number}"] = md.state
        if md.state == "ok":
            before, after = split_text(md.text)
            changes.update(explain=md.text, before=before, after=after)
        steps.append(dataclasses.replace(s, **changes) if changes else s)
    changes = {"steps": tuple(steps)}
    if tt.state == "ok":
        changes.update(title=str(tt.fields.get("title") or lesson.title),
                       summary=str(tt.fields.get("summary") or lesson.summary))
    if lesson.intro:
        it = intro(lesson, lang)
        states["intro"] = it.state
        if it.state == "ok":
            changes["intro"] = it.text
    return dataclasses.replace(lesson, **changes), states
