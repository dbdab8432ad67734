"""The one ruleset-text parser (core/ruleset.py): pure, on the lessons' own rules files."""
from __future__ import annotations

import pytest

from visualizer.core import lessons, ruleset
from visualizer.core.ruleset import Chain, Rule
from visualizer.lab import rules

ROOT = lessons.DEFAULT_DIR
IPTABLES_FILES = sorted(ROOT.glob("*/iptables.rules")) + sorted(ROOT.glob("_rulesets/*/iptables.rules"))
EBTABLES_FILES = sorted(ROOT.glob("*/ebtables.rules")) + sorted(ROOT.glob("_rulesets/*/ebtables.rules"))


def line_scan(text: str) -> list[tuple[str, list[str], list[str]]]:
    """What the callers read from a rules file before the parser, by plain line scan:
    (table, its ':' lines, its '-A'/'-I' lines) per section."""
    out = []
    for line in text.splitlines():
        if line.startswith("*"):
            out.append((line[1:].strip(), [], []))
        elif line.startswith(":") and out:
            out[-1][1].append(line)
        elif line.startswith(("-A ", "-I ")) and out:
            out[-1][2].append(line)
    return out


@pytest.mark.parametrize("path", IPTABLES_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_rules_files_parse_into_the_same_tables_chains_and_rules(path):
    text = path.read_text()
    parsed = ruleset.parse(text)
    assert parsed.plain
    got = [(t.name, [c.line for c in t.chains], [r.line for r in t.rules]) for t in parsed.tables]
    assert got == line_scan(text)
    # the sections, rebuilt, are the file's own lines from each *table to its COMMIT
    inside, lines = False, []
    for ln in text.splitlines():
        inside = inside or ln.startswith("*")
        if inside:
            lines.append(ln)
        inside = inside and ln != "COMMIT"
    assert [ln for t in parsed.tables for ln in t.lines()] == lines


def test_docker_ruleset_chains_and_rules():
    parsed = ruleset.parse(lessons.ruleset_rules("docker")["iptables"])
    assert parsed.names() == ("nat", "filter")
    nat, filt = parsed.tables
    assert [c.name for c in nat.chains] == ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING", "DOCKER"]
    assert filt.chains[1] == Chain("FORWARD", "DROP", (0, 0), ":FORWARD DROP [0:0]")
    assert filt.chains[1].sets_policy and not filt.chains[3].sets_policy     # :DOCKER -
    assert [r.text for r in filt.rules_in("DOCKER-USER")] == ["-A DOCKER-USER -j RETURN"]
    assert len(nat.rules) == 6 and len(filt.rules) == 12
    assert nat.rules[-1] == Rule("-A", "DOCKER", "! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT "
                                 "--to-destination 172.17.0.2:80", None, None, nat.rules[-1].line)
    assert nat.commit == "COMMIT" and not parsed.stray


def test_trace_and_lesson_ebtables_lines_parse_by_table():
    trace = ruleset.parse_commands(lessons.ruleset_rules("trace")["ebtables"])
    assert trace.names() == ("nat", "filter")
    assert [r.chain for r in trace.tables[0].rules] == ["PREROUTING", "OUTPUT", "POSTROUTING"]
    assert trace.tables[0].rules[0].line.startswith("-A PREROUTING -p IPv4 --nflog-prefix")
    for path in EBTABLES_FILES:
        lines = lessons._load_rules(path.parent)["ebtables"]
        parsed = ruleset.parse_commands(lines)
        assert sum(len(t.rules) for t in parsed.tables) == len(lines)
        assert all(r.adds and "-t " not in r.line for t in parsed.tables for r in t.rules)
    assert rules.ebtables_restore_text(["-t nat -A PREROUTING -j X", "-A FORWARD -j DROP",
                                        "-I FORWARD -t filter 2 -j Y"]) == (
        "*nat\n-A PREROUTING -j X\nCOMMIT\n*filter\n-A FORWARD -j DROP\n-I FORWARD 2 -j Y\nCOMMIT\n")


def test_rule_lines_insert_positions_and_counters():
    r = ruleset.parse_rule("-I FORWARD 3 -i docker0 -j ACCEPT")
    assert (r.verb, r.chain, r.position, r.spec) == ("-I", "FORWARD", 3, "-i docker0 -j ACCEPT")
    assert r.saved == "-A FORWARD -i docker0 -j ACCEPT" and r.adds
    chain = ["-A FORWARD -j A", "-A FORWARD -j B", "-A FORWARD -j C"]
    r.place(chain)
    assert chain[2] == "-A FORWARD -i docker0 -j ACCEPT"
    ruleset.parse_rule("-I FORWARD -j FIRST").place(chain)
    assert chain[0] == "-A FORWARD -j FIRST"
    c = ruleset.parse_rule("[12:3456] -A INPUT -j DROP")
    assert c.counters == (12, 3456) and c.text == "-A INPUT -j DROP" and c.chain == "INPUT"
    assert not ruleset.parse_rule("-N MINE").adds and not ruleset.parse_rule("-A").adds
    assert ruleset.parse_chain(":MINE - [0:0]") == Chain("MINE", "-", (0, 0), ":MINE - [0:0]")
    assert ruleset.parse_chain(":INPUT ACCEPT").counters is None


def test_what_is_not_plain_sections_says_so():
    assert not ruleset.parse("-A FORWARD -j ACCEPT\n").plain            # outside a section
    assert ruleset.parse("-A FORWARD -j ACCEPT\n").stray == ("-A FORWARD -j ACCEPT",)
    assert not ruleset.parse("*filter\n:FORWARD DROP\n").plain          # never committed
    assert not ruleset.parse("*filter\n  COMMIT\n").plain               # COMMIT at column 0 only
    assert ruleset.parse("# only\n\n*raw\nCOMMIT \t\n# after\n").plain
    assert ruleset.parse("").tables == ()
    # ebtables-save writes no COMMIT: its sections end at the next one
    save = "*filter\n:INPUT ACCEPT\n-A INPUT -j CONTINUE\n*nat\n:PREROUTING ACCEPT\n"
    parsed = ruleset.parse(save)
    assert parsed.names() == ("filter", "nat") and [t.commit for t in parsed.tables] == [None, None]
    assert rules._parse_save(save) == {("filter", "INPUT"): ["-A INPUT -j CONTINUE"]}


def test_comments_and_blanks_stay_in_their_section():
    text = "*filter\n# why\n\n:FORWARD DROP [0:0]\n-A FORWARD -j X\nCOMMIT\n"
    t = ruleset.parse(text).tables[0]
    assert t.lines() == text.splitlines()
    assert t.restore_text(ruleset.is_content) == "*filter\n:FORWARD DROP [0:0]\n-A FORWARD -j X\nCOMMIT\n"


def test_command_table_reads_the_t_option():
    assert ruleset.command_table("-t nat -A POSTROUTING -j MASQUERADE") == (
        "nat", "-A POSTROUTING -j MASQUERADE")
    assert ruleset.command_table("-A FORWARD -t raw -j X") == ("raw", "-A FORWARD -j X")
    assert ruleset.command_table("-A FORWARD -p ARP -j DROP") == ("filter", "-A FORWARD -p ARP -j DROP")


@pytest.mark.parametrize("slug", lessons.all_lessons())
def test_present_tables_name_what_the_rules_create(slug):
    """The diagram's "which tables exist" comes from the same parser as the lab's loading."""
    from visualizer.learn.templatetags import diagram
    lesson = lessons.all_lessons()[slug]
    present = diagram.present_tables(lesson)
    for rs in rules.lesson_rules(lesson):
        assert {"ip:" + t for t in rules.iptables_by_table([rs.get("iptables", "")])} <= present
    assert {"ip:nat", "ip:filter", "ip:raw", "bridge:nat", "bridge:filter"} <= present
