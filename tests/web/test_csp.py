"""Every page is sent with the Content-Security-Policy (project/csp.py) and holds
nothing that policy would block: no inline script (``json_script`` data blocks
are not script), no ``on*=`` handler, no ``style=`` attribute or ``<style>``
element, no ``javascript:`` URL; scripts only from this site's /static/."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.test import Client, override_settings

from visualizer.core import lessons as registry
from visualizer.learn.models import Run
from visualizer.project import csp
from visualizer.workshops import room

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "tests" / "fixtures" / "sample_events.json"
LESSONS = registry.all_lessons()
URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data"}


class InlineFinder(HTMLParser):
    """What in a page a policy without 'unsafe-inline' blocks, or should never be there."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.scripts: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script":
            if a.get("src"):
                self.scripts.append(a["src"])
            elif (a.get("type") or "").lower() != "application/json":
                self.found.append(f"inline <script {attrs}>")
        if tag == "style":
            self.found.append("<style> element")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...> handler")
            if name == "style":
                self.found.append(f"<{tag} style={value!r}>")
            if name in URL_ATTRS and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value!r}>")

    handle_startendtag = handle_starttag


def assert_under_csp(response, status=200):
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Security-Policy"] == csp.policy()
    finder = InlineFinder()
    finder.feed(response.content.decode())
    assert finder.found == [], finder.found
    for src in finder.scripts:
        assert src.startswith("/static/") and not src.startswith("//"), src
    return finder


def test_the_policy_forbids_inline_script_and_foreign_sources():
    directives = dict(d.split(" ", 1) for d in csp.policy().split("; "))
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["default-src"] == "'self'" and directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'" and directives["base-uri"] == "'none'"
    assert "unsafe" not in csp.policy()


@pytest.mark.django_db
@pytest.mark.parametrize("url, status", [
    ("/", 200), ("/accounts/login/", 200), ("/join/", 200), ("/join/?code=ABCDEF", 200),
    ("/nowhere/", 404), ("/lessons/no-such-lesson/", 404), ("/runs/424242/", 404),
])
def test_plain_pages(client, url, status):
    assert_under_csp(client.get(url), status)


@pytest.mark.django_db
@pytest.mark.parametrize("slug", LESSONS)
def test_every_step_of_every_lesson(client, slug):
    for step in LESSONS[slug].steps:
        finder = assert_under_csp(client.get(f"/lessons/{slug}/?step={step.number}"))
        assert "/static/js/lesson.js" in finder.scripts
    assert_under_csp(client.get(f"/lessons/{slug}/?step=1&present=1"))


@pytest.mark.django_db
def test_a_recorded_run_page(client):
    data = json.loads(SAMPLE.read_text())
    run = Run.objects.create(lesson="container-to-container", step=2, rules=["-I FORWARD -j ACCEPT"],
                             events=data["events"], result=data["result"])
    assert_under_csp(client.get(f"/runs/{run.uid}/"))
    assert_under_csp(client.get(f"/runs/{run.uid}/?present=1"))
    assert client.get(f"/runs/{run.uid}.json")["Content-Security-Policy"] == csp.policy()


@pytest.mark.django_db
def test_forms_that_refuse_still_carry_the_policy(client):
    assert_under_csp(client.post("/accounts/login/", {"username": "x", "password": "y"}))
    assert_under_csp(client.post("/join/", {"code": "NOSUCH", "name": "Ann"}), status=400)


@pytest.mark.django_db
def test_workshop_pages(client, django_user_model):
    teacher = django_user_model.objects.create_user("t", password="pw")
    teacher.user_permissions.add(Permission.objects.get(codename="run_workshop"))
    w = room.create("Room", ["container-to-container", "conntrack"], 10, teacher)
    client.force_login(teacher)
    assert_under_csp(client.get("/workshops/"))
    board = assert_under_csp(client.get(f"/workshops/{w.code}/board/"))
    assert "/static/workshops/board.js" in board.scripts
    assert client.get(f"/workshops/{w.code}/export.csv")["Content-Security-Policy"] == csp.policy()
    # a learner's lesson page carries the seat banner and workshop.js
    learner = Client()
    r = learner.post("/join/", {"code": w.code, "name": "Ann"})
    assert r.status_code == 302
    seated = learner.get(r["Location"])
    page = assert_under_csp(seated)
    assert "/static/workshops/workshop.js" in page.scripts and 'id="seat-data"' in seated.content.decode()


@pytest.mark.django_db
def test_static_files_and_redirects_carry_it_too(client):
    assert client.get("/static/js/lesson.js")["Content-Security-Policy"] == csp.policy()
    assert client.get("/workshops/")["Content-Security-Policy"] == csp.policy()   # to sign-in


# JS may set styles through the CSSOM (el.style.x = ..., allowed under a CSP), never as
# markup or attributes (setAttribute, dom.js's el(tag, {style: ...})), and never
# evaluates strings.
JS_BLOCKED = re.compile(r"""setAttribute\(\s*["'](style|on\w+)["']|<[a-zA-Z][^<>]*\s(on[a-z]+|style)\s*=|"""
                        r"""[{,]\s*["']?style["']?\s*:|\beval\(|new\s+Function\(|<style\b|javascript:""")


@pytest.mark.parametrize("path", sorted(p.relative_to(ROOT).as_posix() for p in
                                        [*ROOT.glob("static/js/*.js"),
                                         *ROOT.glob("visualizer/*/static/**/*.js")]))
def test_scripts_write_no_markup_the_policy_blocks(path):
    text = (ROOT / path).read_text()
    assert not JS_BLOCKED.findall(text), JS_BLOCKED.findall(text)


@pytest.mark.django_db
@override_settings(CSP_EXTRA="img-src https://cdn.example.org; report-uri /csp-reports")
def test_a_deployment_adds_sources(client):
    value = client.get("/")["Content-Security-Policy"]
    assert "img-src 'self' data: https://cdn.example.org" in value
    assert value.endswith("; report-uri /csp-reports") and "script-src 'self';" in value


@pytest.mark.parametrize("extra", ["script-src 'unsafe-inline'", "script-src-elem 'unsafe-inline'",
                                   "script-src 'unsafe-eval'", "script-src *", "script-src https:"])
def test_inline_or_foreign_script_is_refused(extra):
    from django.core.exceptions import ImproperlyConfigured
    with pytest.raises(ImproperlyConfigured, match="may not allow"):
        csp.policy(extra)


def test_the_server_refuses_to_start_with_such_a_policy():
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "DATABASE_URL")}
    env.update(DJANGO_SETTINGS_MODULE="visualizer.project.settings", PYTHONPATH=str(ROOT),
               CSP_EXTRA="script-src 'unsafe-inline'")
    done = subprocess.run([sys.executable, "-c", "import visualizer.project.asgi"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "script-src may not allow 'unsafe-inline'" in done.stderr
