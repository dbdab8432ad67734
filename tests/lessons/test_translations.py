"""A lesson in the learner's language (core/translations.py): a translation records the
digest of the English it was made from; the page uses it when it is there and fresh, and
falls back to English with a visible note when it is missing or stale."""
from __future__ import annotations

import shutil

import pytest
from django.test import override_settings

from tests.conftest import lessons_folder
from visualizer.core import lessons, translations

SLUG = "tiny"
TOML = '''title = "A tiny lesson"
summary = "One ping."
topology = "docker-bridge"
rulesets = ["docker"]

[[steps]]
title = "A ping"
title_after = "The ping got through"
traffic = { kind = "ping", from = "c1", to = "172.17.0.3", count = 1 }

[[steps]]
title = "Another ping"
traffic = { kind = "ping", from = "c1", to = "172.17.0.3", count = 1 }
'''
STEP1 = "c1 pings c2.\n\n**Your question:** does it get through?\n\n<!-- after -->\nIt does.\n"
STEP2 = "Again.\n"
INTRO = "Two pings.\n"


def stamped(english: str, text: str) -> str:
    return f"<!-- source: {translations.digest(english)} -->\n{text}"


@pytest.fixture
def folder():
    root = lessons_folder("nfvis-translations-", {SLUG: {
        "lesson.toml": TOML, "step1.md": STEP1, "step2.md": STEP2, "intro.md": INTRO}})
    lesson = lessons.load_lesson(root / SLUG, root)
    source = translations.digest(translations.title_source(lesson))
    (root / SLUG / "lesson.ja.toml").write_text(f'''source = "{source}"
title = "小さなレッスン"
summary = "ping を一回。"
[[steps]]
title = "ping"
title_after = "ping は通った"
[[steps]]
title = "もう一度 ping"
''')
    (root / SLUG / "step1.ja.md").write_text(stamped(STEP1, "c1 が c2 に ping します。\n\n"
                                             "**問い:** 届くでしょうか？\n\n<!-- after -->\n届きます。\n"))
    (root / SLUG / "intro.ja.md").write_text(stamped(INTRO, "ping を二回。\n"))
    (root / SLUG / "step2.zh-hans.md").write_text(stamped("an older English text\n", "再来一次。\n"))
    yield root
    shutil.rmtree(root.parent, ignore_errors=True)


def test_fresh_missing_and_stale_translations(folder):
    lesson = lessons.load_lesson(folder / SLUG, folder)
    local, states = translations.localize(lesson, "ja")
    assert states == {"titles": "ok", "step 1": "ok", "step 2": "missing", "intro": "ok"}
    assert local.title == "小さなレッスン" and local.steps[0].title_after == "ping は通った"
    assert local.steps[0].before.startswith("c1 が c2") and local.steps[0].after == "届きます。\n"
    assert local.steps[1].explain == STEP2 and local.intro == "ping を二回。\n"
    assert translations.report(lesson, "ja") == [("step2.ja.md", "missing")]
    assert ("step2.zh-hans.md", "stale") in translations.report(lesson, "zh-hans")
    assert translations.localize(lesson, "en") == (lesson, {})
    # the English changes: its translation is stale, and the English is shown
    (folder / SLUG / "step1.md").write_text(STEP1.replace("c2", "c2 again"))
    lesson = lessons.load_lesson(folder / SLUG, folder)
    local, states = translations.localize(lesson, "ja")
    assert states["step 1"] == "stale" and "c2 again" in local.steps[0].before


@pytest.mark.django_db
def test_the_page_shows_the_translation_or_english_with_a_note(folder, client):
    with override_settings(LESSONS_DIR=folder):
        page = client.get(f"/lessons/{SLUG}/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
        assert "c1 が c2 に ping します" in page and "小さなレッスン" in page
        assert 'id="translation-note"' not in page
        page = client.get(f"/lessons/{SLUG}/?step=2", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
        assert "Again." in page and 'id="translation-note"' in page and "日本語" in page
        page = client.get(f"/lessons/{SLUG}/?step=2", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
        # the note itself is in the page's language (locale/zh_Hans), naming the stale English
        assert 'id="translation-note"' in page and "之后有了改动" in page
        page = client.get(f"/lessons/{SLUG}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "c1 pings c2" in page and 'id="translation-note"' not in page


def test_verify_lessons_reports_missing_and_stale_translations(folder, capsys):
    from django.core.management import call_command
    with override_settings(LESSONS_DIR=folder), pytest.raises(SystemExit) as ex:
        call_command("verify_lessons", SLUG, "--lang", "ja", "--lang", "zh-hans", "--no-live")
    out = capsys.readouterr().out
    assert ex.value.code == 1
    assert "MISSING ja tiny/step2.ja.md" in out and "ja: 1 missing, 0 stale" in out
    assert "STALE   zh-hans tiny/step2.zh-hans.md" in out and "zh-hans: 3 missing, 1 stale" in out
