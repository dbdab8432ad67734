"""nf_tables commit counting, rule-handle dumps and the rule index built from the
loaded texts: pure tests on netlink bytes captured from this kernel."""
from __future__ import annotations

import base64
import json
import socket
import struct

import pytest
from pyroute2.netlink.rtnl.ifinfmsg import ifinfmsg

from tests.conftest import ROOT
from visualizer.core import lessons
from visualizer.lab import commits, rtnl, rules

FIXTURE = ROOT / "tests/fixtures/netlink_nftables.json"


@pytest.fixture(scope="module")
def capture():
    return json.loads(FIXTURE.read_text())


def _dump(capture) -> dict:
    out: dict = {}
    done = [commits.parse_rule_dump(base64.b64decode(b), capture["dump_seq"], out)
            for b in capture["rule_dump"]]
    assert done[-1] and not any(done[:-1])
    return out


def test_commits_are_counted_from_newgen_notifications(capture):
    # iptables-restore of docker's nat and filter tables, then one nft -f: three commits.
    seen = sum(commits.count_newgen(base64.b64decode(b)) for b in capture["notifications"])
    assert seen == capture["commits"] == 3
    names = [n for b in capture["notifications"] for n in commits.newgen_names(base64.b64decode(b))]
    assert names == ["iptables-restor", "iptables-restor", "nft"]


def test_rule_dump_gives_handles_in_chain_order(capture):
    handles = _dump(capture)
    assert len(handles[("ip", "filter", "FORWARD")]) == 6
    assert handles[("ip", "nat", "DOCKER")] == sorted(handles[("ip", "nat", "DOCKER")])
    assert ("bridge", "trace", "prerouting") in handles and ("ip", "trace", "input") in handles


def test_index_from_loaded_texts_names_each_kernel_handle(capture):
    docker = lessons.ruleset_rules("docker")
    trace_nft = {"nft": lessons.ruleset_rules("trace")["nft"]}
    handles = _dump(capture)
    idx = rules.RuleIndex.from_loaded(handles, [docker, trace_nft])
    assert idx is not None
    first = handles[("ip", "filter", "FORWARD")][0]
    assert idx.lookup("ip", "filter", "FORWARD", first) == {
        "pos": 1, "handle": first, "text": "-A FORWARD -j DOCKER-USER", "probe": False,
        "origin": None, "origin_msg": None}
    h = handles[("bridge", "trace", "forward")][0]
    assert idx.lookup("bridge", "trace", "forward", h)["text"] == \
        "meta protocol { ip, arp } meta nftrace set 1"
    assert idx.lookup("bridge", "trace", "forward", h)["probe"]
    # A chain whose rule count differs from the texts: ask the tools instead.
    assert rules.RuleIndex.from_loaded(handles, [docker]) is None


def test_source_texts_follow_append_and_insert():
    texts = rules.source_texts([
        {"iptables": "*filter\n-A FORWARD -j A\n-A FORWARD -j B\nCOMMIT\n"},
        {"iptables": "*filter\n-I FORWARD -j FIRST\n-I FORWARD 3 -j THIRD\nCOMMIT\n",
         "ebtables": ['-t nat -I PREROUTING -p IPv4 --nflog-prefix "x" --nflog-group 1 -j CONTINUE',
                      "-A FORWARD -j DROP"],
         "nft": "table ip t {\n\tchain c {\n\t\ttype filter hook input priority 0;\n"
                "\t\tcounter accept # why\n\t}\n}\n"},
    ])
    assert texts[("ip", "filter", "FORWARD")] == [
        "-A FORWARD -j FIRST", "-A FORWARD -j A", "-A FORWARD -j THIRD", "-A FORWARD -j B"]
    assert texts[("bridge", "nat", "PREROUTING")] == [
        '-A PREROUTING -p IPv4 --nflog-prefix "x" --nflog-group 1 -j CONTINUE']
    assert texts[("bridge", "filter", "FORWARD")] == ["-A FORWARD -j DROP"]
    assert texts[("ip", "t", "c")] == ["counter accept"]


def test_iptables_texts_split_by_table_keep_their_order():
    by_table = rules.iptables_by_table([
        "# docker\n*nat\n-A POSTROUTING -j MASQUERADE\nCOMMIT\n*filter\n-A FORWARD -j A\nCOMMIT\n",
        "*filter\n-A FORWARD -j B\nCOMMIT\n"])
    assert list(by_table) == ["nat", "filter"]
    assert by_table["filter"] == "*filter\n-A FORWARD -j A\nCOMMIT\n*filter\n-A FORWARD -j B\nCOMMIT\n"


def test_policies_are_split_off_into_sections_of_their_own():
    text = ("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:DOCKER - [0:0]\n"
            "-A FORWARD -j DOCKER\nCOMMIT\n*raw\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n")
    body, policies = rules.split_policies(text)
    assert body == "*filter\n:DOCKER - [0:0]\n-A FORWARD -j DOCKER\nCOMMIT\n"
    assert policies == ("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\nCOMMIT\n"
                        "*raw\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n")
    # Not plain sections: left whole, for the tool to report.
    assert rules.split_policies("-A FORWARD -j ACCEPT\n") == ("-A FORWARD -j ACCEPT\n", "")
    assert rules.split_policies("*filter\n:FORWARD DROP\n") == ("*filter\n:FORWARD DROP\n", "")


def test_rtnl_veth_is_one_message_with_index_master_and_peer_namespace():
    b = rtnl.Batch()
    b.veth(11, "veth-c1", 10, "eth0", peer_ns_fd=7, peer_mac="02:42:ac:11:00:02", master=10)
    msg = ifinfmsg(b.encode())
    msg.decode()
    assert (msg["index"], msg["flags"] & 1, msg.get_attr("IFLA_MASTER")) == (11, 1, 10)
    peer = msg.get_attr("IFLA_LINKINFO").get_attr("IFLA_INFO_DATA").get_attr("VETH_INFO_PEER")
    assert peer["index"] == 10 and peer.get_attr("IFLA_NET_NS_FD") == 7
    assert peer.get_attr("IFLA_ADDRESS") == "02:42:ac:11:00:02"


def test_rtnl_batch_error_names_the_refused_request():
    b = rtnl.Batch()
    b.up(1)
    b.addr(10, "172.17.0.1/16", "on docker0")
    ours, kernel = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    # The "kernel" acks request 1 and refuses request 2 with ENODEV.
    acks = b"".join(struct.pack("=IHHIIi", 36, 2, 0, seq, 0, err) + bytes(16)
                    for seq, err in ((1, 0), (2, -19)))
    kernel.send(acks)
    with pytest.raises(rtnl.BatchError, match="add address 172.17.0.1/16 on docker0: No such device"):
        b.send(ours)
    assert len(kernel.recv(65536)) == len(b.encode())
