"""Docker then and now, without a kernel: the names, the folders they load, the lesson
and step ``docker`` keys (tests/test_nftwords.py: docker 29's rules in words)."""
from __future__ import annotations

import pytest

from tests.conftest import ROOT
from visualizer.core import dockersets, lessons

RULESETS = ROOT / "lessons" / "_rulesets"
NFT29 = (RULESETS / "docker-29-nftables" / "nft.rules").read_text()


def test_every_name_has_its_folders_and_a_header_naming_the_version():
    for name, folders in dockersets.DOCKER.items():
        for f in folders:
            assert (RULESETS / f).is_dir(), f
        head = next((RULESETS / folders[0]).iterdir()).read_text().split("\n*")[0]
        assert "docker" in head.lower() and "c1" in head, folders[0]
    assert "Engine 28" in (RULESETS / "docker-28" / "iptables.rules").read_text()
    assert "Engine 29" in NFT29


def test_a_lesson_runs_under_another_docker_and_back():
    lesson = lessons.get("container-to-container")
    assert lesson.docker == "27" and lesson.rulesets == ("docker",)
    l28 = dockersets.variant(lesson, "28")
    assert l28.rulesets == ("docker-28", "trace-early") and l28.slug == lesson.slug
    assert dockersets.variant(l28, "29-nftables").rulesets == ("docker-29-nftables", "trace-early")
    assert dockersets.variant(l28, "27").rulesets == ("docker",)
    assert dockersets.variant(lesson, "27") is lesson
    assert dockersets.for_step(lesson, lesson.step(1)).rulesets == ("docker",)


def test_an_unknown_name_is_refused_listing_the_names():
    lesson = lessons.get("container-to-container")
    with pytest.raises(lessons.LessonError, match=r"unknown docker ruleset '26'.*29-nftables"):
        dockersets.variant(lesson, "26")


def _lesson(tmp_path, toml: str):
    root = tmp_path / "lessons"
    (root / "_rulesets").mkdir(parents=True)
    for f in ("docker", "docker-28", "trace-early", "trace"):
        (root / "_rulesets" / f).symlink_to(RULESETS / f)
    (root / "_topologies").symlink_to(ROOT / "lessons" / "_topologies")
    (root / "x").mkdir()
    (root / "x" / "lesson.toml").write_text(toml)
    (root / "x" / "step1.md").write_text("text\n")
    return lessons.load_lesson(root / "x", root)


BASE = 'title = "t"\nsummary = "s"\n'
STEP = '[[steps]]\ntitle = "a"\ntraffic = { kind = "ping", from = "c1", to = "172.17.0.3" }\n'


def test_lesson_and_step_keys(tmp_path):
    assert _lesson(tmp_path / "a", BASE + 'docker = "28"\n' + STEP).rulesets == \
        ("docker-28", "trace-early")
    step = _lesson(tmp_path / "b", BASE + STEP + 'docker = "28"\n')
    assert step.rulesets == ("docker",) and step.steps[0].docker == "28"
    assert dockersets.for_step(step, step.steps[0]).rulesets == ("docker-28", "trace-early")
    with pytest.raises(lessons.LessonError, match="step 1: unknown docker ruleset '2'"):
        _lesson(tmp_path / "c", BASE + STEP + 'docker = "2"\n')
    with pytest.raises(lessons.LessonError, match="name no"):
        _lesson(tmp_path / "d", BASE + 'rulesets = []\ndocker = "28"\n' + STEP)


def test_a_steps_compare_names_two_or_more_docker_rulesets():
    from visualizer.core import dockersets
    from visualizer.core.lessons import LessonError
    assert dockersets.compare_list(["27", "28"], "x") == ("27", "28")
    assert dockersets.compare_list([], "x") == ()
    for bad, says in ((["27"], "two or more"), (["27", "27"], "two or more"),
                      (["27", "26"], "unknown docker ruleset '26'"), ("27", "two or more")):
        with pytest.raises(LessonError, match=says):
            dockersets.compare_list(bad, "lesson: step 1")


def test_a_run_says_which_docker_it_loaded_and_notes_another():
    from visualizer.core import dockersets, lessons
    lesson = lessons.get("container-to-container")
    result = {"grade": {"checks": [{"key": "ok"}], "note": ""}}
    dockersets.mark(result, dockersets.variant(lesson, "28"), "27")
    assert result["docker"] == "28" and "written for docker 27" in result["grade"]["note"]
    result = {"grade": {"checks": [], "note": ""}}
    dockersets.mark(result, lesson, "27")
    assert result == {"docker": "27", "grade": {"checks": [], "note": ""}}
    result = {"grade": {"checks": [{"key": "ok"}], "note": ""}}
    dockersets.mark(result, dockersets.variant(lesson, "28"), "27", ("27", "28"))
    assert result["grade"]["note"] == ""     # a compare step's expectations are for each
