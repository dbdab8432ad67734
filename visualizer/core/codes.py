"""The kernel's numeric codes in trace and log messages, as names (pure data).

Shared by the netlink decoders (kernel side) and the tracker (core).
"""
from __future__ import annotations

# enum nft_trace_types
TRACE_TYPES = {1: "policy", 2: "return", 3: "rule"}
# netfilter verdicts (NF_*) and nftables' own (NFT_*), as signed 32-bit codes
VERDICTS = {0: "drop", 1: "accept", 2: "stolen", 3: "queue", 4: "repeat", 5: "stop",
            -1: "continue", -2: "break", -3: "jump", -4: "goto", -5: "return"}
NFPROTO = {2: "ip", 7: "bridge", 10: "ip6", 3: "arp", 1: "inet", 5: "netdev"}
# nft ct state bits
CT_STATE_BITS = ((8, "new"), (2, "established"), (4, "related"), (1, "invalid"), (64, "untracked"))
CT_STATUS_BITS = ((1, "expected"), (2, "seen_reply"), (4, "assured"), (8, "confirmed"),
                  (16, "src_nat"), (32, "dst_nat"), (128, "src_nat_done"),
                  (256, "dst_nat_done"), (512, "dying"))
CT_DIRECTIONS = {0: "original", 1: "reply"}


def ct_state_names(bits: int | None) -> list[str]:
    if not bits:
        return []
    return [name for bit, name in CT_STATE_BITS if bits & bit]


def ct_status_names(bits: int | None) -> list[str]:
    if not bits:
        return []
    return [name for bit, name in CT_STATUS_BITS if bits & bit]
