"""Safe by default: the built-in SECRET_KEY in public is refused, the README's
production environment passes ``check --deploy``, join works behind an HTTPS
proxy, and the CSV export neutralises formulas."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings

ROOT = Path(__file__).resolve().parents[2]


def readme_env() -> dict:
    block = (ROOT / "README.md").read_text().split("<!-- deploy-env -->", 1)[1]
    body = block.split("```", 2)[1]
    return dict(re.findall(r"^([A-Z_]+)=(\S+)$", body, re.M))


def manage(*args, env=None, code=None):
    full = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "DATABASE_URL")}
    full.update({"DJANGO_SETTINGS_MODULE": "visualizer.project.settings", **(env or {})})
    argv = [sys.executable, "-c", code] if code else [sys.executable, str(ROOT / "manage.py"), *args]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, env=full, cwd=ROOT)


def test_the_built_in_secret_key_in_public_is_an_error():
    done = manage("check", env={"ALLOWED_HOSTS": "lab.example.org"})
    assert done.returncode != 0 and "nfvis.E001" in done.stderr, done.stderr
    assert "SECRET_KEY=" in done.stderr                     # it says how to set one
    served = manage(env={"ALLOWED_HOSTS": "lab.example.org"},
                    code="import visualizer.project.asgi")
    assert served.returncode != 0 and "built-in development key" in served.stderr
    ok = manage("check")
    assert ok.returncode == 0                               # loopback: the key is fine
    assert "the lab holds at most" in ok.stdout + ok.stderr   # and check says the cap, and why
    assert "half kept free" in ok.stdout + ok.stderr


def test_the_readmes_production_environment_passes_check_deploy():
    env = readme_env()
    assert {"SECRET_KEY", "ALLOWED_HOSTS", "SECURE_PROXY_SSL_HEADER"} <= set(env)
    done = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


@pytest.mark.django_db
@override_settings(ALLOWED_HOSTS=["lab.example.org"], CSRF_TRUSTED_ORIGINS=["https://lab.example.org"],
                   SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
                   SESSION_COOKIE_SECURE=True, CSRF_COOKIE_SECURE=True)
def test_join_and_login_work_behind_an_https_proxy():
    from django.contrib.auth.models import User

    from visualizer.workshops import room
    room.create("Room", ["container-to-container"], 5)
    code = room.Workshop.objects.get().code
    c = Client(enforce_csrf_checks=True, HTTP_HOST="lab.example.org",
               HTTP_X_FORWARDED_PROTO="https")
    token = c.get("/join/").cookies["csrftoken"].value
    r = c.post("/join/", {"code": code, "name": "Ann", "csrfmiddlewaretoken": token},
               HTTP_ORIGIN="https://lab.example.org")
    assert r.status_code == 302, r.content[:300]
    User.objects.create_user("t", password="pw-t-123456")
    token = c.get("/accounts/login/").cookies["csrftoken"].value
    r = c.post("/accounts/login/", {"username": "t", "password": "pw-t-123456",
                                    "csrfmiddlewaretoken": token},
               HTTP_ORIGIN="https://lab.example.org")
    assert r.status_code == 302, r.content[:300]
    assert c.cookies["sessionid"]["secure"]


def test_csv_cells_that_start_like_a_formula_are_neutralised():
    from visualizer.workshops.room import cell_text
    for bad in ("=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx"):
        assert cell_text(bad) == "'" + bad
    assert cell_text("Ann") == "Ann" and cell_text(None) == "" and cell_text(3) == "3"
