"""The explainer's sentences (``explain.py``), as catalogue messages.

Ids name what a sentence says: ``explain.where.*`` where the packet is and
why, ``explain.rule.*`` / ``explain.policy.*`` a verdict and what follows,
``explain.nat.*`` and ``explain.ct.*`` what NAT and conntrack did,
``explain.fix.*`` what would let the packet through.  ``{matches}`` is a list
of ``rule.*`` phrases (``rulewords.py``).  A sentence resting on anything but
the kernel's fields says so in its words ("worked out from the topology").
"""
from __future__ import annotations

from . import phrases

phrases.define({
    # where the packet is, and why
    "explain.where.bridge_in": "It came in on port {port} of bridge {bridge}: bridge PREROUTING "
                               "runs before the bridge decides where the frame goes.",
    "explain.where.bridge_up": "The bridge {bridge} passes it up to the host: its destination "
                               "MAC {mac} is the bridge's own (worked out from the topology).",
    "explain.where.bridge_up_broadcast": "The bridge {bridge} passes a copy up to the host: its "
                                         "destination MAC {mac} is a broadcast, which the host "
                                         "receives too.",
    "explain.where.bridge_up_other": "The bridge {bridge} passes it up to the host (bridge INPUT).",
    "explain.where.bridge_up_promisc": "The bridge {bridge} passes a copy up to the host (bridge "
                                       "INPUT), although its destination MAC {mac} is {ns}'s, "
                                       "behind port {port}, not the host's: a bridge passes up a "
                                       "frame for another host's MAC only while it is in "
                                       "promiscuous mode (worked out: the MAC's owner from the "
                                       "topology, the mode from what the bridge did).",
    "explain.where.bridge_forward": "The bridge {bridge} forwards it from port {physin} to port "
                                    "{physout}.",
    "explain.where.bridge_flood": "The bridge {bridge} floods it: its destination MAC {mac} is a "
                                  "broadcast, so every other port gets a copy; this copy leaves "
                                  "by {physout}.",
    "explain.where.bridge_flood_copy": "Another copy of the same frame, leaving by {physout}: the "
                                       "bridge {bridge} sends it out of more than one port "
                                       "(it floods it).",
    "explain.where.bridge_output": "The host puts it on bridge {bridge}, out by port {port} "
                                   "(bridge OUTPUT: frames the host itself sends on the bridge).",
    "explain.where.bridge_post": "The last bridge hook before it leaves by port {port}.",
    "explain.where.brnf": "br_netfilter runs the ip hooks for this frame on bridge {bridge} (it "
                          "came in on port {port}) while bridge-nf-call-iptables is 1: ip hooks "
                          "name the bridge, bridge hooks the port.",
    "explain.where.brnf_forward": "The bridge {bridge} forwards it from port {physin} to port "
                                  "{physout}, and br_netfilter runs ip FORWARD for the bridged "
                                  "frame while bridge-nf-call-iptables is 1 (ip hooks name the "
                                  "bridge, bridge hooks the port).",
    "explain.where.arrived": "It arrived on {dev}: PREROUTING is the first ip hook, before the "
                             "routing decision.",
    "explain.where.arp_in": "An ARP packet that arrived on {dev} for the host's own ARP: arp "
                            "filter INPUT sees it before the kernel answers it or learns from it "
                            "(ARP is not routed: there is no routing decision).",
    "explain.where.arp_out": "An ARP packet the host sends by {oif}: arp filter OUTPUT sees it as "
                             "it leaves (ARP is not routed).",
    "explain.where.input": "The routing decision sent it to a local process: its destination "
                           "{dst} is one of the host's own addresses.",
    "explain.where.forward": "The routing decision sent it on to FORWARD: its destination {dst} "
                             "is not one of the host's addresses, and the route leaves by {oif}.",
    "explain.where.output": "A process on the host sent it: OUTPUT is the first hook of the "
                            "host's own packets, and the routing decision chose {oif}.",
    "explain.where.post": "The last ip hook before it leaves by {oif}.",
    "explain.where.rerouted": "It leaves by {oif} now, not by {before} as the routing decision "
                              "at OUTPUT chose: after the NAT changed its destination, the kernel "
                              "routed it again.",
    "explain.rule.reject": "Rule {pos} of {chain} matched ({matches}) and rejects the packet: the "
                           "kernel drops it here and answers its sender with an error (a TCP "
                           "reset or an ICMP unreachable).",
    "explain.rule.drop_copy": "Rule {pos} of {chain} matched ({matches}) and drops this copy of "
                              "the frame: the bridge made one for each port it floods to (and "
                              "one for the host), and the others go on.",
    "explain.policy.drop_copy": "No rule of {chain} accepted this copy of the frame, so the "
                                "chain's policy, DROP, dropped it; the bridge's other copies "
                                "(for other ports, or the host) go on.",
    "explain.where.raw": "The raw table runs before conntrack, so this dump carries no "
                         "conntrack state yet.",
    # rules and verdicts
    "explain.rule.jump": "Rule {pos} of {chain} matched ({matches}): it jumps to {target}, whose "
                         "rules run next; if none of them decides, the packet comes back to "
                         "rule {next} of {base}.",
    "explain.rule.goto": "Rule {pos} of {chain} matched ({matches}): it goes to {target}, whose "
                         "rules run next, and does not come back to {base}.",
    "explain.rule.accept": "Rule {pos} of {chain} matched ({matches}) and accepts the packet: "
                           "the rest of the chain is skipped, and it goes on to the next chain.",
    "explain.rule.accept_user": "Rule {pos} of {chain} matched ({matches}) and accepts the "
                                "packet: an accept in {user}, which {base} jumped to, ends {base} "
                                "too, and it goes on to the next chain.",
    "explain.rule.drop": "Rule {pos} of {chain} matched ({matches}) and drops the packet: the "
                         "kernel frees it here, and no later chain sees it.",
    "explain.rule.return": "Rule {pos} of {chain} matched ({matches}) and returns: the packet "
                           "goes back to {caller}, which goes on from rule {next}.",
    "explain.rule.return_unknown": "Rule {pos} of {chain} matched ({matches}) and returns: the "
                                   "packet goes back to the chain that jumped to {user}.",
    "explain.rule.end_of_chain": "No rule of {chain} decided, so at its end the packet returns "
                                 "to {caller}, which goes on from rule {next} (worked out: the "
                                 "kernel reports only the end of the chain).",
    "explain.rule.end_of_chain_unknown": "No rule of {chain} decided, so at its end the packet "
                                         "returns to the chain that jumped here (worked out: "
                                         "the kernel reports only the end of the chain).",
    "explain.rule.log": "Rule {pos} of {chain} matched ({matches}): it logs a copy of the packet "
                        "(prefix \"{prefix}\") and the packet goes on to the next rule, unchanged.",
    "explain.rule.continue": "Rule {pos} of {chain} matched ({matches}) and lets the packet go on "
                             "to the next rule.",
    "explain.rule.other": "Rule {pos} of {chain} matched ({matches}): verdict {verdict}.",
    "explain.rule.unknown": "A rule of {chain} (its text unknown) gave the verdict {verdict}.",
    "explain.policy.accept": "No rule of {chain} decided, so its policy, ACCEPT, lets the packet "
                             "go on to the next chain.",
    "explain.policy.drop": "No rule of {chain} accepted the packet, so the chain's policy, DROP, "
                           "dropped it: no later chain sees it.",
    "explain.policy.other": "No rule of {chain} decided, so its policy, {verdict}, applies.",
    "explain.probe.trace": "The sandbox's trace probe ({rule}): it marks the packet so that the "
                           "kernel reports it at every chain from here on, and changes nothing "
                           "else.",
    "explain.probe.log": "The sandbox's log probe: it copies the frame to NFLOG with the prefix "
                         "\"{prefix}\" and changes nothing.",
    "explain.probe.policy": "The end of the sandbox's trace chain {chain}: the packet goes on, "
                            "unchanged.",
    "explain.log": "Logged at {family} {hook} by the rule with the prefix \"{prefix}\" (an NFLOG "
                   "copy): logging does not change the packet, which goes on.",
    "explain.log_unknown": "Logged by a rule with the prefix \"{prefix}\" (an NFLOG copy): "
                           "logging does not change the packet.",
    # NAT
    "explain.nat.dnat": "Rule {pos} of {chain} matched ({matches}) and DNATs the packet: its "
                        "destination {old} becomes {new} ({new} read from the rule's "
                        "--to-destination).",
    "explain.nat.snat": "Rule {pos} of {chain} matched ({matches}) and SNATs the packet: its "
                        "source {old} becomes {new} ({new} read from the rule's --to-source).",
    "explain.nat.masquerade": "Rule {pos} of {chain} matched ({matches}) and MASQUERADEs the "
                              "packet: its source {old} becomes {new}, the address of {oif}, the "
                              "interface it leaves by ({oif}'s address, worked out from the "
                              "topology).",
    "explain.nat.masquerade_noaddr": "Rule {pos} of {chain} matched ({matches}) and MASQUERADEs "
                                     "the packet: its source {old} becomes the address of {oif}, "
                                     "the interface it leaves by.",
    "explain.nat.redirect": "Rule {pos} of {chain} matched ({matches}) and REDIRECTs the packet "
                            "to the host itself: its destination {old} becomes an address of "
                            "the interface it came in on.",
    "explain.nat.redirect_port": "Rule {pos} of {chain} matched ({matches}) and REDIRECTs the "
                                 "packet to the host itself: its destination {old} becomes an "
                                 "address of the interface it came in on, port {ports}.",
    "explain.nat.iface_address": "the address of {oif}",
    "explain.nat.the_host": "the host itself",
    "explain.nat.other": "Rule {pos} of {chain} matched ({matches}) and applies {target} to "
                         "the packet.",
    # conntrack keeps an entry only once it is confirmed, when the packet passes its last
    # hook: a packet dropped before that (a martian after the DNAT) leaves no entry
    "explain.nat.record_dnat": "This is the flow's first packet, so conntrack records the "
                               "mapping in entry {ct}, kept once the packet passes its last "
                               "hook: then its later packets get it without the nat chains, "
                               "and its replies get their source changed back to {old} at "
                               "{hook}.",
    "explain.nat.record_snat": "This is the flow's first packet, so conntrack records the "
                               "mapping in entry {ct}, kept once the packet passes its last "
                               "hook: then the replies come back addressed to {new}, and their "
                               "destination is changed back to {old} at {hook}.",
    "explain.nat.seen": "The {kind} in {at} rewrote its {field} {old} → {new}: that is why "
                        "{chain}'s rules see {new}.",
    "explain.nat.applied": "Its {field} was {old} at the previous dump ({prev}) and is {new} "
                           "here: conntrack applied entry {ct}'s mapping at {hook}, without "
                           "running the nat chains.",
    "explain.nat.reversed": "Its {field} was {old} at the previous dump ({prev}) and is {new} "
                            "here: conntrack applied the reverse of entry {ct}'s mapping at "
                            "{hook}, without running the nat chains.",
    "explain.nat.desc": "the {kind} of {old} to {new} in {at}",
    "field.src": "source", "field.dst": "destination",
    # conntrack
    "explain.ct.new": "Conntrack made entry {ct} for it: it is the first packet of its flow "
                      "(state new), so the nat table is consulted now, and the mapping it picks "
                      "is recorded in entry {ct}.",
    "explain.ct.established": "The flow is established (conntrack entry {ct}): the nat chains "
                              "ran for its first packet only, and the kernel does not run them "
                              "again.",
    "explain.ct.established_nat": "The flow is established (conntrack entry {ct}): the kernel "
                                  "applies the mapping recorded for its first packet ({nat}) "
                                  "and does not run the nat chains again.",
    "explain.ct.reply": "It is a reply of conntrack entry {ct}: no nat chain runs for a reply.",
    "explain.ct.reply_dnat": "It is a reply of conntrack entry {ct}: no nat chain runs for it; "
                             "the reverse of the entry's mapping ({nat}) changes its source "
                             "back to {old} at {hook} (worked out from the entry's mapping).",
    "explain.ct.reply_snat": "It is a reply of conntrack entry {ct}: no nat chain runs for it; "
                             "the reverse of the entry's mapping ({nat}) changes its "
                             "destination back to {old} at {hook}.",
    "explain.ct.related": "It is related to conntrack entry {ct} (such as an ICMP error about "
                          "that flow).",
    "explain.ct.other": "Conntrack entry {ct}, state {state}.",
    # what would let it through
    "explain.fix.localnet": "Its source is {src}, a loopback address, and {dev} is the way to "
                            "{new} (worked out from the topology): the kernel routes it again "
                            "after this DNAT and drops it as a martian unless `sysctl "
                            "net.ipv4.conf.{dev}.route_localnet=1`, and its reply needs a source "
                            "the container can answer: `-t nat -I POSTROUTING -o {dev} -m addrtype "
                            "--src-type LOCAL -j MASQUERADE`.",
    "explain.fix.masquerade": "No nat rule rewrote its source: it leaves by {oif} from {src}, an "
                              "address of {bridge}'s network {net} behind the host, to which "
                              "the other side has no route back (both worked out from the "
                              "topology); "
                              "a rule `-t nat -A POSTROUTING -s {net} ! -o {bridge} -j "
                              "MASQUERADE` gives it {oif}'s address.",
    "explain.fix.bridged_forward": "Two ways let bridged frames through: `sysctl "
                                   "net.bridge.bridge-nf-call-iptables=0` (the bridge stops "
                                   "calling iptables), or a rule `-I FORWARD -m physdev "
                                   "--physdev-is-bridged -j ACCEPT`.",
})
