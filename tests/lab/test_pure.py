"""Pure unit tests: headers, rule index parsing, the protocol, the hook model."""
import struct

import pytest

from visualizer.core import headers, model, protocol, rulecheck
from visualizer.lab import rules

NFT = """table ip filter { # handle 2
\tchain FORWARD { # handle 3
\t\ttype filter hook forward priority filter; policy drop;
\t\tcounter packets 0 bytes 0 jump DOCKER-USER # handle 8
\t\tiifname "docker0" oifname "docker0" counter packets 0 bytes 0 accept # handle 13
\t}
}
table bridge nat { # handle 5
\tchain POSTROUTING { # handle 1
\t\ttype filter hook postrouting priority srcnat; policy accept;
\t\tether type ip log prefix "eb:nat:POSTROUTING" group 1 counter packets 0 bytes 0 # handle 2
\t}
}
"""
IPT = "*filter\n:FORWARD DROP [0:0]\n-A FORWARD -j DOCKER-USER\n-A FORWARD -i docker0 -o docker0 -j ACCEPT\nCOMMIT\n"
EBT = '*nat\n:POSTROUTING ACCEPT\n-A POSTROUTING -p IPv4 --nflog-prefix "eb:nat:POSTROUTING" --nflog-group 1 -j CONTINUE\n'


def test_rule_index_maps_handles_to_iptables_text():
    idx = rules.RuleIndex(NFT, IPT, EBT)
    assert idx.lookup("ip", "filter", "FORWARD", 13) == {
        "pos": 2, "handle": 13, "text": "-A FORWARD -i docker0 -o docker0 -j ACCEPT",
        "probe": False, "origin": None, "origin_msg": None}
    assert [r["handle"] for r in idx.chain_rules("ip", "filter", "FORWARD")] == [8, 13]
    assert idx.chain_rules("ip", "filter", "INPUT") == []
    eb = idx.lookup("bridge", "nat", "POSTROUTING", 2)
    assert eb["pos"] == 1 and eb["probe"] is True


@pytest.mark.parametrize("text", ["", "   ", "a\nb", "x" * 301, "-A 'unterminated",
                                  "\ud800", "-I FORWARD -m comment --comment \udcff -j ACCEPT",
                                  "-I FORWARD -j ACCEPT\x1b[2J", "-I FORWARD\u2028-j DROP",
                                  "-I FORWARD --=x -j ACCEPT", "-I FORWARD -m '' -j ACCEPT"])
def test_malformed_rule_text_is_refused_before_any_tool_runs(text):
    with pytest.raises(rulecheck.RuleRefused) as e:
        rulecheck.args(text)
    assert e.value.kind == "input"


def test_a_lone_surrogate_is_a_clear_refusal_not_an_encoding_error():
    with pytest.raises(rulecheck.RuleRefused) as e:
        rulecheck.check_list(["-I FORWARD -j ACCEPT", "-I FORWARD -s \ud800 -j DROP"])
    assert e.value.kind == "input"
    assert e.value.message.startswith("rule 2: ") and "U+D800" in e.value.message


# Read as iptables reads them (getopt_long): prefixes of long options, --opt=value,
# bundled short options, values attached or in the next word.
@pytest.mark.parametrize("text, named", [
    ("-I FORWARD --modprobe=/bin/sh -j ACCEPT", "--modprobe"),
    ("-I FORWARD --modprobe /bin/sh -j ACCEPT", "--modprobe"),
    ("iptables -M /tmp/x -I FORWARD -j ACCEPT", "-M"),
    ("-I FORWARD -M/tmp/x -j ACCEPT", "-M"),
    ("-I FORWARD --modprob=/bin/x -j ACCEPT", "--modprob"),
    ("-I FORWARD --modp /bin/x -j ACCEPT", "--modp"),
    ("-I FORWARD --mod=/bin/x -j ACCEPT", "--modprobe"),
    ("-vM/bin/x -I FORWARD -j ACCEPT", "-vM/bin/x"),
    ("-vM /bin/x -I FORWARD -j ACCEPT", "-vM"),
    ("-I FORWARD -nvxM/bin/x -j ACCEPT", "-M"),
    ("-I FORWARD -m comment --comment x -M /bin/x -j ACCEPT", "-M"),
    ("-I FORWARD -m ../../tmp/evil -j ACCEPT", "../../tmp/evil"),
    ("-I FORWARD -m../../../tmp/x -j ACCEPT", "-m../../../tmp/x"),
    ("-I FORWARD --match=../x -j ACCEPT", "--match=../x"),
    ("-I FORWARD --mat ../x -j ACCEPT", "--mat ../x"),
    ("-I FORWARD -m ../x -j ACCEPT", "-m ../x"),
    ("-I FORWARD -vm../x -j ACCEPT", "-vm../x"),
    ("-I FORWARD -m tcp.so -j ACCEPT", "tcp.so"),
    ("-I FORWARD -j../x", "-j../x"),
    ("-I FORWARD -j ../x", "-j ../x"),
    ("-I FORWARD --jump=../x", "--jump=../x"),
    ("-I FORWARD --ju ../x", "--ju ../x"),
    ("-I FORWARD -g../x", "-g../x"),
    ("-I FORWARD --goto=/tmp/x", "--goto=/tmp/x"),
    ("-I FORWARD -p ../x -j ACCEPT", "-p ../x"),
    ("--atomic-file /etc/passwd -L", "--atomic-file"),
    ("-I FORWARD --among-src-file=/etc/passwd -j ACCEPT", "--among-src-file"),
])
def test_options_that_run_programs_or_load_files_are_forbidden(text, named):
    with pytest.raises(rulecheck.RuleRefused) as e:
        rulecheck.args(text)
    assert e.value.kind == "forbidden" and named in e.value.message, e.value.message


@pytest.mark.parametrize("text, named", [
    ("-A FORWARD --modp=/bin/x -j ACCEPT", "--modprobe"),
    ("-vM/bin/x -A FORWARD -j ACCEPT", "-M"),
    ("--atomic-f /tmp/x -L", "--atomic-file"),
    ("--atomic-c", "--atomic-commit"),
    ("--atomic -L", "--atomic-save"),
    ("--init-t", "--init-table"),
    ("-A FORWARD --among-src-f=/etc/passwd -j ACCEPT", "--among-src-file"),
    ("-A FORWARD --among-d /etc/passwd -j ACCEPT", "--among-dst-file"),
    ("-A FORWARD -j ../x", "-j ../x"),
    ("-A FORWARD -j MASQUERADE", "MASQUERADE"),
    ("-h ../../tmp/x", "-h ../../tmp/x"),
    ("-A FORWARD -m ../x -j ACCEPT", "-m ../x"),
])
def test_ebtables_rules_are_read_as_ebtables_reads_them(text, named):
    """Lesson actions run ebtables: its own options, its -h NAME (loads NAME), and among's
    file options (ebtables-nft reads every match's options in every rule)."""
    with pytest.raises(rulecheck.RuleRefused) as e:
        rulecheck.args(text, tool="ebtables")
    assert e.value.kind == "forbidden" and named in e.value.message, e.value.message


@pytest.mark.parametrize("text", [
    "-I FORWARD -sM -j ACCEPT",             # -s takes the rest of the word: source "M"
    "-I FORWARD -LM/x",                     # -L takes an attached value: chain "M/x"
    "-I FORWARD -m tcp -p tcp --dport 22 -j ACCEPT",
    "-I FORWARD --ma=tcp -p tcp --dport 22 -j ACCEPT",
    "-t nat -I PREROUTING -p tcp -j DNAT --to 172.17.0.2:80",   # --to: the target's option
    "-I FORWARD --set 1 2 -j ACCEPT",       # --set is short for --set-counters
    "-I FORWARD --no-such-option",          # unknown: iptables itself says so
    "-I FORWARD -jDOCKER-USER", "-I FORWARD --jump=DOCKER-ISOLATION-STAGE-2",
    "-N MY-CHAIN", "-I FORWARD -g MY-CHAIN", "-I FORWARD --goto MY-CHAIN",
    "-I FORWARD -m physdev --physdev-is-bridged -j ACCEPT",
])
def test_rules_iptables_reads_as_harmless_pass(text):
    assert rulecheck.args(text)


@pytest.mark.parametrize("name", sorted(rulecheck.IPTABLES.matches))
def test_every_listed_match_passes(name):
    assert rulecheck.args(f"-I FORWARD -m {name} -j ACCEPT")
    assert rulecheck.args(f"-I FORWARD --match={name} -j ACCEPT")


@pytest.mark.parametrize("tool", [rulecheck.IPTABLES, rulecheck.EBTABLES])
def test_every_listed_target_and_docker_chain_passes(tool):
    chains = ["DOCKER", "DOCKER-USER", "DOCKER-ISOLATION-STAGE-1", "DOCKER-ISOLATION-STAGE-2",
              "DOCKER-FORWARD", "DOCKER-CT", "DOCKER-BRIDGE", "DOCKER-INGRESS"]
    for name in sorted(tool.targets) + chains[1:]:
        assert rulecheck.args(f"-A FORWARD -j {name}", tool=tool.name)


@pytest.mark.parametrize("text, named", [
    ("-I FORWARD -m recent --set", "-m recent"),            # writes /proc/net/xt_recent
    ("-I FORWARD -m bpf --object-pinned /sys/fs/bpf/x", "-m bpf"),
    ("-I FORWARD -m nosuchmatch -j ACCEPT", "-m nosuchmatch"),
    ("-I FORWARD -j TEE --gateway 1.2.3.4", "-j TEE"),     # a library, one word: not a chain
    ("-I FORWARD -j IDLETIMER", "-j IDLETIMER"),
    ("-I FORWARD -j docker-user", "-j docker-user"),
    ("-I FORWARD -j NOWHERE", "-j NOWHERE"),
    ("-I FORWARD -j " + "A-" * 15, "-j"),                   # longer than a chain name
])
def test_matches_and_targets_off_the_list_are_refused_with_the_list(text, named):
    with pytest.raises(rulecheck.RuleRefused) as e:
        rulecheck.args(text)
    assert e.value.kind == "forbidden" and named in e.value.message
    assert "the lab runs are" in e.value.message and ("tcp" in e.value.message
                                                      or "ACCEPT" in e.value.message)


def _lesson_rules():
    """Every rule a lesson runs or shows: (tool, text).  Actions, the display commands,
    the rules files (their -A/-I lines) and the indented examples in the step texts."""
    from visualizer.core import lessons
    found = []
    for lesson in lessons.all_lessons().values():
        for rs in rules.lesson_rules(lesson):
            found += [("iptables", ln) for ln in rs.get("iptables", "").splitlines()
                      if ln.startswith("-")]
            found += [("ebtables", ln) for ln in rs.get("ebtables", [])]
        for step in lesson.steps:
            found += [(a.kind, a.args) for a in step.actions if a.kind in ("iptables", "ebtables")]
            found += [(c.split()[0], c) for c in step.commands
                      if c.startswith(("iptables ", "ebtables "))]
            found += _examples(step.explain)
    return found


def _examples(markdown: str):
    out, joined = [], ""
    for line in markdown.splitlines():
        text = line.strip()
        if not joined and not (line.startswith("    ") and
                               text.startswith(("-", "iptables ", "ebtables "))):
            continue
        joined += text.rstrip("\\") + " "
        if not text.endswith("\\"):
            out.append(("ebtables" if joined.startswith("ebtables") else "iptables", joined))
            joined = ""
    return out


def test_every_rule_a_lesson_uses_or_suggests_passes():
    found = _lesson_rules()
    assert len(found) > 60 and {t for t, _ in found} == {"iptables", "ebtables"}
    for tool, text in found:
        try:
            rulecheck.args(text, tool=tool)
        except rulecheck.RuleRefused as e:
            raise AssertionError(f"{tool} {text!r}: {e.message}") from None


def test_ipv4_icmp_and_tcp_headers():
    ip = bytes([0x45, 0, 0, 84]) + struct.pack("!HHBBH", 0x1234, 0x4000, 64, 1, 0) + \
        bytes([172, 17, 0, 2, 172, 17, 0, 3])
    icmp = struct.pack("!BBHHH", 8, 0, 0, 77, 3)
    h = headers.packet(None, ip, icmp)
    assert (h["src"], h["dst"], h["ip_id"], h["icmp_seq"]) == ("172.17.0.2", "172.17.0.3", 0x1234, 3)
    assert headers.summary(h) == "172.17.0.2 > 172.17.0.3 ICMP echo-request id=77 seq=3"
    tcp = struct.pack("!HHIIBB", 40000, 80, 1, 0, 0x50, 0x02)
    t = headers.transport("tcp", tcp)
    assert t["tcp_flags"] == "SYN" and t["dport"] == 80


@pytest.mark.parametrize("line", [b"not json", b"[]", b'{"id": 1, "op": "nope"}',
                                  b'{"id": 1, "op": "run", "owner": "a", "lesson": "x", "step": 0}',
                                  b'{"id": 1, "op": "run", "owner": "a", "lesson": "x", "rules": "r"}',
                                  b'{"id": 1, "op": "ping", "extra": 1}'])
def test_protocol_rejects_garbage(line):
    with pytest.raises(protocol.ProtocolError):
        protocol.decode_request(line)


def test_model_knows_the_bridged_path_and_its_tables():
    assert model.PATHS["bridged"][0] == ("bridge", "prerouting")
    assert [t.name for t in model.tables_at("ip", "prerouting")] == ["raw", "mangle", "nat"]
    broute = model.find_table("bridge", "broute", "prerouting")
    assert broute and not broute.available
    for a, b in model.EDGES:
        for node in (a, b):
            assert node in model.DECISIONS or tuple(node.split(":")) in {
                (f, h) for f in model.FAMILIES for h in model.HOOKS}


def test_one_config_from_settings_reaches_the_lab():
    """LESSONS_DIR and the LAB_* settings become one LabConfig, which the lab reads back."""
    from types import SimpleNamespace

    from visualizer.core.config import ENV_KEY, LabConfig
    cfg = LabConfig.from_settings(SimpleNamespace(
        LESSONS_DIR="/srv/lessons", LAB_POOL_SIZE=5, LAB_MAX_SANDBOXES=9, LAB_MAX_RULES=3,
        LAB_WARM_LESSONS=["a", "b"]))
    assert (cfg.lessons_dir, cfg.pool_size, cfg.max_sandboxes, cfg.max_rules) == (
        "/srv/lessons", 5, 9, 3)
    back = LabConfig.from_env({ENV_KEY: cfg.to_env()})
    assert back == cfg and back.warm_lessons == ("a", "b")
    with pytest.raises(rulecheck.RuleRefused, match="at most 3"):
        rulecheck.check_list(["-j ACCEPT"] * 4, back.max_rules, back.max_rule_len)


def test_an_event_reply_line_is_the_websocket_text_behind_its_id():
    """The web side passes event lines on undecoded: the id comes first, and what
    follows it is the page's message, field for field."""
    import json
    ev = {"seq": 3, "hook": "ip:filter:forward", "note": "a, b\\n"}
    line = protocol.encode_reply(41, {"type": "trace.event", "event": ev})
    rid, text = protocol.split_event(line)
    assert rid == 41 and json.loads(text) == {"type": "trace.event", "event": ev}
    assert text.startswith(protocol.EVENT_TEXT_HEAD)
    status = protocol.encode_reply(41, {"type": "lab.status", "status": "running"})
    assert protocol.split_event(status) is None
    assert protocol.decode_reply(status) == {"id": 41, "type": "lab.status", "status": "running"}
    for junk in (b"", b"{}", b'{"id":x,"type":"trace.event",', b'{"id":1}'):
        assert protocol.split_event(junk) is None


def test_the_sandbox_cap_comes_from_the_machine_unless_set():
    from visualizer.core.config import LabConfig
    from visualizer.lab.capacity import available_kib, explain_cap
    assert LabConfig().cap_for(4 * 1024 * 1024) == 1024         # 4 GiB: half, at 2 MiB each
    assert LabConfig(max_sandboxes=9).cap_for(4 * 1024 * 1024) == 9
    assert LabConfig().cap_for(None) == 64 and LabConfig().cap_for(1024) == 1
    assert available_kib() and available_kib("/nonexistent") is None
    cap, why = explain_cap(LabConfig())
    assert cap >= 1 and "MiB available now" in why
    assert explain_cap(LabConfig(max_sandboxes=5)) == (5, "set by LAB_MAX_SANDBOXES=5")
