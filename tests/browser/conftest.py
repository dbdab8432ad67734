"""A live daphne server on a free port and Debian's chromium, driven by Playwright."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.web.support import require, require_live_lab

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS = ROOT / "test-artifacts" / "screenshots"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """Base URL of daphne serving the app with a fresh, migrated SQLite file."""
    db = tmp_path_factory.mktemp("web") / "db.sqlite3"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "visualizer.project.settings", "DB_PATH": str(db),
           "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
                   cwd=ROOT, env=env, check=True, timeout=120)
    port = _free_port()
    log = open(db.parent / "daphne.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
                             "visualizer.project.asgi:application"], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/", timeout=2).read()
            break
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                pytest.fail(f"daphne did not start; see {log.name}")
            time.sleep(0.2)
    yield url
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="module")
def browser():
    """Chromium for one test module: sync Playwright runs an event loop in this thread
    while it lives, so it must be gone before the asyncio tests of other modules run."""
    require(os.path.exists(CHROMIUM), f"Debian chromium is not installed at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as e:
        require(False, f"playwright is not installed: {e}")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


# Chromium's console line for anything the Content-Security-Policy blocked ("Executing inline
# script violates the following Content Security Policy directive ...", "Refused to ...").
CSP_WORDS = ("Content Security Policy", "Refused to")


def open_page(browser, width=1280, height=800, **kw):
    """A page in a fresh context (its own cookies: a new browser to the server).
    It keeps its JavaScript errors (``js_errors``), what the CSP blocked
    (``csp_violations``) and each page it loaded without a CSP header (``no_csp``)."""
    ctx = browser.new_context(viewport={"width": width, "height": height}, **kw)
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.js_errors = errors
    pg.csp_violations = []
    pg.on("console", lambda m: pg.csp_violations.append(f"{m.text} ({pg.url})")
          if any(w in m.text for w in CSP_WORDS) else None)
    pg.no_csp = []
    pg.on("response", lambda r: pg.no_csp.append(r.url)
          if r.request.resource_type == "document" and "content-security-policy" not in r.headers
          else None)
    return ctx, pg


def assert_clean(pg) -> None:
    """No JavaScript error, every page under the CSP, and nothing it blocked."""
    assert not pg.js_errors, f"JavaScript errors: {pg.js_errors}"
    assert not pg.no_csp, f"pages sent without a Content-Security-Policy: {pg.no_csp}"
    assert not pg.csp_violations, f"blocked by the Content-Security-Policy: {pg.csp_violations}"


@pytest.fixture
def page(browser):
    ctx, pg = open_page(browser)
    yield pg
    ctx.close()
    assert_clean(pg)


@pytest.fixture
def phone(browser):
    """390x844, touch, like a phone."""
    ctx, pg = open_page(browser, 390, 844, has_touch=True, is_mobile=True, device_scale_factor=2)
    yield pg
    ctx.close()
    assert_clean(pg)


@pytest.fixture
def live():
    require_live_lab()


def shot(page, name: str, full_page: bool = False) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
