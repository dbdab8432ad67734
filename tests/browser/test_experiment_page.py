"""The experiment page in a real browser, on the live lab (issue 19, acceptance 3a, 3b).

(3a) The traffic is picked on the netfilter diagram: the interface for c2 (a click), then
the one for wan (the keyboard: Tab to it, Enter), each marked as chosen (1, 2) and said in
words; UDP to port 53, run; the trace is replayed hop by hop as on a lesson page (the
player steps, the diagram's current box follows), a click on a hop's box shows its
explanation in the inspector; the journeys, the grade, the links to the recorded run and
"Save as lesson"; the URL is the permalink.  (3b) A two-item run with docker's 28 rules
(from the form's rows and its switch) is saved as a lesson: the downloaded zip, unpacked
into a lessons folder, passes ``verify_lessons`` on the real kernel.  A bad value gets the
server's error naming the field and marks it.  axe-core: no serious violation; screenshots
in the desk, presenter and phone layouts (test-artifacts/screenshots/experiment-*.png).
"""
import os
import shutil
import subprocess
import sys
import urllib.request
import zipfile

import pytest

from tests.conftest import ROOT, lessons_folder

from .conftest import open_page, shot
from .test_a11y import axe_bad

pytestmark = [pytest.mark.browser, pytest.mark.live]
PILL = "svg.diagram g.iface.pickable[data-iface={}][data-side=in]"


def wait_replayed(page, timeout=90_000):
    page.wait_for_function("() => { const n = window.nfv.timeline.length; return n > 0 && "
                           "document.getElementById('p-pos').textContent === `hop ${n}/${n}`; }",
                           timeout=timeout)


def pick_on_the_diagram(page):
    page.click(PILL.format("veth-c2"))
    assert "pick-from" in page.get_attribute(PILL.format("veth-c2"), "class")
    assert page.get_attribute(PILL.format("veth-c2"), "aria-pressed") == "true"
    assert "from c2" in page.inner_text("#exp-pick")
    page.focus(PILL.format("eth0"))                      # the keyboard: focus, then Enter
    page.keyboard.press("Enter")
    assert "pick-to" in page.get_attribute(PILL.format("eth0"), "class")
    assert "destination" in page.get_attribute(PILL.format("eth0"), "aria-label")
    assert page.text_content(f"{PILL.format('eth0')} .pick-badge text") == "2"
    assert page.input_value("#exp-from") == "c2" and page.input_value("#exp-to") == "203.0.113.1"
    assert "from c2 to 203.0.113.1" in page.inner_text("#exp-pick")


def test_pick_on_the_diagram_run_and_follow_the_replay(page, server, live):
    pytest.importorskip("axe_playwright_python")
    page.goto(f"{server}/experiment/")
    pick_on_the_diagram(page)
    shot(page, "experiment-picked")
    page.select_option("#exp-proto", "udp")
    assert page.is_disabled("#exp-port") is False and page.is_enabled("#exp-size")
    page.fill("#exp-port", "53")
    page.select_option("#p-speed", "16")
    page.click("#exp-run")
    page.wait_for_selector("#result:not([hidden])", timeout=90_000)
    wait_replayed(page)
    assert page.locator("#journeys button[data-journey]").count() >= 2   # the UDP and its error
    assert page.locator("#journeys li.story li").count() > 0        # the first told journey's story
    assert "traffic=c2%2C203.0.113.1%2Cudp%2C53%2C1%2C%2C" in page.url
    # hop by hop: back to the first hop, forward one, the diagram's current box follows
    page.click("#p-first")
    first = page.inner_text("#p-pos")
    page.click("#p-fwd")
    assert page.inner_text("#p-pos") != first and page.locator("svg.diagram .current").count() == 1
    # a click on the hop's box: its explanation in the inspector
    page.click("svg.diagram [data-box='ip:filter:forward']")
    page.wait_for_selector("#inspector .hop-explain")
    assert "FORWARD" in page.inner_text("#inspector") and len(page.inner_text("#inspector .hop-explain")) > 40
    href = page.locator("#result a", has_text="recorded run").first.get_attribute("href")
    assert href.startswith("/runs/") and page.get_attribute("#exp-save", "href") == f"{href}lesson.zip"
    shot(page, "experiment-run", full_page=True)
    assert axe_bad(page) == []
    with urllib.request.urlopen(f"{server}{href}") as resp:
        assert resp.status == 200 and "c2" in resp.read().decode()
    # the run's own permalink on this page (?run=<uid>): the recorded run replayed again
    n = page.locator("#journeys button[data-journey]").count()
    page.click("#exp-replay-link")
    page.wait_for_selector("#result:not([hidden])", timeout=30_000)
    page.select_option("#p-speed", "16")
    wait_replayed(page)
    assert f"run={href.split('/')[2]}" in page.url and page.locator("#journeys button[data-journey]").count() == n
    assert page.input_value("#exp-to") == "203.0.113.1" and page.input_value("#exp-proto") == "udp"
    shot(page, "experiment-recorded-replay")


def test_the_layouts_presenter_and_phone(browser, server, live):
    """The page picked and run in the presenter layout and on a phone: the diagram's
    picks and the replay fit (screenshots looked at), axe-core has nothing serious."""
    url = f"{server}/experiment/?traffic=c1,172.17.0.3,icmp,,1,,&present=1"
    for name, (w, h, kw) in {"presenter": (1280, 800, {}),
                             "phone": (390, 844, {"is_mobile": True, "has_touch": True})}.items():
        ctx, page = open_page(browser, w, h, **kw)
        try:
            page.goto(url if name == "presenter" else url.replace("&present=1", ""))
            page.click(PILL.format("veth-c1"))
            page.select_option("#p-speed", "16")
            page.click("#exp-run")
            page.wait_for_selector("#result:not([hidden])", timeout=90_000)
            wait_replayed(page)
            assert "present=1" in page.url or name == "phone"
            width = page.evaluate("() => document.documentElement.scrollWidth")
            assert width <= w + 1, f"{name}: the page is {width} px wide"
            shot(page, f"experiment-{name}")
            if name == "phone":                     # the form, then the diagram and the inspector
                page.evaluate("window.scrollTo(0, 0)")
                shot(page, "experiment-phone-form")
                page.locator("#lab").scroll_into_view_if_needed()
                shot(page, "experiment-phone-lab")
            assert axe_bad(page) == [], name
        finally:
            ctx.close()


def test_two_items_under_docker_28_save_as_a_lesson_that_verify_lessons_passes(page, server, live, tmp_path):
    page.goto(f"{server}/experiment/?traffic=c1,172.17.0.3,icmp,,1,,")
    page.click("#exp-add")                                  # a second traffic item
    assert page.locator("#exp-items > li").count() == 2 and page.is_visible("#exp-remove-1")
    page.select_option("#exp-from-1", "c2")
    page.fill("#exp-to-1", "203.0.113.1")
    page.select_option("#exp-proto-1", "udp")
    page.fill("#exp-port-1", "53")
    page.fill("#exp-count-1", "1")
    page.select_option("#docker-select", "28")
    page.select_option("#p-speed", "16")
    page.click("#exp-run")
    page.wait_for_selector("#exp-save", timeout=120_000)
    assert "docker=28" in page.url and page.url.count("traffic=") == 2
    assert page.evaluate("() => window.nfv.result.docker") == "28"
    assert any("DOCKER-FORWARD" in (e.get("chain") or "") for e in page.evaluate("() => window.nfv.events"))
    shot(page, "experiment-two-items-docker-28", full_page=True)
    with page.expect_download() as dl:
        page.click("#exp-save")
    path = tmp_path / "lesson.zip"
    dl.value.save_as(path)
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        slug = names[0].split("/")[0]
        files = {n.split("/", 1)[1]: z.read(n).decode() for n in names}
    assert {"lesson.toml", "step1.md"} <= set(files) and 'docker = "28"' in files["lesson.toml"]
    assert files["lesson.toml"].count("kind =") == 2
    root = lessons_folder("nfvis-saved-page-", {slug: files})
    try:
        proc = subprocess.run([sys.executable, str(ROOT / "manage.py"), "verify_lessons",
                               "--verbose-checks", slug], capture_output=True, text=True,
                              timeout=300, cwd=ROOT, env={**os.environ, "LESSONS_DIR": str(root)})
    finally:
        shutil.rmtree(root.parent, ignore_errors=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-2000:]
    assert "1 passed, 0 failed" in proc.stdout, proc.stdout


def test_a_bad_value_is_named_and_the_page_stays_usable(page, server, live):
    page.goto(f"{server}/experiment/?traffic=c2,203.0.113.1,udp,70000,1,,")
    assert page.input_value("#exp-port") == "70000"
    page.click("#exp-run")
    page.wait_for_selector("#error:not([hidden])", timeout=30_000)
    assert "traffic[0].port" in page.inner_text("#error")
    assert page.get_attribute("#exp-port", "aria-invalid") == "true"     # the field it names
    shot(page, "experiment-error")
    assert page.get_attribute("#exp-run", "aria-disabled") == "false"
    # the fields a protocol's tool takes: tcp sends no payload, curl sets no TTL
    page.select_option("#exp-proto", "tcp")
    assert page.is_disabled("#exp-size") and page.is_disabled("#exp-count") and page.is_enabled("#exp-ttl")
    assert "payload" in page.get_attribute("#exp-size", "title")
    page.select_option("#exp-proto", "http")
    assert page.is_disabled("#exp-ttl") and page.is_enabled("#exp-port")


@pytest.mark.parametrize("lang", ["ja", "zh-hans", "zh-hant"])
def test_the_page_and_its_picks_in_the_language(browser, server, lang):
    """The form's rows, the picks' sentences and the pills' names in the page's language
    (strings.<lang>.js), nothing cut or wider than the page; axe-core clean."""
    pytest.importorskip("axe_playwright_python")
    ctx, page = open_page(browser, extra_http_headers={"Accept-Language": lang})
    try:
        page.goto(f"{server}/experiment/")
        assert page.get_attribute("html", "lang") == lang
        page.click(PILL.format("veth-c1"))
        page.click(PILL.format("veth-c2"))
        said = page.inner_text("#exp-pick")
        assert "c1" in said and "172.17.0.3" in said and not said.isascii(), said
        assert not page.inner_text("#exp-items").isascii()
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 1281
        shot(page, f"experiment-{lang}")
        page.evaluate("window.scrollTo(0, 0)")
        shot(page, f"experiment-{lang}-form")
        assert axe_bad(page) == [], lang
    finally:
        ctx.close()


def test_a_lesson_base_with_a_second_network(page, server):
    """A base whose topology adds a second bridge (new-bridge-forward-drop): its
    containers' interfaces are on the diagram too, each picking its own node."""
    page.goto(f"{server}/experiment/?base=new-bridge-forward-drop:1")
    assert page.input_value("#exp-base") == "new-bridge-forward-drop:1"
    page.click(PILL.format("veth-c3"))
    page.click(PILL.format("veth-c4"))
    assert page.input_value("#exp-from") == "c3" and page.input_value("#exp-to") == "172.18.0.4"
    assert "veth-c4 → c4" in page.inner_text("#exp-pills")
    page.locator(PILL.format("veth-c4")).scroll_into_view_if_needed()
    shot(page, "experiment-second-network")
