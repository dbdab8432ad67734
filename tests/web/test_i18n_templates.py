"""The pages' own words in ja, zh-hans and zh-hant: every msgid of locale/<lang>'s
django.po (the templates' and views' messages) is translated, none fuzzy, and the pages a
learner and an instructor see carry no English msgid left untranslated.

A msgid counts as left in a page when it is a whole piece of the page's text (a text
node, or a title/aria-label/placeholder/alt, split at " · ") or, for a msgid with
markup, when it is in the HTML: the lessons' own words (English where a lesson has no
translation yet) are data, not msgids, and may share words with them."""
from __future__ import annotations

import ast
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from visualizer.learn.models import Run
from visualizer.workshops import room

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
LANGS = {"ja": "ja", "zh-hans": "zh_Hans", "zh-hant": "zh_Hant"}
LESSON = "container-to-container"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")
SYMBOLS = "←→⇄✓✕●↳↩—·:;,. \u00a0"


def po_path(lang: str) -> Path:
    return ROOT / "locale" / LANGS[lang] / "LC_MESSAGES" / "django.po"


def po_entries(lang: str) -> list[dict]:
    """The .po's entries (not its header): msgctxt, msgid, msgid_plural, msgstr..., flags."""
    entries = []
    for block in po_path(lang).read_text(encoding="utf-8").strip().split("\n\n"):
        fields, key, flags = {}, None, []
        for line in block.splitlines():
            m = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) (".*")$', line)
            if m:
                key = m.group(1)
                fields[key] = ast.literal_eval(m.group(2))
            elif line.startswith('"') and key:
                fields[key] += ast.literal_eval(line)
            elif line.startswith("#,"):
                flags += [f.strip() for f in line[2:].split(",")]
        if fields.get("msgid"):
            entries.append({**fields, "flags": flags})
    return entries


def strings_of(entry: dict) -> list[str]:
    return [v for k, v in entry.items() if k.startswith("msgstr")]


@pytest.fixture(scope="module", autouse=True)
def compiled():
    """The .mo files setup compiles (gitignored): compiled again when a .po is newer."""
    stale = [lang for lang in LANGS if not po_path(lang).with_suffix(".mo").exists()
             or po_path(lang).with_suffix(".mo").stat().st_mtime < po_path(lang).stat().st_mtime]
    if stale:
        for lang in stale:
            subprocess.run(["msgfmt", "-c", "-o", str(po_path(lang).with_suffix(".mo")),
                            str(po_path(lang))], check=True, timeout=60)
        from django.utils.translation import trans_real
        trans_real._translations.clear()        # the catalogues read before the compile


class Text(HTMLParser):
    """A page's pieces of text: text nodes and the attributes a person reads or hears,
    outside scripts and the lessons' own text (their step texts, summaries, scenarios)."""

    ATTRS = {"title", "aria-label", "placeholder", "alt"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
            "source", "track", "wbr", "path", "rect", "circle", "line", "marker"}
    DATA = {"explain", "summary", "scenario"}

    def __init__(self):
        super().__init__()
        self.pieces: list[str] = []
        self._open: list[tuple[str, bool]] = []      # (tag, skipped)

    def _skipping(self) -> bool:
        return any(skipped for _, skipped in self._open)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        skip = tag in ("script", "style") or bool(self.DATA & set((attrs.get("class") or "").split()))
        if not (skip or self._skipping()):
            self.pieces += [v for k, v in attrs.items() if k in self.ATTRS and v]
        if tag not in self.VOID:
            self._open.append((tag, skip))

    def handle_startendtag(self, tag, attrs):
        if not self._skipping():
            self.pieces += [v for k, v in attrs if k in self.ATTRS and v]

    def handle_endtag(self, tag):
        while self._open:
            if self._open.pop()[0] == tag:
                break

    def handle_data(self, data):
        if not self._skipping():
            self.pieces.append(data)


def pieces_of(html: str) -> set[str]:
    parser = Text()
    parser.feed(html)
    out = set()
    for piece in parser.pieces:
        for part in " ".join(piece.split()).split(" · "):
            if part.strip(SYMBOLS):
                out.add(part.strip(SYMBOLS))
    return out


def untranslated_in(html: str, lang: str) -> list[str]:
    """The msgids (longer than 3 characters, with a translation of their own) in the page."""
    pieces, left = pieces_of(html), []
    for entry in po_entries(lang):
        if "msgctxt" in entry:       # the CSV's headers: test_the_csv_headers_...
            continue
        for msgid, msgstr in zip([entry["msgid"], entry.get("msgid_plural")], strings_of(entry) * 2):
            if not msgid or len(msgid) <= 3 or msgstr in ("", msgid):
                continue
            if "<" in msgid:
                pattern = PLACEHOLDER.sub(lambda m: "\x00", msgid)
                pattern = re.escape(pattern).replace("\x00", "[^<]*?")
                found = re.search(pattern, html)
            else:
                literal = ".+?".join(re.escape(p) for p in PLACEHOLDER.split(msgid.strip(SYMBOLS)))
                pattern = re.compile(literal)
                found = any(pattern.fullmatch(p) for p in pieces)
            if found:
                left.append(msgid)
    return left


def instructor(django_user_model):
    teacher = django_user_model.objects.create_user("teacher", password="pw")
    teacher.user_permissions.add(Permission.objects.get(codename="run_workshop"))
    w = room.create("Bridges 101", [LESSON, "new-bridge-forward-drop"], 10, teacher)
    c = Client()
    c.force_login(teacher)
    return c, w


def pages(lang: str, django_user_model) -> dict[str, str]:
    """The pages a visitor, a learner and an instructor see, in ``lang``."""
    h = {"HTTP_ACCEPT_LANGUAGE": lang}
    visitor, learner = Client(), Client()
    teacher, w = instructor(django_user_model)
    out = {url: visitor.get(url, **h) for url in
           ("/", f"/lessons/{LESSON}/", f"/lessons/{LESSON}/?step=2", "/sources/",
            "/accounts/login/", "/join/", "/lessons/no-such-lesson/")}
    for rules in ([], ["-I FORWARD -j ACCEPT"]):       # a recorded run, with rules and without
        run = Run.objects.create(lesson=LESSON, step=2, rules=rules, events=[], result={})
        out[f"/runs/ {rules}"] = visitor.get(f"/runs/{run.uid}/", **h)
    out["/runs/ (none)"] = visitor.get("/runs/zzzzzzzz/", **h)
    out["/accounts/login/ (refused)"] = visitor.post(
        "/accounts/login/", {"username": "teacher", "password": "wrong"}, **h)
    joined = learner.post("/join/", {"code": w.code, "name": "Ana"}, **h)
    assert joined.status_code == 302, joined.content.decode()[:500]
    out["learner: " + joined["Location"]] = learner.get(joined["Location"], **h)
    out["learner: /"] = learner.get("/", **h)
    out["/workshops/"] = teacher.get("/workshops/", **h)
    out["board"] = teacher.get(f"/workshops/{w.code}/board/", **h)
    bad = {k: r.status_code for k, r in out.items() if r.status_code not in (200, 400, 404)}
    assert not bad, bad
    return {k: r.content.decode() for k, r in out.items()}


@pytest.mark.parametrize("lang", list(LANGS))
def test_no_msgid_is_left_in_english_on_the_pages(lang, django_user_model):
    shown = pages(lang, django_user_model)
    assert f'<html lang="{lang}">' in shown["/"]
    left = {page: untranslated_in(html, lang) for page, html in shown.items()}
    assert not any(left.values()), {page: ids for page, ids in left.items() if ids}


@pytest.mark.parametrize("lang", list(LANGS))
def test_the_pages_show_the_translations(lang, django_user_model):
    """The check above is not vacuous: the catalogue's words are on the pages."""
    shown = pages(lang, django_user_model)
    by_id = {e["msgid"]: strings_of(e)[0] for e in po_entries(lang) if "msgctxt" not in e}
    for page, msgid in (("/", "Your learning path"), (f"/lessons/{LESSON}/", "Event log"),
                        ("/sources/", "Where the lessons' facts come from"),
                        ("/accounts/login/", "Instructors: sign in"),
                        ("/accounts/login/ (refused)", "That user name and password do not match."),
                        ("/join/", "Join a workshop"), ("/workshops/", "New workshop"),
                        ("board", "Prepare sandboxes"), ("/runs/ []", "This recorded run"),
                        ("/runs/ ['-I FORWARD -j ACCEPT']", "Rules added in this run"),
                        ("/lessons/no-such-lesson/", "All lessons")):
        assert by_id[msgid] in shown[page], (page, msgid)
    banner = next(html for page, html in shown.items() if page.startswith("learner: /lessons"))
    assert by_id["stay ahead of the room"] in banner


def test_english_is_unchanged_on_the_pages(django_user_model):
    shown = pages("en", django_user_model)
    assert "Your learning path" in shown["/"] and "Event log" in shown[f"/lessons/{LESSON}/"]
    assert "There is no lesson called “no-such-lesson”. Pick one from the list." \
        in shown["/lessons/no-such-lesson/"]


@pytest.mark.parametrize("lang", list(LANGS))
def test_the_csv_headers_are_in_the_instructors_language(lang, django_user_model):
    teacher, w = instructor(django_user_model)
    header = teacher.get(f"/workshops/{w.code}/export.csv",
                         HTTP_ACCEPT_LANGUAGE=lang).content.decode().splitlines()[0]
    wanted = [strings_of(e)[0] for e in po_entries(lang) if e.get("msgctxt") == "csv header"]
    assert header.split(",") == wanted and len(wanted) == 14


@pytest.mark.parametrize("lang", list(LANGS))
def test_every_entry_is_translated_and_none_is_fuzzy(lang):
    entries = po_entries(lang)
    assert len(entries) > 100
    empty = [e["msgid"] for e in entries if not all(s.strip() for s in strings_of(e))]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert not empty and not fuzzy, (empty, fuzzy)
    # the placeholders of each translation are its msgid's
    wrong = [e["msgid"] for e in entries for s in strings_of(e)
             if sorted(PLACEHOLDER.findall(s)) != sorted(PLACEHOLDER.findall(e["msgid"]))]
    assert not wrong, wrong


@pytest.mark.parametrize("lang", list(LANGS))
def test_msgfmt_checks_the_catalogue(lang):
    done = subprocess.run(["msgfmt", "--statistics", "-c", "-o", "/dev/null", str(po_path(lang))],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    report = done.stderr.strip().splitlines()[-1]
    assert re.fullmatch(r"\d+ translated messages?\.", report), report
    assert "fuzzy" not in done.stderr and "untranslated" not in done.stderr


@pytest.mark.parametrize("lang", list(LANGS))
def test_a_missing_runs_text_is_in_the_language(lang):
    by_id = {e["msgid"]: strings_of(e)[0] for e in po_entries(lang)}
    for url in ("/runs/zzzzzzzz.txt", "/runs/zzzzzzzz.pcapng"):
        resp = Client().get(url, HTTP_ACCEPT_LANGUAGE=lang)
        assert resp.status_code == 404
        assert resp.content.decode() == by_id["no recorded run %(uid)s"] % {"uid": "zzzzzzzz"} + "\n"


TEMPLATES = ["templates", "visualizer/learn/templates", "visualizer/workshops/templates"]
PY = ["visualizer/learn", "visualizer/workshops", "visualizer/project"]
TAG = re.compile(r'{%\s*translate\s+"((?:[^"\\]|\\.)*)"(?:\s+context\s+"([^"]*)")?[^%]*%}')
BLOCK = re.compile(r"{%\s*blocktranslate\b([^%]*)%}(.*?){%\s*(?:plural|endblocktranslate)\s*%}", re.S)
GETTEXT = {"_": 0, "gettext": 0, "gettext_lazy": 0, "pgettext": 1, "pgettext_lazy": 1}


def msgids_in_the_source() -> set[tuple[str | None, str]]:
    """(context, msgid) of every translate/blocktranslate tag and gettext call (what
    makemessages extracts), so a string added without makemessages is noticed."""
    found = set()
    for folder in TEMPLATES:
        for path in (ROOT / folder).rglob("*.html"):
            text = path.read_text(encoding="utf-8")
            found |= {(ctx or None, msgid.replace('\\"', '"')) for msgid, ctx in TAG.findall(text)}
            for options, body in BLOCK.findall(text):
                body = re.sub(r"{{\s*(\w+)\s*}}", r"%(\1)s", body)
                if "trimmed" in options.split():
                    body = " ".join(line.strip() for line in body.strip().splitlines())
                found.add((None, body))
    for folder in PY:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                name = getattr(node, "func", None)
                name = getattr(name, "id", getattr(name, "attr", None))
                if isinstance(node, ast.Call) and name in GETTEXT:
                    args = [a.value if isinstance(a, ast.Constant) else None for a in node.args]
                    if len(args) > GETTEXT[name] and isinstance(args[GETTEXT[name]], str):
                        found.add((args[0] if GETTEXT[name] else None, args[GETTEXT[name]]))
    return found


@pytest.mark.parametrize("lang", list(LANGS))
def test_the_catalogue_has_every_string_of_the_source(lang):
    """A template or view string added without `manage.py makemessages` (and its
    translation) would be English on every page: run makemessages, translate, commit."""
    entries = po_entries(lang)
    known = {(e.get("msgctxt"), e["msgid"]) for e in entries} | \
            {(e.get("msgctxt"), e["msgid_plural"]) for e in entries if "msgid_plural" in e}
    source = msgids_in_the_source()
    assert len(source) > 150
    assert not source - known, sorted(source - known)
