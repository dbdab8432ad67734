"""The catalogue of sentences (core/phrases.py) and the code that uses it agree:
every id the code names exists, every call gives a template exactly its
placeholders, and every template is well formed.  Read from the source (ast),
so a sentence no test happens to produce is checked too."""
from __future__ import annotations

import ast
import importlib
import pkgutil
import re
import string
from pathlib import Path

import pytest

import visualizer.core
from visualizer.core import phrases

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted((ROOT / "visualizer").rglob("*.py"))
ID_LIKE = re.compile(r"^(explain|rule|story|field|outcome|predict)(\.[a-z_]*[a-z])+$")

for mod in pkgutil.iter_modules(visualizer.core.__path__):
    importlib.import_module(f"visualizer.core.{mod.name}")


def defined() -> dict:
    """Every ``phrases.define({...})`` of the source, read statically (modules outside
    the core, such as the Django apps', are not imported here), with the core's."""
    out = dict(phrases.CATALOGUE)
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr == "define" and node.args \
                    and isinstance(node.args[0], ast.Dict):
                for k, v in zip(node.args[0].keys, node.args[0].values):
                    if isinstance(k, ast.Constant) and isinstance(v, ast.Constant):
                        out.setdefault(k.value, v.value)
    return out


TEMPLATES = defined()


def calls():
    """(file, line, id, keyword names or None when **kwargs are passed) of every call
    of phrases.msg / phrases.render / m(...) with a literal id."""
    for path in SOURCES:
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            f = node.func
            named = (isinstance(f, ast.Name) and f.id == "m") or (
                isinstance(f, ast.Attribute) and f.attr in ("msg", "render")
                and isinstance(f.value, ast.Name) and f.value.id == "phrases")
            first = node.args[0]
            if named and isinstance(first, ast.Constant) and isinstance(first.value, str):
                kws = None if any(k.arg is None for k in node.keywords) else {
                    k.arg for k in node.keywords}
                yield path.relative_to(ROOT), node.lineno, first.value, kws


CALLS = list(calls())


def test_the_code_calls_the_catalogue():
    assert len(CALLS) > 50
    assert {c[2] for c in CALLS} & {"explain.nat.dnat", "explain.policy.drop", "story.outcome"}


@pytest.mark.parametrize("where,line,id_,kws", CALLS, ids=[f"{c[0]}:{c[1]}" for c in CALLS])
def test_every_call_names_an_id_and_gives_its_placeholders(where, line, id_, kws):
    assert id_ in TEMPLATES, f"{where}:{line}: no message {id_!r}"
    if kws is not None:
        assert kws == phrases.placeholders(TEMPLATES[id_]), f"{where}:{line}"


def test_every_id_like_string_in_the_code_exists():
    """Ids chosen in a table or a conditional (``{"accept": "explain.policy.accept"}``)."""
    missing = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and ID_LIKE.match(node.value) and node.value not in TEMPLATES:
                missing.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value}")
    assert not missing


def test_ids_made_from_parts_exist():
    """The ids rulewords and the explainer build from a field's name."""
    made = [f"field.{f}" for f in ("src", "dst")]
    for which in ("in", "out"):
        for neg in ("", "_not"):
            made += [f"rule.{which}{neg}", f"rule.port_{which}{neg}"]
    for which in ("src", "dst"):
        for net in ("", "_net"):
            for neg in ("", "_not"):
                made.append(f"rule.{which}{net}{neg}")
        made += [f"rule.{which}_local", f"rule.{which}_local_not", f"rule.addrtype_{which}",
                 f"rule.addrtype_{which}_not"]
    assert [x for x in made if x not in phrases.CATALOGUE] == []


@pytest.mark.parametrize("id_", sorted(TEMPLATES))
def test_every_template_is_well_formed(id_):
    template = TEMPLATES[id_]
    fields = [name for _, name, spec, conv in string.Formatter().parse(template)
              if name is not None]
    assert all(name.isidentifier() for name in fields), (id_, fields)
    assert template.strip()


def test_a_message_may_take_phrases_and_comes_back_from_the_wire():
    inner = [phrases.msg("rule.in", dev="eth0"), phrases.msg("rule.proto", proto="TCP")]
    outer = phrases.msg("explain.rule.drop", pos=2, chain="ip filter FORWARD", matches=inner)
    assert outer.text() == ("Rule 2 of ip filter FORWARD matched (it came in on eth0, it is "
                            "TCP) and drops the packet: the kernel frees it here, and no later "
                            "chain sees it.")
    wire = outer.wire()
    assert wire["args"]["matches"][0] == {"id": "rule.in", "args": {"dev": "eth0"}}
    assert phrases.from_wire(wire).text() == outer.text()


@pytest.mark.parametrize("lang", [lang for lang in phrases.LANGS if lang != "en"])
def test_each_languages_templates_take_the_english_placeholders(lang):
    cat = phrases.catalogue(lang)
    assert not set(cat) - set(TEMPLATES), f"{lang}: ids English does not have"
    for key, template in cat.items():
        assert phrases.placeholders(template) == phrases.placeholders(TEMPLATES[key]), key
        template.format(**{k: "x" for k in phrases.placeholders(template)})


def test_a_message_renders_in_a_language_with_english_where_it_has_none(monkeypatch):
    m = phrases.msg("grade.docker_other", own="27", name="28")
    monkeypatch.setitem(phrases._TRANSLATED, "ja", {})
    assert phrases.render_in("ja", m) == m.text()
    monkeypatch.setitem(phrases._TRANSLATED, "ja", {
        "grade.docker_other": "docker {own} 向けの期待値で採点; この実行は docker {name} のルール"})
    assert phrases.render_in("ja", m) == "docker 27 向けの期待値で採点; この実行は docker 28 のルール"
    assert phrases.catalogue("xx") == {}
