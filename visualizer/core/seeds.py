"""The source posts the lessons' facts come from (``lessons/_seeds.toml``): what
identifies each, never its text.  Read on its own, apart from the lessons' loader
(``core/lessons`` re-exports ``Seed`` and ``seeds``)."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .config import DEFAULT_LESSONS_DIR
from .errors import say
from .traffic import LessonError


@dataclass(frozen=True)
class Seed:
    """A source post the lessons' facts come from: what identifies it, never its text."""
    id: str
    title: str                  # as published
    title_en: str = ""          # in English (our translation; "" when it is English)
    language: str = ""
    author: str = ""
    site: str = ""
    about: str = ""             # what the lessons take from it, in our own words
    title_is_description: bool = False   # the saved copy has no title: this describes it

    @property
    def english(self) -> str:
        """The title to read it by: the English one."""
        return self.title_en or self.title


@lru_cache(maxsize=8)
def seeds(root: Path | None = None) -> dict[str, Seed]:
    """``_seeds.toml`` of the lessons folder, by id; {} when the folder has none."""
    path = (root or DEFAULT_LESSONS_DIR) / "_seeds.toml"
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise LessonError(say("error.failed", what=str(path), why=str(e))) from e
    fields = set(Seed.__dataclass_fields__)
    return {str(raw["id"]): Seed(**{k: v for k, v in raw.items() if k in fields})
            for raw in data.get("seed", [])}
