"""Every sentence the engine and the workshop pages write has its template in every
language (core/phrases_<lang>.py), with the same placeholders as the English."""
import importlib
import pkgutil

import pytest

import visualizer.core
from visualizer.core import phrases


def _all_ids() -> dict[str, str]:
    for pkg in (visualizer.core,):
        for m in pkgutil.iter_modules(pkg.__path__):
            importlib.import_module(f"{pkg.__name__}.{m.name}")
    for name in ("room", "roomview", "views", "consumers", "controls"):   # workshop.* ids
        importlib.import_module(f"visualizer.workshops.{name}")
    return dict(phrases.CATALOGUE)


@pytest.mark.parametrize("lang", [lang for lang in phrases.LANGS if lang != "en"])
def test_every_id_in_every_language(lang):
    english = _all_ids()
    mine = phrases.catalogue(lang)
    missing = sorted(set(english) - set(mine))
    assert not missing, f"{lang} lacks {len(missing)} ids: {missing[:20]}"
    wrong = [k for k in english if phrases.placeholders(english[k]) != phrases.placeholders(mine[k])]
    assert not wrong, f"{lang}: placeholders differ for {wrong[:20]}"
    assert not sorted(set(mine) - set(english)), f"{lang} has ids English lacks"
