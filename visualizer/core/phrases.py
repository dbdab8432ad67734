"""The catalogue of every sentence the engine writes for a learner: a message id and
its parameters, never English built by concatenation.

A sentence is a ``Msg`` (an id of ``CATALOGUE`` and its arguments); ``render``
gives its English, the only language so far (the next languages are a catalogue
each, keyed by the same ids).  The wire carries both: the rendered text, for
clients that just show it, and ``{"id", "args"}``, for a client that translates.

Sections are grouped by the module that uses them; ids are dotted
(``explain.nat.dnat``).  ``tests/test_phrases.py`` checks every id used exists and
every template's placeholders are the arguments its callers give.
"""
from __future__ import annotations

import string
from dataclasses import dataclass, field

CATALOGUE: dict[str, str] = {}


def define(entries: dict[str, str]) -> None:
    """Add a module's sentences; an id is defined once."""
    for key, template in entries.items():
        if key in CATALOGUE and CATALOGUE[key] != template:
            raise ValueError(f"message id {key!r} defined twice")
        CATALOGUE[key] = template


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@dataclass(frozen=True)
class Msg:
    id: str
    args: dict = field(default_factory=dict)

    def text(self) -> str:
        # Kept once made: a message is immutable, and the phrases of a rule's matches
        # (cached per rule text) are rendered into every event that rule decides.
        t = self.__dict__.get("_text")
        if t is None:
            t = render(self.id, **self.args)
            object.__setattr__(self, "_text", t)
        return t

    def wire(self) -> dict:
        """{"id", "args"}; an argument that is a message (a phrase within the sentence,
        such as a rule's matches in words) is itself {"id", "args"}, a list of them a list.
        (A nested phrase's form is shared between the events that carry it: read only.)"""
        return {"id": self.id, "args": {k: _wire_arg(v) for k, v in self.args.items()}}

    def _shared_wire(self) -> dict:
        w = self.__dict__.get("_wire")
        if w is None:
            w = self.wire()
            object.__setattr__(self, "_wire", w)
        return w


def _wire_arg(v):
    if isinstance(v, Msg):
        return v._shared_wire()
    if isinstance(v, (list, tuple)) and any(isinstance(x, Msg) for x in v):
        return [x._shared_wire() if isinstance(x, Msg) else x for x in v]
    return v


def _text_arg(v):
    if isinstance(v, Msg):
        return v.text()
    if isinstance(v, (list, tuple)):
        return ", ".join(x.text() if isinstance(x, Msg) else str(x) for x in v)
    return v


def msg(id_: str, **args) -> Msg:
    if id_ not in CATALOGUE:
        raise KeyError(f"no message {id_!r} in the catalogue")
    return Msg(id_, args)


def render(id_: str, **args) -> str:
    """The English of one message: its template with the arguments (lists joined;
    a message argument rendered in place)."""
    return CATALOGUE[id_].format(**{k: _text_arg(v) for k, v in args.items()})


# The other languages: a catalogue each (``phrases_<lang>.py``'s CATALOGUE, the same ids and
# placeholders), English where an id is missing.  Lists are joined as each language does.
LANGS = ("en", "zh-hans", "zh-hant", "ja")
LIST_SEP = {"en": ", ", "zh-hans": "、", "zh-hant": "、", "ja": "、"}
_TRANSLATED: dict[str, dict[str, str]] = {}


def catalogue(lang: str) -> dict[str, str]:
    """The templates of ``lang`` (English: CATALOGUE; an unknown language: none)."""
    if lang == "en":
        return CATALOGUE
    if lang not in _TRANSLATED:
        import importlib
        merged: dict[str, str] = {}
        for part in ("phrases", "errortext") if lang in LANGS else ():   # errortext_<lang>: errors
            try:
                name = f"{__package__}.{part}_{lang.replace('-', '_')}"
                merged.update(importlib.import_module(name).CATALOGUE)
            except ModuleNotFoundError:
                pass
        _TRANSLATED[lang] = merged
    return _TRANSLATED[lang]


def render_in(lang: str, m: Msg) -> str:
    """One message in ``lang``: its template there (English's where it has none), nested
    phrases rendered in ``lang`` too."""
    if lang == "en":
        return m.text()
    sep = LIST_SEP.get(lang, ", ")

    def arg(v):
        if isinstance(v, Msg):
            return render_in(lang, v)
        if isinstance(v, (list, tuple)):
            return sep.join(render_in(lang, x) if isinstance(x, Msg) else str(x) for x in v)
        return v
    template = catalogue(lang).get(m.id) or CATALOGUE[m.id]
    return template.format(**{k: arg(v) for k, v in m.args.items()})


def from_wire(w: dict) -> Msg:
    """A message back from its wire form (nested phrases too)."""
    def arg(v):
        if isinstance(v, dict) and set(v) == {"id", "args"}:
            return from_wire(v)
        if isinstance(v, list):
            return [arg(x) for x in v]
        return v
    return Msg(w["id"], {k: arg(v) for k, v in w.get("args", {}).items()})


def text_of(msgs) -> str:
    """Several messages as one paragraph (sentences are whole: each ends its own)."""
    return " ".join(m.text() for m in msgs)
