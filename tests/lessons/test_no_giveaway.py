"""Before the run, no step's page states the answer to a part of the prediction it offers.

What a page shows before the run: the lesson's title, summary, scenario and intro, every
step's (neutral) title (the step tabs), this step's before-text (the Markdown above
``<!-- after -->``), and what it runs (actions, traffic, commands).  What the learner is
asked (``core/predict.offered``): will it get through, where it dies, the first request's
hooks in order, the address after NAT.  The answers come from the step's ``expect``, and
the forbidden statements are derived from them:

- ``through``: no sentence asserts an outcome ("the ping works", "it fails", "times out",
  "no reply") whichever way ``ok`` goes; questions ("Will it work?") are fine;
- ``dies_at``: no sentence names a hook of ``drop`` (or, when the traffic fails, of ``hit``
  or ``nat``) together with a drop word, and none says how it dies outside any rule
  ("martian", "the trace stops");
- ``hooks``: no three hooks of ``path`` (or ``reply_path``) named one after the other in
  the path's order, nor two joined by an arrow;
- ``nat_addr``: ``nat_new`` does not appear in the prose.  Code blocks (rules, commands)
  may hold it: a rule is the evidence the learner reasons from, as in the Rules tab.
"""
from __future__ import annotations

import re

import pytest

from visualizer.core import lessons, model, predict

LESSONS = lessons.all_lessons()
STEPS = [(slug, s.number) for slug, lesson in LESSONS.items() for s in lesson.steps]

HOOKS = "PREROUTING|INPUT|FORWARD|OUTPUT|POSTROUTING"
SUBJECT = (r"(?:ping|pings|request|requests|echo requests?|connection|telnet|nc|traffic|"
           r"packet|packets|SYN|answer|reply|replies|it|they|frame|frames)")
VERB = (r"(?:works|work|worked|fails|fail|failed|succeeds|succeeded|gets through|get through|"
        r"goes through|got through|is dropped|are dropped|was dropped|dies|die|died|times out|"
        r"timed out|does not work|doesn't work|breaks|broke|is answered|are answered|connects|"
        r"stops|stop|never arrives?|never leaves?|never comes? back|is lost|are lost|"
        r"comes back|come back)")
OUTCOME_RES = [
    re.compile(rf"\b{SUBJECT}\s+(?:\w+\s+){{0,2}}?{VERB}\b", re.I),
    re.compile(rf"\b(?:working|broken|dead|failing|failed|successful)\s+{SUBJECT}\b", re.I),
    re.compile(r"\b(?:no reply|no answer|nothing comes back|0 received|connection refused|"
               r"connected\b|destination host unreachable|network is unreachable)", re.I),
]
DROP_WORDS = re.compile(r"\b(?:drop|drops|dropped|dies|die|died|stops|ends|eats|kills|policy)\b", re.I)
HOW_IT_DIES = re.compile(r"\b(?:martian|trace (?:simply )?stops|dropped by the kernel)\b", re.I)
# "bridge PREROUTING", "ip nat OUTPUT", "nat POSTROUTING", "**ip FORWARD**"
HOOK_RE = re.compile(rf"\b(?:(bridge|ip)\s+)?(?:(raw|mangle|nat|filter)\s+)?({HOOKS})\b")
ARROW = re.compile(r"^\W*(?:→|->|then)\W*$")


def shown_before(lesson, step) -> tuple[str, str]:
    """(prose, code) of everything the step's page shows before the run."""
    parts = [lesson.title, lesson.summary, lesson.scenario, lesson.intro,
             *(s.title for s in lesson.steps), step.before]
    code = [a.describe() for a in step.actions] + [step.traffic.describe(), *step.commands]
    prose, blocks = _split_code("\n\n".join(parts))
    return prose, "\n".join(code + blocks)


def _split_code(md: str) -> tuple[str, list[str]]:
    """Markdown without its code blocks (fenced or indented), and the blocks."""
    blocks = re.findall(r"```.*?```", md, re.S)
    md = re.sub(r"```.*?```", "\n", md, flags=re.S)
    keep = []
    for line in md.splitlines():
        if re.match(r"^ {4,}\S", line) and not re.match(r"^ {4,}[-*] ", line) and \
                re.match(r"^ {4,}(-|[a-z]+(#|\$| )|iptables|ebtables|sysctl|ip |nft|icmp|\w+:)", line):
            blocks.append(line.strip())
        else:
            keep.append(line)
    return "\n".join(keep), blocks


def sentences(prose: str) -> list[str]:
    text = re.sub(r"[*`]", "", prose)
    out = []
    for para in re.split(r"\n\s*\n|\n\s*[-*] ", text):
        for s in re.split(r"(?<=[.!?])\s+", " ".join(para.split())):
            if s.strip():
                out.append(s.strip())
    return out


def _hooks_of(spec: str) -> tuple[str, str]:
    fam, _table, chain = spec.split()
    return fam, model.hook_of(fam, chain)


def _mentions(sentence_list):
    """Hook mentions in reading order: (family or None, hook, text between it and the last)."""
    out, flat = [], " ¶ ".join(sentence_list)
    last = 0
    for m in HOOK_RE.finditer(flat):
        fam = m.group(1) or ("ip" if m.group(2) in ("raw", "mangle") else None)
        out.append((fam, m.group(3).lower(), flat[last:m.start()]))
        last = m.end()
    return out


def path_runs(mentions, path) -> list[str]:
    """Runs of mentions that follow ``path`` in order: 3 in a row, or 2 joined by an arrow."""
    found = []
    for i in range(len(mentions)):
        for k, (pfam, phook) in enumerate(path):
            n = 0
            while i + n < len(mentions) and k + n < len(path):
                fam, hook, between = mentions[i + n]
                want_fam, want_hook = path[k + n]
                if hook != want_hook or (fam and fam != want_fam) or (n and "¶" in between):
                    break
                n += 1
            arrowed = n >= 2 and ARROW.match(mentions[i + 1][2])
            if n >= 3 or arrowed:
                found.append(" → ".join(f"{f or '?'} {h}" for f, h, _ in mentions[i:i + n]))
    return found


def giveaways(lesson, step) -> list[str]:
    """Every statement of the before-text that answers a part of the prediction."""
    offered = set(predict.offered(step))
    e = step.expect
    prose, _code = shown_before(lesson, step)
    said = [s for s in sentences(prose) if not s.endswith("?")]
    found = []
    if "through" in offered:
        found += [f"outcome: {s!r}" for s in said if any(r.search(s) for r in OUTCOME_RES)]
    if "dies_at" in offered:
        where = [e["drop"]] if "drop" in e else []
        if e.get("ok") is False:
            where += [e[k] for k in ("hit", "nat") if k in e]
        for spec in where:
            fam, hook = _hooks_of(spec)
            chain = spec.split()[2]
            for s in said:
                names = [m for m in HOOK_RE.finditer(s) if m.group(3) == chain
                         and m.group(1) in (None, fam)]
                if names and DROP_WORDS.search(s):
                    found.append(f"where it dies ({spec}): {s!r}")
        found += [f"how it dies: {s!r}" for s in said if HOW_IT_DIES.search(s)]
    if "hooks" in offered:
        mentions = _mentions(said)
        for key in ("path", "reply_path"):
            if key in e:
                found += [f"{key} {e[key]}: {r}" for r in path_runs(mentions, model.PATHS[e[key]])]
    if "nat_addr" in offered:
        addr = re.compile(rf"(?<![\d.]){re.escape(e['nat_new'])}(?![\d])")
        found += [f"address after NAT {e['nat_new']}: {s!r}" for s in said if addr.search(s)]
    return found


@pytest.mark.parametrize("slug,number", STEPS)
def test_before_the_run_the_page_does_not_give_the_answer(slug, number):
    lesson = LESSONS[slug]
    found = giveaways(lesson, lesson.step(number))
    assert not found, "\n".join(found)


@pytest.mark.parametrize("slug,number", STEPS)
def test_every_step_has_a_before_and_an_after(slug, number):
    step = LESSONS[slug].step(number)
    assert lessons.AFTER_MARKER in step.explain, f"split the text with a line {lessons.AFTER_MARKER}"
    assert len(step.before.strip()) > 40 and len(step.after.strip()) > 40


# -- the checks themselves catch the give-aways they are meant to ------------------------
class _S:
    def __init__(self, before, expect, kind="ping", title="a step"):
        self.before, self.expect, self.title = before, expect, title
        self.actions, self.commands = (), ()
        self.traffic = lessons.Traffic(kind=kind, dst="172.17.0.3")


class _L:
    title = summary = scenario = intro = ""

    def __init__(self, step):
        self.steps = (step,)


@pytest.mark.parametrize("before, expect, what", [
    ("What will it do? The ping works.", {"ok": True}, "outcome"),
    ("Without the rule, nothing comes back.", {"ok": False}, "outcome"),
    ("Capture a working ping", {"ok": True}, "outcome"),
    ("The request reaches **ip filter FORWARD** and ends on its policy: drop.",
     {"ok": False, "drop": "ip filter FORWARD"}, "where it dies"),
    ("The kernel drops it as a martian.", {"ok": False, "hit": "ip nat OUTPUT"}, "how it dies"),
    ("It goes **bridge PREROUTING → ip PREROUTING → bridge FORWARD** and on.",
     {"ok": True, "path": "bridged"}, "path"),
    ("It goes ip OUTPUT, then ip POSTROUTING.", {"ok": True, "path": "local-to-routed"}, "path"),
    ("The source becomes 203.0.113.10 on the way out.",
     {"ok": True, "nat": "ip nat POSTROUTING", "nat_field": "src", "nat_new": "203.0.113.10"},
     "address after NAT"),
])
def test_the_check_catches(before, expect, what):
    step = _S(before, expect)
    found = giveaways(_L(step), step)
    assert any(f.startswith(what) for f in found), found


def test_the_check_lets_the_setup_and_the_question_through():
    before = ("c1 pings wan. Which hooks will the request visit, and will it get through?\n\n"
              "    -t nat -A DOCKER -p tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80\n")
    step = _S(before, {"ok": True, "path": "bridged", "nat": "ip nat PREROUTING",
                       "nat_field": "dst", "nat_new": "172.17.0.2"})
    assert giveaways(_L(step), step) == []
