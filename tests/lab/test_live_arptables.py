"""arptables on the live lab: the validator reads every option as the installed
arptables-nft does, and an arptables step action (or a learner's ``arptables ...`` rule)
is applied in the sandbox's host, where the kernel traces the drop in arp filter INPUT,
named as ``arptables-save`` prints it and with its origin."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT, run_trace, temp_lessons
from tests.lab.test_live_rules import READING

pytestmark = pytest.mark.live
SLUG = "arp-drop"
LESSON = '''title = "The host drops ARP requests"
summary = "c1 pings the host's docker0 address, then the host's arptables drops ARP requests."
topology = "docker-bridge"
rulesets = ["docker"]

[[steps]]
title = "No arptables rule"
traffic = { kind = "ping", from = "c1", to = "172.17.0.1", count = 1 }
expect = { ok = true }

[[steps]]
title = "arp filter INPUT drops ARP requests"
actions = [ { arptables = "-A INPUT -j DROP --opcode 1" } ]
traffic = { kind = "ping", from = "c1", to = "172.17.0.1", count = 1 }
expect = { ok = false, arp_seen = true }

[[steps]]
title = "Try it"
try_it = true
traffic = { kind = "ping", from = "c1", to = "172.17.0.1", count = 1 }
'''
STEP = "c1 pings 172.17.0.1.\n\n<!-- after -->\nWhat the kernel showed.\n"


@pytest.fixture(scope="module")
def folder():
    with temp_lessons("nfvis-arptables-", {SLUG: {
        "lesson.toml": LESSON, "step1.md": STEP, "step2.md": STEP, "step3.md": STEP}}) as root:
        yield root


def test_the_validator_reads_options_as_the_installed_arptables_does(live_lab):
    script = READING.replace("rc.IPTABLES", "rc.ARPTABLES").replace('["iptables", ', '["arptables", ')
    proc = subprocess.run(["unshare", "--user", "--map-root-user", "--net",
                           sys.executable, "-c", script, str(ROOT)],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert json.loads(proc.stdout.strip().splitlines()[-1])["disagree"] == []


def _arp_drops(events):
    return [e for e in events if e["family"] == "arp" and e["verdict"] == "drop"]


def test_an_arptables_action_drops_the_arp_request_in_arp_filter_input(live_lab, folder):
    env = {"LESSONS_DIR": str(folder)}
    events, res, proc = run_trace(SLUG, "--step", "1", env=env)
    assert proc.returncode == 0 and res["ok"] is True and not _arp_drops(events), proc.stderr[-2000:]
    events, res, proc = run_trace(SLUG, "--step", "2", env=env)
    assert proc.returncode == 0 and res["ok"] is False and res["grade"]["passed"], res["grade"]
    drops = _arp_drops(events)
    assert drops and all(e["table"] == "filter" and e["hook"] == "input" for e in drops)
    assert drops[0]["rule"] == "-A INPUT -j DROP --opcode 1"
    assert drops[0]["origin"] == "a lesson action in step 2: `arptables -A INPUT -j DROP --opcode 1`"
    # ARP is not routed: its hop says where it is without a routing decision
    arp = [e for e in events if e["family"] == "arp"]
    assert not any("routing decision sent" in (e.get("explain") or "") for e in arp)
    assert any(m["id"] == "explain.where.arp_in" for e in arp for m in e.get("explain_msgs") or [])


def test_a_learners_arptables_rule_is_applied_with_arptables(live_lab, folder):
    rule = "arptables -I INPUT --opcode Request -j DROP"     # before step 2's own drop
    events, res, proc = run_trace(SLUG, "--step", "3", "--rule", rule,
                                  env={"LESSONS_DIR": str(folder)})
    assert proc.returncode == 0 and res["ok"] is False, proc.stderr[-2000:]
    drops = _arp_drops(events)
    assert drops and drops[0]["origin"] == f"your rule: `{rule}`"
    assert [r["rule"] for r in res["chains"]["arp filter INPUT"]] == ["-A INPUT -j DROP --opcode 1"] * 2
