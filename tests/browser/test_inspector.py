"""The inspector tells the hop in words, from the run's evidence (issue 17): the
explanation first, then the rule and its origin, the chain's rules marked matched,
checked and not reached; Δ only for a rewrite of the packet; cause and effect in view
together; a refused run keeps the replay before it; on a phone the inspector sits right
under the diagram. Each test saves a screenshot under test-artifacts/screenshots/."""
import pytest

from .conftest import shot as _shot
from .helpers import box, small_text
from .test_lessons import run

pytestmark = [pytest.mark.browser, pytest.mark.live]

# the index in the timeline of the first hop matching a JS predicate on an event
FIND_JS = "(pred) => window.nfv.timeline.findIndex(new Function('e', 'return ' + pred))"


def seek(page, pred: str) -> int:
    """Click the event-log line of the first hop matching ``pred`` (a JS expression on e)."""
    i = page.evaluate(FIND_JS, pred)
    assert i >= 0, f"no hop where {pred}"
    page.click(f'#log li[data-i="{i}"]')
    page.wait_for_function(f"() => window.nfv.i === {i}")
    return i


def shot(page, name):
    """A screenshot once the token has stopped moving (its transition is under 0.5 s)."""
    page.wait_for_timeout(500)
    return _shot(page, name)


def whole(b: dict, vp: dict) -> bool:
    return b["w"] > 0 and b["y"] >= -1 and b["y"] + b["h"] <= vp["height"] + 1 and b["x"] >= 0 \
        and b["x"] + b["w"] <= vp["width"] + 1


# tokens of an element's text split across two lines (wrapping inside a token)
SPLIT_TOKENS_JS = """(sel) => {
  const out = [];
  for (const root of document.querySelectorAll(sel)) {
    const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      const re = /\\S+/g; let m;
      while ((m = re.exec(n.data))) {
        const r = document.createRange(); r.setStart(n, m.index); r.setEnd(n, m.index + m[0].length);
        const tops = new Set([...r.getClientRects()].filter((x) => x.width > 0).map((x) => Math.round(x.top)));
        if (tops.size > 1) out.push(m[0]);
      }
    }
  }
  return out;
}"""


def test_inspector_leads_with_the_explanation(page, server, live):
    page.goto(server + "/lessons/container-to-container/")
    run(page)
    # ip filter FORWARD, accepted by rule 6 after the jumps of rules 1, 2 and 4
    i = seek(page, "e.family === 'ip' && e.table === 'filter' && e.chain === 'FORWARD' && e.rule_pos === 6")
    ev = page.evaluate(f"() => window.nfv.timeline[{i}]")
    assert ev["explain"]
    order = page.evaluate("""() => [...document.querySelectorAll('#inspector .hop-card > *, #inspector > *')]
        .map((e) => e.className.split(' ')[0])""")
    assert order.index("hop-explain") < order.index("rule") < order.index("headers"), order
    assert page.inner_text("#inspector .hop-explain") == ev["explain"]
    assert "Rule 6 of ip filter FORWARD" in ev["explain"]
    # the rule and where it came from
    if ev.get("origin"):
        assert ev["origin"] in page.inner_text("#inspector .rule .origin")
    # the chain's rules: 1, 2, 4 matched (their jumps came back), 6 matched now, 3 and 5
    # checked and did not match, 7 on not reached
    marks = page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('#inspector .crlist li[data-pos]')]
        .filter((li) => li.dataset.pos).map((li) => [li.dataset.pos, li.className.split(' ')[1]]))""")
    assert {k: marks[k] for k in ("1", "2", "3", "4", "5", "6")} == {
        "1": "matched", "2": "matched", "3": "checked", "4": "matched", "5": "checked", "6": "matched"}, marks
    assert all(v == "unreached" for k, v in marks.items() if int(k) > 6), marks
    assert page.locator("#inspector .crlist li.current").get_attribute("data-pos") == "6"
    assert "derived" in page.inner_text("#inspector .chain-rules .hint")
    chains = page.evaluate("() => (window.nfv.result || {}).chains || {}")
    if chains.get("ip filter FORWARD"):
        assert len(marks) == len(chains["ip filter FORWARD"])
        if any(r.get("origin") for r in chains["ip filter FORWARD"]):
            assert page.locator("#inspector .crlist .origin").count() >= 1
    # conntrack words glossed
    assert "first packet" in page.get_attribute("#inspector .ctag", "title")
    status = page.locator('#inspector tr[data-field="ct_status"] abbr.gloss').first
    assert "dst_nat_done" in status.get_attribute("title")
    # the rule and the fields wrap between tokens only
    assert page.evaluate(SPLIT_TOKENS_JS, "#inspector .hop-explain, #inspector .rule code, #inspector .crrule, "
                                          "#inspector .headers td") == []
    # cause and effect: the selected log line, the diagram and the inspector's explanation in view
    vp = page.viewport_size
    assert whole(box(page, "svg.diagram"), vp), box(page, "svg.diagram")
    assert whole(box(page, "#log li.current"), vp), box(page, "#log li.current")
    assert whole(box(page, "#inspector .hop-explain"), vp), box(page, "#inspector .hop-explain")
    assert box(page, "#log li.current")["y"] >= box(page, "#lab")["y"] + box(page, "#lab")["h"] - 1, "under the lab"
    # log lines are never cut at the right edge
    assert page.evaluate("() => { const o = document.getElementById('log'); return o.scrollWidth <= o.clientWidth + 1; }")
    assert page.evaluate(SPLIT_TOKENS_JS, "#log .txt") == []
    shot(page, "inspector-1280x800")
    # another line: the page does not move the diagram away
    seek(page, "e.family === 'ip' && e.table === 'filter' && e.chain === 'FORWARD' && e.rule_pos === 1")
    assert whole(box(page, "svg.diagram"), vp)
    assert whole(box(page, "#log li.current"), vp)
    # the first ip hook after the bridge's: the packet did not change (no Δ), but ip hooks
    # name the bridge where the bridge hook before named the port, and a sentence says so
    assert page.locator("#inspector .headers .delta").count() == 0
    iif = page.inner_text('#inspector tr[data-field="iif"]')
    assert "docker0" in iif and "veth-c1" in iif and "did not change" in iif, iif
    shot(page, "inspector-layer-names")


def test_delta_marks_only_rewrites(page, server, live):
    """The DNAT of external-to-container step 1: the destination is rewritten (Δ, and
    where), the interface names of another layer are not."""
    page.goto(server + "/lessons/external-to-container/")
    run(page)
    page.click("#p-first")
    n = page.evaluate("() => window.nfv.timeline.length")
    deltas = {}
    for i in range(n):
        page.click(f'#log li[data-i="{i}"]')
        fields = page.evaluate("""() => [...document.querySelectorAll('#inspector .headers tr')]
            .filter((tr) => tr.querySelector('.delta')).map((tr) => tr.dataset.field)""")
        ev = page.evaluate(f"() => window.nfv.timeline[{i}]")
        deltas[i] = (ev, fields)
    rewritten = [f for ev, fs in deltas.values() for f in fs]
    assert "dst" in rewritten, deltas                                  # the DNAT
    assert not {"iif", "oif", "physin", "physout", "ct_state", "ct_status"} & set(rewritten), rewritten
    # the first hop after the DNAT says where it was rewritten
    i = next(i for i, (ev, fs) in deltas.items() if "dst" in fs)
    page.click(f'#log li[data-i="{i}"]')
    row = page.inner_text('#inspector tr[data-field="dst"]')
    assert "172.17.0.2" in row and "Δ" in row, row
    shot(page, "inspector-dnat-delta")


def test_presenter_shows_the_explanation_large(page, server, live):
    page.goto(server + "/lessons/container-to-container/?present=1")
    run(page)
    seek(page, "e.family === 'ip' && e.table === 'filter' && e.chain === 'FORWARD' && e.rule_pos === 6")
    page.evaluate("window.scrollTo(0, 0)")
    size = page.evaluate("() => parseFloat(getComputedStyle(document.querySelector('#inspector .hop-explain')).fontSize)")
    assert size >= 18
    vp = page.viewport_size
    assert whole(box(page, "#inspector .hop-explain"), vp)
    assert page.locator("#inspector .crlist li.checked").count() >= 2
    assert small_text(page, ".inspector-pane") == []
    assert page.evaluate(SPLIT_TOKENS_JS, "#inspector .hop-explain, #inspector .rule code, #inspector .crrule, #log .txt") == []
    d, e = box(page, "svg.diagram"), box(page, "#inspector .hop-explain")
    assert d["x"] + d["w"] <= e["x"], (d, e)                           # side by side
    shot(page, "inspector-presenter-1280x800")
    # a log line chosen in the presenter layout: it, the diagram and the explanation in view
    seek(page, "e.family === 'ip' && e.table === 'filter' && e.chain === 'FORWARD' && e.rule_pos === 3")
    for sel in ("svg.diagram", "#log li.current", "#inspector .hop-explain"):
        assert whole(box(page, sel), vp), (sel, box(page, sel))
    shot(page, "inspector-presenter-log-line")


def test_log_lines_fold_into_their_hops(page, server, live):
    page.goto(server + "/lessons/container-to-container/")
    run(page)
    tl = page.evaluate("() => window.nfv.timeline")
    assert not any(e["source"] == "nflog" for e in tl), "the ebtables NFLOG lines are folded"
    i = seek(page, "e.family === 'bridge' && e.table === 'filter' && e.chain === 'FORWARD'")
    assert "logged" in page.inner_text("#inspector .folded-log")
    page.click("#logs-toggle")
    page.wait_for_function("() => window.nfv.timeline.some((e) => e.source === 'nflog')")
    assert page.get_attribute("#logs-toggle", "aria-pressed") == "true"
    assert page.evaluate("() => window.nfv.timeline.length") > len(tl)
    assert i >= 0


def test_rule_error_keeps_the_replay(page, server, live):
    page.goto(server + "/lessons/container-to-container/?step=2")
    page.fill("#rules-input", "")
    run(page)
    before = page.evaluate("() => [window.nfv.events.length, window.nfv.timeline.length]")
    assert before[0] > 0
    page.fill("#rules-input", "-I FORWARD --no-such-option")
    page.click("#run-btn")
    page.wait_for_selector("#error:not([hidden])", timeout=90_000)
    page.wait_for_function("() => !window.nfv.running")
    after = page.evaluate("() => [window.nfv.events.length, window.nfv.timeline.length]")
    assert after == before
    assert page.locator("#result").is_visible()
    assert page.locator("#log li").count() == before[1]
    assert page.inner_text("#p-pos") != "hop 0/0"
    shot(page, "rule-error-keeps-replay")


def test_phone_inspector_under_the_diagram(phone, server, live):
    page = phone
    page.goto(server + "/lessons/container-to-external/?step=2")
    run(page)
    page.click('#log li[data-i="3"]')
    page.evaluate("document.getElementById('lab').scrollIntoView()")
    shot(page, "inspector-phone-390x844")
    d, i = box(page, "#diagram-scroll"), box(page, ".inspector-pane")
    assert 0 <= i["y"] - (d["y"] + d["h"]) < 120, (d, i)
    z = box(page, "#lab .zoom")
    assert z["y"] + z["h"] <= d["y"] + 1, (z, d)                       # not over the diagram's labels
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.locator("#lab").scroll_into_view_if_needed()
    page.evaluate("document.getElementById('lab').scrollIntoView()")
    shot(page, "inspector-phone-390x844")


def test_un_nat_is_drawn_where_conntrack_applies_it(page, server, live):
    """container-to-external step 2: the echo-reply's destination is changed back by
    conntrack at ip PREROUTING (no nat chain runs): the diagram draws it there, and the
    inspector's Δ at the next dump says so, not that FORWARD rewrote it."""
    page.goto(server + "/lessons/container-to-external/?step=2")
    run(page)
    result = page.evaluate("() => window.nfv.result")
    reply = min((j for j in result["journeys"] if j["proto"] == "icmp" and j["direction"] == "reply"),
                key=lambda j: j["first_seq"])
    assert any(n.get("reverse") for n in reply["nat"]), reply["nat"]
    page.click(f'button[data-journey="{reply["id"]}"]')
    page.click("#p-first")
    i = seek(page, f"e.journey === {reply['id']} && e.family === 'ip' && e.table === 'filter' && e.chain === 'FORWARD'")
    assert i >= 0
    callout = page.locator('.nat-callout[data-kind="REVERSE"]')
    assert callout.count() == 1
    assert callout.get_attribute("data-nat-box") == "ip:nat:prerouting"
    assert "ip PREROUTING" in callout.text_content()
    row = page.inner_text('#inspector tr[data-field="dst"]')
    assert "Δ" in row and "reverse mapping" in row and "ip PREROUTING" in row, row
    # the story of the chosen journey, under it
    assert page.locator(f'#journeys li.story[data-story="{reply["id"]}"] li').count() == len(reply["story"])
    shot(page, "un-nat-reply")
    # the rules pane: each run of rules says where it came from
    page.click("#tab-b-rules")
    origins = page.locator("#rules .ln-origin")
    assert origins.count() >= 2
    assert any("docker" in t for t in origins.all_inner_texts())
    page.locator("#tab-rules").scroll_into_view_if_needed()
    shot(page, "rules-pane-origins")
    # the conntrack pane: each state and status word has its gloss
    page.click("#tab-b-conntrack")
    titles = page.eval_on_selector_all("#conntrack abbr.gloss", "(es) => es.map((e) => e.title)")
    assert any(t.startswith("confirmed:") for t in titles), titles
    # the permalink: the inspector and the story from the recorded events
    run_id = page.evaluate("() => window.nfv.urls.id")
    page.goto(f"{server}/runs/{run_id}/")
    page.wait_for_selector("#recorded-banner")
    page.click(f'button[data-journey="{reply["id"]}"]')
    page.click("#p-last")
    assert page.locator(f'#journeys li.story[data-story="{reply["id"]}"] li').count() == len(reply["story"])
    assert page.inner_text("#inspector .hop-explain")
    shot(page, "recorded-run-story")


def test_masquerade_hop_says_what_leaves(page, server, live):
    """The MASQUERADE hop is the last hook: no later dump shows the new source, the
    capture on the way out does, and the inspector says so (as the DNAT hop says what the
    next hop sees)."""
    page.goto(server + "/lessons/container-to-external/?step=2")
    run(page)
    seek(page, "e.family === 'ip' && e.table === 'nat' && /MASQUERADE/.test(e.rule || '')")
    text = page.inner_text("#inspector")
    assert "the capture on eth0 shows it leave" in text and "203.0.113.10" in text, text
    assert "eth0" in page.inner_text("#inspector .hop-explain")
    shot(page, "inspector-masquerade")
