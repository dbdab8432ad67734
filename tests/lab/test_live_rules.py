"""Rule loading in a real sandbox: the fast rule index equals what the -save tools
and ``nft list`` say, and every declared chain policy is in, for every lesson; a
refused rule or policy fails loudly."""
from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT

SCRIPT = r"""
import asyncio, json, sys
sys.path.insert(0, sys.argv[1])
from visualizer.core import lessons, origins, ruleset
from visualizer.lab import commands, commits, rules, server, session
from visualizer.lab.commits import CommitWatch
from visualizer.lab.sandbox import Sandbox
server.private_run()
out = {"lessons": {}}
import re
_T, _H = re.compile(r"^table (\w+) (\S+) \{"), re.compile(r"type \w+ hook (\w+) priority (-?\d+)")

def base_chain_priorities(text):
    # {"family:table:hook": priority} of every base chain, as the kernel registered it
    got, fam, table = {}, None, None
    for line in text.splitlines():
        m, h = _T.match(line), _H.search(line)
        if m:
            fam, table = m.groups()
        elif h and fam:
            got[f"{fam}:{table}:{h.group(1)}"] = int(h.group(2))
    return got

async def main():
    for slug, lesson in lessons.all_lessons().items():
        sb = await session.prepare("t" + str(len(out["lessons"])), lesson)
        tools = await rules.RuleIndex.load(sb.ns("host"))
        tools.set_origins(origins.placed(lesson))      # the same origins, from the tools' texts
        chain = (lambda ln: ln.rsplit(" [", 1)[0])      # without the counters
        saved = {chain(ln) for ln in
                 (await commands.run(["iptables-save"], ns=sb.ns("host"))).out.splitlines()}
        declared = [chain(c.line) for r in rules.lesson_rules(lesson)
                    for t in ruleset.parse(r.get("iptables", "")).tables for c in t.chains]
        listing = await commands.run(["nft", "-y", "list", "ruleset"], ns=sb.ns("host"))
        out.setdefault("priorities", {}).update(base_chain_priorities(listing.out))
        out["lessons"][slug] = {"fast_equals_tools": sb.rule_index.map == tools.map,
                                "rules": len(tools.map),
                                "chains_missing": [ln for ln in declared if ln not in saved]}
        await session.finish_loading(sb)
        sb.close()
    topo = lessons.get("container-to-container").topology
    sb = Sandbox("bad", topo)
    sb.build(0)
    try:
        bad = [{"iptables": "*filter\n:FORWARD DROP [0:0]\n"
                            "-A FORWARD -m nosuchmatch -j ACCEPT\nCOMMIT\n"}]
        await rules.apply_rulesets(sb.ns("host"), bad, CommitWatch(sb.commit_sock))
        out["bad"] = "accepted"
    except commands.CommandError as e:
        out["bad"] = e.message
    try:    # a refused policy: its section comes last, and fails as loudly
        bad = [{"iptables": "*filter\n:FORWARD MAYBE [0:0]\n-A FORWARD -j ACCEPT\nCOMMIT\n"}]
        await rules.apply_rulesets(sb.ns("host"), bad, CommitWatch(sb.commit_sock))
        out["bad_policy"] = "accepted"
    except commands.CommandError as e:
        out["bad_policy"] = e.message
    # An nft script that needs a table iptables-restore creates alongside it:
    # the retry after the others end makes it land.
    needs = [{"iptables": "*filter\n-A FORWARD -j ACCEPT\nCOMMIT\n",
              "nft": "add rule ip filter FORWARD counter\n"}]
    jobs = await rules.apply_rulesets(sb.ns("host"), needs, CommitWatch(sb.commit_sock))
    await asyncio.gather(*jobs)
    listing = await commands.run(["nft", "list", "chain", "ip", "filter", "FORWARD"], ns=sb.ns("host"))
    out["retry"] = "counter packets" in listing.out
    sb.close()

asyncio.run(main())
print(json.dumps(out))
"""


def test_fast_rule_index_matches_the_tools_and_bad_rules_fail(live_lab):
    proc = subprocess.run(["unshare", "--user", "--map-root-user", "--net", "--mount",
                           sys.executable, "-c", SCRIPT, str(ROOT)],
                          capture_output=True, text=True, timeout=180, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["lessons"], "no lessons loaded"
    for slug, res in out["lessons"].items():
        assert res["fast_equals_tools"], f"{slug}: rule texts differ from iptables-save/nft list"
        # the sandbox's 14 trace probes and the lesson's own (firewall-by-hand loads no
        # docker rules: its 3 are all)
        assert res["rules"] > 15
        assert res["chains_missing"] == [], f"{slug}: chain policies not loaded"
    # The hook model's priorities are the kernel's (bridge filter OUTPUT is -200 under
    # ebtables-nft), and the probes sit strictly ahead of every table.
    from visualizer.core import model
    seen = out["priorities"]
    assert len(seen) > 10
    for key, prio in seen.items():
        fam, table, hook = key.split(":")
        if table == model.TRACE_TABLE:
            assert prio == model.TRACE_PRIORITY, key
            continue
        t = model.find_table(fam, table, hook)
        assert t is not None, f"the kernel has {key}; the model does not"
        assert t.priority == prio, f"{key}: the kernel registered {prio}, the model says {t.priority}"
    assert seen.get("bridge:filter:output") == -200
    assert "nosuchmatch" in out["bad"] or "Couldn't load match" in out["bad"], out["bad"]
    assert "MAYBE" in out["bad_policy"] or "policy" in out["bad_policy"].lower(), out["bad_policy"]
    assert out["retry"] is True


READING = r"""
import json, subprocess, sys
sys.path.insert(0, sys.argv[1])
from visualizer.core import rulecheck as rc
tool, out = rc.IPTABLES, {"disagree": [], "matches_missing": []}
for p in sorted({o[:k] for o in tool.long for k in range(1, len(o) + 1)}):
    if any(f.startswith(p) for f in rc.FORBIDDEN):
        continue
    meanings = {tool.long[o] for o in tool.long if o.startswith(p)}
    unique = p in tool.long or len(meanings) == 1
    takes = tool.long.get(p, next(iter(meanings)))[1] == rc.ARG
    argv = ["iptables", f"--{p}=x"] if takes else ["iptables", f"--{p}", "-A", "FORWARD"]
    said = subprocess.run(argv, capture_output=True, text=True, timeout=10)
    if ("unknown option" in said.stdout + said.stderr) == unique:
        out["disagree"].append([p, unique, said.stderr.strip()[:120]])
for name in sorted(tool.matches):
    if subprocess.run(["iptables", "-m", name, "-h"], capture_output=True, timeout=10).returncode:
        out["matches_missing"].append(name)
print(json.dumps(out))
"""


def test_the_validator_reads_options_as_the_installed_iptables_does(live_lab):
    """Every prefix of a long option the validator takes for one option, iptables takes
    for an option too; every prefix it takes for none (ambiguous), iptables refuses.
    Every match on the list loads, every one-word target on the list is a library (or
    a verdict), and no extension library has a dash: a dashed name is only a chain."""
    import glob
    from pathlib import Path

    from visualizer.core import rulecheck
    proc = subprocess.run(["unshare", "--user", "--map-root-user", "--net",
                           sys.executable, "-c", READING, str(ROOT)],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["disagree"] == [] and out["matches_missing"] == [], out
    dirs = ["/usr/lib/*/xtables/", "/usr/lib/xtables/", "/usr/lib64/xtables/",
            "/usr/local/lib/xtables/", "/usr/local/lib/*/xtables/"]
    libs = {Path(p).name for d in dirs for p in glob.glob(d + "lib*.so")}
    assert libs, "no xtables extension libraries found"
    names = {n.split("_", 1)[1].removesuffix(".so") for n in libs}
    assert not [n for n in names if "-" in n]
    for tool in (rulecheck.IPTABLES, rulecheck.EBTABLES):
        words = {t for t in tool.targets if not rulecheck.CHAIN.fullmatch(t)}
        verdicts = {"ACCEPT", "DROP", "RETURN", "CONTINUE", "DOCKER"}
        assert words - verdicts <= names, sorted(words - verdicts - names)
