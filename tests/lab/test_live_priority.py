"""Two chains at the same priority on one hook: on this kernel the one registered
*later* runs first (a lesson text and the trace ruleset had said the opposite).
Measured with marks: each chain sets its own, a later chain counts which was last."""
from __future__ import annotations

from tests.conftest import in_private_namespaces

SCRIPT = r"""
import json, subprocess, sys
def run(*a, **k):
    return subprocess.run(list(a), check=True, timeout=10, capture_output=True, text=True, **k)
def table(name, prio, body):
    return (f"table ip {name} {{\n  chain c {{\n    type filter hook output priority {prio};\n"
            + "".join(f"    {line}\n" for line in body) + "  }\n}\n")
run("ip", "link", "set", "lo", "up")
run("nft", "-f", "-", input=table("first", 0, ["meta mark set 1"]))      # created first
run("nft", "-f", "-", input=table("second", 0, ["meta mark set 2"]))     # then this one
run("nft", "-f", "-", input=table("after", 10, ['meta mark 1 counter comment "first_last"',
                                                'meta mark 2 counter comment "second_last"']))
run("ping", "-c", "1", "-W", "1", "127.0.0.1")
out = json.loads(run("nft", "-j", "list", "table", "ip", "after").stdout)
print(json.dumps({x["rule"]["comment"]: next(e["counter"]["packets"] for e in x["rule"]["expr"]
                                             if "counter" in e)
                  for x in out["nftables"] if "rule" in x}))
"""


def test_at_equal_priority_the_chain_registered_later_runs_first(live_lab):
    counts = in_private_namespaces(SCRIPT, timeout=60)
    # "first" set the mark last: "second", registered after it, had run before it
    assert counts["first_last"] >= 1 and counts["second_last"] == 0, counts
