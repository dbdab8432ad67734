"""Every lesson is translated into every language, from the English it has today
(issue 20: ``verify_lessons --lang`` reports 0 missing and 0 stale).  A lesson added or
changed in English needs its translations before it lands; the page would show English
with a note meanwhile, which is what this test keeps from happening unnoticed."""
import pytest

from visualizer.core import lessons, phrases, translations

LESSONS = lessons.all_lessons()


@pytest.mark.parametrize("lang", [lang for lang in phrases.LANGS if lang != "en"])
@pytest.mark.parametrize("slug", sorted(LESSONS))
def test_lesson_translated_and_fresh(slug, lang):
    assert translations.report(LESSONS[slug], lang) == []
