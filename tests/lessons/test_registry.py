"""Documentation tests for the lessons: pure file reading, no root, no kernel.

In the style of datasette's documentation tests: every lesson (and every
step of every lesson) is a parametrized case, so a broken lesson fails
under its own name.  The checks keep the lesson data honest against the
pure hook model: a lesson may only name families, tables, hooks and paths
that ``visualizer.core.model`` knows, and every expectation must be a key
the live tests (``test_live_lessons.py``) know how to assert.
"""
from __future__ import annotations

import ipaddress
import re

import pytest

from visualizer.core import dockersets, lessons, model

LESSONS = lessons.all_lessons()
STEPS = [(slug, s.number) for slug, lesson in LESSONS.items() for s in lesson.steps]

# Every key an ``expect`` table may use, and what its value must look like.
# Documented in docs/lessons.md; asserted by tests/lessons/test_live_lessons.py.
EXPECT_KEYS = {
    "ok": "bool: the traffic succeeds (every ping answered, TCP connected)",
    "path": "key of model.PATHS: hook order of the first request",
    "reply_path": "key of model.PATHS: hook order of the first reply",
    "drop": "'<family> <table> <CHAIN>' where a packet is dropped",
    "last": "'policy' or 'rule': what dropped it (with drop)",
    "hit": "'<family> <table> <CHAIN>' whose rules include the hit",
    "hit_rule": "substring of the hit rule's text (with hit)",
    "nat": "'<family> nat <CHAIN>' where an address is rewritten",
    "nat_field": "'src' or 'dst' (with nat)",
    "nat_new": "the rewritten address (with nat)",
    "nat_first_only": "bool: nat chains run only for the first request",
    "no_family": "'ip' or 'bridge': no event of that family",
    "conntrack": "bool: a conntrack entry exists after the run",
    "arp_seen": "bool: ARP frames were seen (trace or capture)",
    "nflog": "list of NFLOG prefixes that must be logged",
    "hooks": "list of 'family:hook' the request must visit",
    "no_nflog": "list of NFLOG prefixes that must not be logged",
    "icmp_error": "true/false or 'port-unreachable'/'admin-prohibited': an ICMP error came back",
    "ct_related": "bool: a packet in conntrack state related was traced",
    "refused": "bool: the connection was refused, not timed out",
    "left_by": "list of bridge ports a frame left by",
    "captured": "table of capture device to a frame count or bool: what its capture saw",
}
BOOL_KEYS = ("ok", "nat_first_only", "conntrack", "arp_seen", "ct_related", "refused")
WHERE_KEYS = ("drop", "hit", "nat")
HOOK_WORDS = "PREROUTING|INPUT|FORWARD|OUTPUT|POSTROUTING|BROUTING"
# "nat PREROUTING", "**filter FORWARD**" ... in the Markdown
TABLE_HOOK_RE = re.compile(rf"\b(raw|mangle|nat|filter|broute) ({HOOK_WORDS})\b")
# "bridge PREROUTING", "ip FORWARD" ... in the Markdown
FAMILY_HOOK_RE = re.compile(rf"\b(bridge|ip) ({HOOK_WORDS})\b")


def _step(slug: str, number: int) -> lessons.Step:
    return LESSONS[slug].step(number)


def _rules_text(lesson: lessons.Lesson) -> str:
    """Every rule the lesson can rely on: shared rulesets, its own, its actions."""
    parts = []
    for rs in lesson.rulesets:
        r = lessons.ruleset_rules(rs)
        parts += [r["iptables"], *r["ebtables"], r["nft"]]
    parts += [lesson.rules["iptables"], *lesson.rules["ebtables"], lesson.rules["nft"]]
    parts += [a.args for s in lesson.steps for a in s.actions]
    return "\n".join(parts)


def _where(spec: str) -> tuple[str, str, str]:
    words = spec.split()
    assert len(words) == 3, f"{spec!r} is not '<family> <table> <CHAIN>'"
    fam, table, chain = words
    hook = model.hook_of(fam, chain)
    assert hook, f"{spec!r}: {chain} is not a base chain (name the hook's chain, e.g. FORWARD)"
    return fam, table, hook


def test_there_are_lessons():
    assert len(LESSONS) >= 9
    for slug in ("build-a-bridge", "host-to-container", "container-to-external",
                 "external-to-container", "log-vs-trace", "conntrack", "arp-and-capture",
                 "container-to-container", "new-bridge-forward-drop"):
        assert slug in LESSONS


@pytest.mark.parametrize("slug", LESSONS)
def test_lesson_metadata(slug):
    lesson = LESSONS[slug]
    assert lesson.title.strip() and lesson.summary.strip() and lesson.scenario.strip()
    assert lesson.seeds, "name the seed posts the lesson draws on"
    for seed in lesson.seeds:
        assert re.fullmatch(r"\d{3}", seed), seed
    assert "host" in lesson.topology.namespace_names()


@pytest.mark.parametrize("slug", LESSONS)
def test_last_step_is_try_it(slug):
    steps = LESSONS[slug].steps
    assert steps[-1].try_it, "a lesson ends with a try-it step"
    assert not any(s.try_it for s in steps[:-1]), "only the last step is a try-it step"
    assert len(steps) >= 2


@pytest.mark.parametrize("slug,number", STEPS)
def test_step_has_explanation(slug, number):
    step = _step(slug, number)
    assert step.title.strip()
    assert len(step.explain.strip()) > 80, "say what is there and ask, then explain (docs/lessons.md)"


@pytest.mark.parametrize("slug,number", STEPS)
def test_step_traffic_and_actions(slug, number):
    lesson, step = LESSONS[slug], _step(slug, number)
    names = set(lesson.topology.namespace_names())
    t = step.traffic
    assert t.kind in lessons.TRAFFIC_KINDS
    if t.kind != "none":
        assert t.src in names, f"traffic from unknown namespace {t.src!r}"
        ipaddress.ip_address(t.dst)
    if t.kind == "tcp":
        assert 0 < t.port < 65536
        assert t.tool in ("", "telnet", "nc")
    for a in step.actions:
        assert a.kind in lessons.ACTION_KINDS
        assert a.ns in names, f"action in unknown namespace {a.ns!r}"
        assert a.args.strip()
        if a.kind == "sysctl":
            assert a.value != "", "a sysctl action needs a value"
        if a.kind == "listen":
            assert a.args.isdigit()
    assert all(isinstance(c, str) and c.strip() for c in step.commands)


@pytest.mark.parametrize("slug,number", STEPS)
def test_expect_keys_are_known(slug, number):
    step = _step(slug, number)
    unknown = set(step.expect) - set(EXPECT_KEYS)
    assert not unknown, f"unknown expectation keys {sorted(unknown)}; known: {sorted(EXPECT_KEYS)}"
    if not step.try_it:
        assert "ok" in step.expect, "every guided step says whether the traffic succeeds"


@pytest.mark.parametrize("slug,number", STEPS)
def test_expect_values(slug, number):
    lesson, step = LESSONS[slug], _step(slug, number)
    e = step.expect
    for key in BOOL_KEYS:
        if key in e:
            assert isinstance(e[key], bool), f"{key} is a bool"
    for key in ("path", "reply_path"):
        if key in e:
            assert e[key] in model.PATHS, f"{key} {e[key]!r} is not one of {sorted(model.PATHS)}"
    for key in WHERE_KEYS:
        if key in e:
            fam, table, hook = _where(e[key])
            assert model.is_known(fam, table, hook), f"{key}: model has no {fam} {table} at {hook}"
            assert model.find_table(fam, table, hook).available, f"{key}: {table} is not available"
    if "nat" in e:
        assert e["nat"].split()[1] == "nat"
        assert e.get("nat_field") in ("src", "dst")
        ipaddress.ip_address(e["nat_new"])
    else:
        assert "nat_field" not in e and "nat_new" not in e
    if "hit_rule" in e:
        assert "hit" in e
        assert e["hit_rule"].lower() in _rules_text(dockersets.for_step(lesson, step)).lower(), (
            f"hit_rule {e['hit_rule']!r} is in none of the lesson's rules or actions")
    if "last" in e:
        assert "drop" in e and e["last"] in ("policy", "rule")
    if "no_family" in e:
        assert e["no_family"] in model.FAMILIES
    if "nflog" in e:
        assert isinstance(e["nflog"], list) and e["nflog"]
        text = _rules_text(lesson)
        for prefix in e["nflog"]:
            assert prefix in text, f"no rule logs with prefix {prefix!r}"
    for spec in e.get("hooks", []):
        fam, hook = spec.split(":", 1)
        assert fam in model.FAMILIES and hook in model.HOOKS
    if e.get("ok") is True:
        assert "drop" not in e, "a step whose traffic succeeds names no drop"


@pytest.mark.parametrize("slug", LESSONS)
def test_hooks_named_are_known(slug):
    for fam, table, hook in LESSONS[slug].hooks_named():
        assert fam in model.FAMILIES
        assert hook in model.HOOKS
        if table:
            assert model.is_known(fam, table, hook), (fam, table, hook)


@pytest.mark.parametrize("slug,number", STEPS)
def test_markdown_names_only_known_tables_and_hooks(slug, number):
    """Every 'nat PREROUTING' / 'bridge INPUT' in the text exists in the model."""
    text = _step(slug, number).explain
    for table, chain in TABLE_HOOK_RE.findall(text):
        hook = model.hook_of("ip", chain)
        known = [f for f in model.FAMILIES if model.is_known(f, table, hook)]
        assert known, f"{table} {chain}: no family has a {table} table at {hook}"
        assert any(model.find_table(f, table, hook).available for f in known), (
            f"{table} {chain} is not available on this kernel")
    for fam, chain in FAMILY_HOOK_RE.findall(text):
        assert chain != "BROUTING", "this kernel has no broute table"
        assert model.hook_of(fam, chain) in model.HOOKS


@pytest.mark.parametrize("slug", LESSONS)
def test_topology_steps(slug):
    """``step = N`` elements exist for a step of the lesson, after what they need."""
    lesson = LESSONS[slug]
    topo = lesson.topology
    for item in topo.elements():
        assert 0 <= item.step <= len(lesson.steps), f"{item} has step {item.step}"
    built = {x.name: x.step for x in (*topo.namespaces, *topo.bridges)}
    assert topo.namespace("host").step == 0
    for v in topo.veths:
        for what, name in (("ns", v.end.ns), ("peer_ns", v.peer.ns), ("master", v.end.master)):
            if name:
                assert built[name] <= v.step, f"veth {v.end.name} is built before its {what} {name}"
    for item in topo.bridges + topo.routes:
        assert built[item.ns] <= item.step


def test_build_a_bridge_builds_in_steps():
    topo = LESSONS["build-a-bridge"].topology
    steps = sorted({i.step for i in (*topo.bridges, *topo.veths, *topo.routes)})
    assert len(steps) >= 3, "the bridge, the cables and the routes arrive in separate steps"
    assert "extends" not in topo.extra
    for s in LESSONS["build-a-bridge"].steps[:3]:
        assert s.commands, "each building step lists the equivalent ip commands"


def test_no_broute_is_said_not_faked():
    """The broute table is unavailable here: no rule may use it, and lessons say so."""
    for lesson in LESSONS.values():
        text = _rules_text(lesson)
        assert "-t broute" not in text and "BROUTING" not in text
    assert not model.find_table("bridge", "broute", "prerouting").available
    said = [s for s in LESSONS.values() if "broute" in " ".join(st.explain for st in s.steps)]
    assert said, "at least one lesson explains that this kernel has no broute table"


# -- docs/lessons.md documents every lesson and every expectation key --------
DOCS = (lessons.DEFAULT_DIR.parent / "docs" / "lessons.md").read_text()


@pytest.mark.parametrize("slug", LESSONS)
def test_lesson_is_documented(slug):
    assert f"| {slug} |" in DOCS, f"add {slug} to the lesson table in docs/lessons.md"


@pytest.mark.parametrize("key", EXPECT_KEYS)
def test_expect_key_is_documented(key):
    assert f"| `{key}` |" in DOCS, f"document the expectation key {key!r} in docs/lessons.md"


@pytest.mark.parametrize("key", model.PATHS)
def test_path_key_is_documented(key):
    assert f"| `{key}` |" in DOCS, f"list the path key {key!r} in docs/lessons.md"


# -- the Markdown renders as meant (by the page's own renderer, sanitised) ---
def _render(text: str) -> str:
    from visualizer.learn import markup
    return markup.render(text)


def _pre_text(html: str) -> str:
    import html as html_lib
    blocks = re.findall(r"<pre>(.*?)</pre>", html, re.S)
    return html_lib.unescape(re.sub(r"<[^>]+>", "", "\n".join(blocks)))


@pytest.mark.parametrize("slug,number", STEPS)
def test_markdown_code_blocks_render(slug, number):
    """Indented commands (also inside list items) come out as code blocks."""
    text = _step(slug, number).explain
    html = _render(text)
    pre = _pre_text(html)
    commands = [ln.strip() for ln in text.splitlines()
                if re.match(r"^ {4,}(-[A-Za-z]|iptables |ebtables |sysctl |ip )", ln)]
    for cmd in commands:
        assert cmd in pre, f"{cmd!r} does not render as code (indent it 8 spaces inside a list item)"
    if re.search(r"^\|.*\|\s*$", text, re.M):
        assert "<table>" in html, "a pipe table that does not render"
