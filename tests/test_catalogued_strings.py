"""No user-visible string outside the catalogues (issue 20, acceptance 4), in Python and JS.

The templates have their own test (tests/web/test_i18n_templates.py: every piece of a
page's text is a msgid, translated).  Here:

- **Python**: a refusal or failure a person reads is an ``errors.Error`` (or a
  subclass) whose message is a catalogue message (``errors.say`` / ``phrases.msg``):
  no string literal, f-string or concatenation is given to one, nor to
  ``messages.error`` / ``messages.status``, nor set as a result's ``warning``.
  A lesson that does not load says why in the catalogue's words too (``LessonError``).
  The modules that speak only to the operator (preflight, Django's checks, the
  CLI's own lines) are listed in AUTHOR_OR_OPERATOR with the reason.
- **JS**: no literal with words is put on the page (an element's ``text``, ``title``,
  ``placeholder``, ``alt``, ``aria-label``, or ``textContent`` / ``innerHTML`` / ``title``
  assigned) outside ``strings*.js``; a template literal's ``${...}`` parts are the
  catalogue's, its own text may be punctuation and symbols only.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PY_DIRS = ("visualizer/core", "visualizer/lab", "visualizer/learn", "visualizer/workshops")
ERROR_CALLS = {"Error", "InputError", "Forbidden", "Busy", "RateLimited", "LabFull", "Unavailable",
               "Timeout", "LabFailed", "ExperimentError", "PredictionError", "RuleRefused",
               "StepError", "WorkshopError", "Paused", "LabUnavailable", "LessonError", "_forbidden",
               "_fail", "at"}
# module -> why its literal messages are not the catalogue's
AUTHOR_OR_OPERATOR = {
    "visualizer/lab/preflight.py": "what this machine lacks, for the operator who runs setup",
    "visualizer/learn/checks.py": "Django system checks, for the operator who deploys",
    "visualizer/learn/experiment_cli.py": "manage.py trace's own flags (the CLI speaks English, "
                                          "as the tools it runs do)",
}
JS_DIRS = ("static/js", "visualizer/workshops/static/workshops")
TEXT_KEYS = r'(?:text|title|placeholder|alt|"aria-label"|"aria-description")'
LITERAL = r'("(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|`(?:[^`\\]|\\.)*`)'
JS_SINKS = [re.compile(TEXT_KEYS + r"\s*:\s*" + LITERAL),
            re.compile(r"\.(?:textContent|innerText|innerHTML|title|placeholder)\s*\+?=\s*" + LITERAL),
            re.compile(r'setAttribute\(\s*"(?:aria-label|title|placeholder|alt)"\s*,\s*' + LITERAL)]
WORD = re.compile(r"[A-Za-z]{2,}")
CATALOGUE_ID = re.compile(r"(?:error|status)\.[a-z0-9_.]+")
JS_TECHNICAL = {"ms"}      # a unit the tools print


def _stringy(node) -> bool:
    """A literal, f-string, concatenation or ``.format`` of text: English built in place."""
    if isinstance(node, ast.Constant):      # a catalogue id ("error.lesson.port") is no English
        return isinstance(node.value, str) and bool(WORD.search(node.value)) \
            and not CATALOGUE_ID.fullmatch(node.value)
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.Constant) and WORD.search(str(v.value)) for v in node.values)
    if isinstance(node, ast.BinOp):
        return _stringy(node.left) or _stringy(node.right)
    if isinstance(node, ast.IfExp):
        return _stringy(node.body) or _stringy(node.orelse)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return _stringy(node.func.value)
    return False


def _name(func) -> str:
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def python_findings(path: Path) -> list[str]:
    out = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.Call):
            continue
        name, args = _name(node.func), node.args
        where = f"{path.relative_to(ROOT)}:{node.lineno}"
        if name in ERROR_CALLS and args and _stringy(args[1] if name in ("_fail", "at") and len(args) > 1 else args[0]):
            out.append(f"{where}: {name}(...) is given English text, not a catalogue message")
        if name in ("error", "status") and isinstance(node.func, ast.Attribute) \
                and getattr(node.func.value, "id", "") == "messages" and len(args) > 1 \
                and _stringy(args[1]):
            out.append(f"{where}: messages.{name}(...) is given English text")
        for kw in node.keywords:
            if kw.arg == "warning" and _stringy(kw.value):
                out.append(f"{where}: a result's warning is English text")
    return out


def python_files():
    return sorted(p for d in PY_DIRS for p in (ROOT / d).rglob("*.py")
                  if "migrations" not in p.parts and "management" not in p.parts
                  and str(p.relative_to(ROOT)) not in AUTHOR_OR_OPERATOR)


def js_findings(path: Path) -> list[str]:
    out = []
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if line.lstrip().startswith("//"):
            continue
        for sink in JS_SINKS:
            for m in sink.finditer(line):
                text = re.sub(r"\$\{(?:[^{}]|\{[^{}]*\})*\}", " ", m.group(1)[1:-1])
                text = re.sub(r"<[^>]*>|&\w+;|\\[nt]", " ", text)
                words = set(WORD.findall(text)) - JS_TECHNICAL
                if words:
                    out.append(f"{path.relative_to(ROOT)}:{n}: {sorted(words)} put on the page "
                               f"outside the catalogue: {line.strip()[:100]}")
    return out


def js_files():
    return sorted(p for d in JS_DIRS for p in (ROOT / d).glob("*.js")
                  if not p.name.startswith("strings"))


def test_the_scans_see_what_they_look_for(tmp_path):
    """The checks themselves: each catches its kind of loose string, and lets a catalogued one pass."""
    py = tmp_path / "x.py"
    py.write_text('raise errors.InputError(f"bad {x}")\nraise errors.InputError(errors.say("e"))\n'
                  'messages.status("ready", "applying")\nout(warning="not saved")\n')
    py_found = [f.split(": ", 1)[1] for f in _rel(python_findings, py, tmp_path)]
    assert len(py_found) == 3
    js = tmp_path / "x.js"
    js.write_text('el("b", { text: "Run" });\nel("b", { text: S.run.go });\n'
                  'x.textContent = `${a} → ${b}`;\nx.innerHTML = \'<span>(run)</span>\';\n')
    assert len(_rel(js_findings, js, tmp_path)) == 2


def _rel(fn, path, root):
    global ROOT
    saved, ROOT = ROOT, root
    try:
        return fn(path)
    finally:
        ROOT = saved


@pytest.mark.parametrize("path", python_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_python_messages_come_from_the_catalogue(path):
    assert python_findings(path) == []


@pytest.mark.parametrize("path", js_files(), ids=lambda p: p.name)
def test_the_page_puts_no_words_outside_the_catalogue(path):
    assert js_findings(path) == []


def test_every_exemption_names_a_real_module():
    assert all((ROOT / m).is_file() for m in AUTHOR_OR_OPERATOR)
