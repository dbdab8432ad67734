"""Take the README's lesson screenshots: one per lesson, first step, after a live run.

Usage (as root or with user namespaces): .venv/bin/python scripts/screenshots.py
Starts daphne on a free loopback port with a throwaway SQLite file and drives
Debian's chromium with Playwright; writes docs/screenshots/<slug>.png.
"""
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "docs" / "screenshots"


def main():
    from playwright.sync_api import sync_playwright

    from visualizer.core import lessons
    db = Path(tempfile.mkdtemp()) / "shots.sqlite3"
    env = {**os.environ, "DB_PATH": str(db), "DJANGO_SETTINGS_MODULE": "visualizer.project.settings",
           "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True,
                   timeout=120)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
                               "visualizer.project.asgi:application"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        OUT.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"])
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            for slug, lesson in lessons.all_lessons().items():
                step = next((s.number for s in lesson.steps if s.traffic.kind != "none"), 1)
                page.goto(f"http://127.0.0.1:{port}/lessons/{slug}/?step={step}")
                page.wait_for_selector("#run-btn:not([disabled])", timeout=30_000)
                page.click("#run-btn")
                page.wait_for_selector("#result:not([hidden])", timeout=90_000)
                page.keyboard.press("End")
                page.wait_for_timeout(400)
                page.evaluate("document.querySelector('.controls').scrollIntoView({block: 'start'})")
                page.wait_for_timeout(200)
                page.screenshot(path=str(OUT / f"{slug}.png"))
                print("wrote", OUT / f"{slug}.png")
            browser.close()
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
