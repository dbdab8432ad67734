"""The page's language for the front-end: its code, and the engine's sentences in it
(``core/phrases_<lang>.py``), which phrases.js renders from each message's id and args."""
from __future__ import annotations

from django.conf import settings
from django.utils import translation

from ..core import phrases, translations


def current() -> str:
    """The request's language (LocaleMiddleware: the switch's cookie, else Accept-Language)."""
    lang = translation.get_language() or "en"
    return lang if lang in phrases.LANGS else "en"


def page_data() -> dict:
    """page_data's lang, phrases ({} in English: the wire's text is English) and how the
    language joins a list and sentences."""
    lang = current()
    cjk = lang != "en"
    return {"lang": lang, "phrases": phrases.catalogue(lang) if cjk else {},
            "phrase_style": {"sep": phrases.LIST_SEP.get(lang, ", "), "join": "" if cjk else " "}}


def localize(lesson, number: int):
    """(the lesson in the page's language, what of it is shown in English and why): the
    page notes a missing or stale translation of the step or of the titles.  Why:
    "missing" or "stale" (the English text changed after it was translated)."""
    lang = current()
    localized, states = translations.localize(lesson, lang)
    shown = {part: states[part] for part in ("titles", f"step {number}", "intro")
             if states.get(part) in ("missing", "stale")}
    return localized, {"lang": dict(settings.LANGUAGES).get(lang, lang),
                       "step": shown.get(f"step {number}"), "titles": shown.get("titles"),
                       "intro": shown.get("intro")} if shown else None
