"""Issue-4 panes in a real browser: the DNAT diff, the conntrack table, the hit rule."""
import pytest

from .conftest import shot
from .test_lessons import run_lesson

pytestmark = [pytest.mark.browser, pytest.mark.live]


def show_hop(page, ev):
    page.click(f'button[data-journey="{ev["journey"]}"]')
    page.click(f'#log li[data-seq="{ev["seq"]}"]')


def test_dnat_diff_at_nat_prerouting(page, server, live):
    events = run_lesson(page, server, "external-to-container", step=1)
    dnat = next(e for e in events if e["family"] == "ip" and e["table"] == "nat"
                and e["hook"] == "prerouting" and "DNAT" in (e["rule"] or ""))
    show_hop(page, dnat)
    box = page.locator('[data-box="ip:nat:prerouting"]')
    assert "current" in box.get_attribute("class").split()
    callout = page.locator('.nat-callout[data-nat-box="ip:nat:prerouting"]')
    assert callout.is_visible() and callout.get_attribute("data-kind") == "DNAT"
    text = callout.text_content()
    assert "203.0.113.10" in text and "172.17.0.2" in text and "→" in text
    shot(page, "external-to-container-dnat")


def test_conntrack_pane_lists_the_flow(page, server, live):
    run_lesson(page, server, "conntrack", step=1)
    result = page.evaluate("() => window.nfv.result")
    assert result["conntrack"], "the kernel reported no conntrack entry"
    page.click('[role=tab][data-tab="conntrack"]')
    rows = page.locator("#conntrack tbody tr")
    assert rows.count() == len(result["conntrack"])
    flow = result["conntrack"][0]
    assert flow["orig"]["src"] in page.inner_text("#conntrack")
    shot(page, "conntrack-pane")


def test_rules_pane_highlights_the_hit_rule(page, server, live):
    events = run_lesson(page, server, "container-to-container")
    hit = next(e for e in events if e["family"] == "ip" and e["chain"] == "FORWARD"
               and e["verdict"] == "accept" and e["rule"])
    show_hop(page, hit)
    page.click('[role=tab][data-tab="rules"]')
    lit = page.locator("#rules .ln.hit")
    assert lit.count() == 1
    line = lit.text_content()
    assert line.split()[0] == str(hit["rule_pos"])
    assert "docker0" in line and "ACCEPT" in line
    shot(page, "rules-pane-hit")
