"""Writes tests/fixtures/sample_events.json: a HAND-WRITTEN sample run for UI tests only.

It imitates the engine contract (docs/engine-api.md); it is never shown by the
product except as a test-created recorded run.
"""
import json
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "fixtures" / "sample_events.json"
C1, C2 = "172.17.0.2", "172.17.0.3"


def ev(j, fam, table, chain, hook, typ, verdict, rule=None, pos=None, base=None, probe=False,
       ct="new", direction="original", src=C1, dst=C2, icmp_type=8, source="nftrace", target=None):
    d = dict(journey=j, family=fam, table=table, chain=chain, hook=hook, base_chain=base or chain,
             type=typ, verdict=verdict, target=target, rule=rule, rule_pos=pos, rule_handle=None,
             probe=probe, source=source, iif="veth-c1" if direction == "original" else "veth-c2",
             oif=None, physin=None, physout=None, mac_src="02:42:ac:11:00:02", mac_dst="02:42:ac:11:00:03",
             src=src, dst=dst, proto="icmp", sport=None, dport=None, icmp_type=icmp_type, icmp_code=0,
             icmp_id=77, icmp_seq=1, ip_id=4242, ttl=64, tcp_flags=None, ct_id=11, ct_state=ct,
             ct_direction=direction, ct_status=["confirmed"] if ct != "new" else [],
             trace_id="9be0ab12" if j == 1 else "5d1e77a0", prefix=None)
    if fam == "ip" and hook in ("forward", "postrouting"):
        d.update(iif="docker0", oif="docker0",
                 physin="veth-c1" if direction == "original" else "veth-c2",
                 physout="veth-c2" if direction == "original" else "veth-c1")
    what = {"policy": f"policy {verdict}", "log": "log"}.get(typ, f"rule {rule or ''} ({verdict})")
    d["text"] = f"trace id {d['trace_id']} {fam} {table} {chain} {what}".replace("  ", " ")
    return d


def journey(j, direction):
    r = direction == "reply"
    kw = dict(direction=direction, ct="established" if r else "new",
              src=C2 if r else C1, dst=C1 if r else C2, icmp_type=0 if r else 8)
    out = [
        ev(j, "bridge", "trace", "prerouting", "prerouting", "rule", "continue",
           "meta nftrace set 1", probe=True, **kw),
        ev(j, "bridge", "nat", "PREROUTING", "prerouting", "log", None, source="nflog", **kw),
        ev(j, "ip", "raw", "PREROUTING", "prerouting", "rule", "continue", "-A PREROUTING -j TRACE", 1, **kw),
        ev(j, "ip", "raw", "PREROUTING", "prerouting", "policy", "accept", **kw),
    ]
    if not r:
        out.append(ev(j, "ip", "nat", "PREROUTING", "prerouting", "policy", "accept", **kw))
    out += [
        ev(j, "bridge", "trace", "forward", "forward", "rule", "continue", "meta nftrace set 1", probe=True, **kw),
        ev(j, "bridge", "filter", "FORWARD", "forward", "log", None, source="nflog", **kw),
        ev(j, "ip", "filter", "FORWARD", "forward", "rule", "jump", "-A FORWARD -j DOCKER-USER", 1,
           target="DOCKER-USER", **kw),
        ev(j, "ip", "filter", "DOCKER-USER", "forward", "rule", "return", "-A DOCKER-USER -j RETURN", 1,
           base="FORWARD", **kw),
        ev(j, "ip", "filter", "FORWARD", "forward", "rule", "jump", "-A FORWARD -j DOCKER-ISOLATION-STAGE-1",
           2, target="DOCKER-ISOLATION-STAGE-1", **kw),
        ev(j, "ip", "filter", "DOCKER-ISOLATION-STAGE-1", "forward", "rule", "return",
           "-A DOCKER-ISOLATION-STAGE-1 -j RETURN", 2, base="FORWARD", **kw),
    ]
    if r:
        out.append(ev(j, "ip", "filter", "FORWARD", "forward", "rule", "accept",
                      "-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT", 3, **kw))
    else:
        out.append(ev(j, "ip", "filter", "FORWARD", "forward", "rule", "accept",
                      "-A FORWARD -i docker0 -o docker0 -j ACCEPT", 6, **kw))
    out += [
        ev(j, "bridge", "trace", "postrouting", "postrouting", "rule", "continue", "meta nftrace set 1",
           probe=True, **kw),
        ev(j, "bridge", "nat", "POSTROUTING", "postrouting", "log", None, source="nflog", **kw),
    ]
    if not r:
        out.append(ev(j, "ip", "nat", "POSTROUTING", "postrouting", "policy", "accept", **kw))
    return out


def main():
    events = journey(1, "request") + journey(2, "reply")
    for i, e in enumerate(events, start=1):
        e["seq"] = i
        e["t_ms"] = i * 0.05 if e["journey"] == 1 else 1.2 + i * 0.05
    rules_path = Path(__file__).resolve().parents[2] / "lessons/_rulesets/docker/iptables.rules"
    filt = ("Chain FORWARD (policy DROP 0 packets, 0 bytes)\n"
            "num   pkts bytes target     prot opt in     out     source               destination\n"
            "1        2   168 DOCKER-USER  0    --  *      *       0.0.0.0/0            0.0.0.0/0\n"
            "2        2   168 DOCKER-ISOLATION-STAGE-1  0    --  *      *       0.0.0.0/0            0.0.0.0/0\n"
            "3        1    84 ACCEPT     0    --  *      docker0  0.0.0.0/0            0.0.0.0/0            ctstate RELATED,ESTABLISHED\n"
            "4        1    84 DOCKER     0    --  *      docker0  0.0.0.0/0            0.0.0.0/0\n"
            "5        0     0 ACCEPT     0    --  docker0 !docker0  0.0.0.0/0            0.0.0.0/0\n"
            "6        1    84 ACCEPT     0    --  docker0 docker0  0.0.0.0/0            0.0.0.0/0\n\n"
            "Chain DOCKER-USER (1 references)\n"
            "num   pkts bytes target     prot opt in     out     source               destination\n"
            "1        2   168 RETURN     0    --  *      *       0.0.0.0/0            0.0.0.0/0\n")
    assert rules_path.exists()
    result = {
        "ok": True, "transmitted": 1, "received": 1, "lesson": "container-to-container", "step": 1,
        "command": "c1$ ping -n -c 1 -i 0.2 -W 1 172.17.0.3",
        "output": "PING 172.17.0.3 (172.17.0.3) 56(84) bytes of data.\n"
                  "64 bytes from 172.17.0.3: icmp_seq=1 ttl=64 time=0.071 ms\n",
        "journeys": [
            {"id": 1, "direction": "request", "proto": "icmp", "summary": f"icmp echo-request {C1} → {C2}",
             "outcome": "delivered", "drop_at": None, "flow": 11, "first_seq": 1,
             "events": [e["seq"] for e in events if e["journey"] == 1],
             "path": [["bridge", "prerouting"], ["ip", "prerouting"], ["bridge", "forward"],
                      ["ip", "forward"], ["bridge", "postrouting"], ["ip", "postrouting"]], "nat": []},
            {"id": 2, "direction": "reply", "proto": "icmp", "summary": f"icmp echo-reply {C2} → {C1}",
             "outcome": "delivered", "drop_at": None, "flow": 11,
             "first_seq": min(e["seq"] for e in events if e["journey"] == 2),
             "events": [e["seq"] for e in events if e["journey"] == 2],
             "path": [["bridge", "prerouting"], ["ip", "prerouting"], ["bridge", "forward"],
                      ["ip", "forward"], ["bridge", "postrouting"]], "nat": []},
        ],
        "rules": {"iptables": {"filter": filt, "nat": "Chain PREROUTING (policy ACCEPT 0 packets, 0 bytes)\n"},
                  "ebtables": {"nat": "Bridge table: nat\n\nBridge chain: PREROUTING, entries: 1, policy: ACCEPT\n"
                                      "1. -p IPv4 --nflog-group 1 --nflog-prefix eb:nat:PREROUTING\n"}},
        "conntrack": [{"id": 11, "proto": "icmp", "state": None, "timeout": 29,
                       "orig": {"src": C1, "dst": C2, "sport": None, "dport": None},
                       "reply": {"src": C2, "dst": C1, "sport": None, "dport": None},
                       "status": ["seen-reply", "confirmed"], "nat": None}],
        "captures": {"veth-c1": [{"t_ms": 0.01, "iface": "veth-c1", "summary": f"IP {C1} > {C2}: ICMP echo request",
                                  "src": C1, "dst": C2, "proto": "icmp", "journey": 1}]},
    }
    OUT.write_text(json.dumps({"note": "hand-written sample for UI tests; not kernel output",
                               "events": events, "result": result}, indent=1))


if __name__ == "__main__":
    main()
