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
        "pos": 2, "text": "-A FORWARD -i docker0 -o docker0 -j ACCEPT", "probe": False}
    eb = idx.lookup("bridge", "nat", "POSTROUTING", 2)
    assert eb["pos"] == 1 and eb["probe"] is True


@pytest.mark.parametrize("text", ["", "   ", "a\nb", "x" * 301, "-A 'unterminated"])
def test_malformed_rule_text_is_refused_before_any_tool_runs(text):
    with pytest.raises(rulecheck.RuleRefused) as e:
        rulecheck.args(text)
    assert e.value.kind == "input"


@pytest.mark.parametrize("text", ["-I FORWARD --modprobe=/bin/sh -j ACCEPT",
                                  "-I FORWARD --modprobe /bin/sh -j ACCEPT",
                                  "iptables -M /tmp/x -I FORWARD -j ACCEPT",
                                  "-I FORWARD -m ../../tmp/evil -j ACCEPT",
                                  "--atomic-file /etc/passwd -L"])
def test_options_that_run_programs_are_forbidden(text):
    with pytest.raises(rulecheck.RuleRefused) as e:
        rulecheck.args(text)
    assert e.value.kind == "forbidden"


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
