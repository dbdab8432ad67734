"""The lessons as a learning path: each has a level and a time, names source posts that
the seeds catalogue knows, and the page shows the question before the run and the
explanation after it."""
from __future__ import annotations

import html
import re

import pytest

from visualizer.core import lessons

LESSONS = lessons.all_lessons()
SEEDS = lessons.seeds()


@pytest.mark.parametrize("slug", LESSONS)
def test_every_lesson_has_a_level_a_time_and_known_sources(slug):
    lesson = LESSONS[slug]
    assert lesson.level in lessons.LEVELS, f"{slug}: level = one of {lessons.LEVELS}"
    assert 0 < lesson.minutes <= 60, f"{slug}: minutes = about how long it takes"
    for seed in lesson.seeds:
        assert seed in SEEDS, f"{slug}: seed {seed} is not in lessons/_seeds.toml"


def test_the_path_starts_easy():
    levels = [lessons.LEVELS.index(x.level) for x in LESSONS.values()]
    assert levels[0] == 0 and levels == sorted(levels), "the path goes from beginner to advanced"


def test_every_seed_is_used_and_identified():
    used = {s for x in LESSONS.values() for s in x.seeds}
    assert used == set(SEEDS)
    for seed in SEEDS.values():
        assert seed.title and seed.language and seed.about


def test_split_text():
    assert lessons.split_text("setup\n\n<!-- after -->\nanswer\n") == ("setup\n", "answer\n")
    assert lessons.split_text("no marker\n") == ("no marker\n", "")


def test_a_level_off_the_list_is_refused(tmp_path):
    src = lessons.DEFAULT_DIR / "container-to-container"
    dst = tmp_path / "x"
    dst.mkdir()
    for f in src.iterdir():
        (dst / f.name).write_text(f.read_text())
    toml = dst / "lesson.toml"
    toml.write_text(re.sub(r'^level = ".*"$', 'level = "expert"', toml.read_text(), flags=re.M))
    with pytest.raises(lessons.LessonError, match="level"):
        lessons.load_lesson(dst, lessons.DEFAULT_DIR)


@pytest.mark.django_db
def test_the_step_page_shows_the_question_then_hides_the_explanation(client):
    page = client.get("/lessons/external-to-container/?step=3").content.decode()
    step = LESSONS["external-to-container"].step(3)
    before, after = page.split('id="explain-after"', 1)
    assert "martian" not in before.lower() and "martian" in after.lower()
    assert re.search(r'id="explain-after"[^>]* hidden', page)
    assert f">{step.title}</span>" in before and f'data-title="{step.done_title}"' in after
    assert 'href="#hop:ip:nat:output"' in after


@pytest.mark.django_db
def test_the_home_page_is_a_path(client):
    page = client.get("/").content.decode()
    order = re.findall(r'data-lesson="([^"]+)" data-order="(\d+)"', page)
    assert [slug for slug, _ in order] == list(LESSONS)
    assert [int(n) for _, n in order] == list(range(1, len(LESSONS) + 1))
    assert page.count("start here") == 1
    assert page.index("start here") < page.index(f'data-lesson="{list(LESSONS)[1]}"')
    assert "about 20 min" in page and "beginner" in page and "advanced" in page
    assert 'href="/sources/#seed-004"' in page
    sources = client.get("/sources/").content.decode()
    for seed in SEEDS.values():
        assert f'id="seed-{seed.id}"' in sources and html.escape(seed.title) in sources and html.escape(seed.english) in sources
