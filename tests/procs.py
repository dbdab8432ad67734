"""Processes as the host's /proc shows them, for the lab's lifecycle and privilege tests."""
from __future__ import annotations

import os
from pathlib import Path


def children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        out += [int(x) for x in task.read_text().split()]
    return out


def pids_in_userns(inode: int) -> list[int]:
    """Every process of one user namespace (descendant or not)."""
    found = []
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                if os.stat(p / "ns" / "user").st_ino == inode:
                    found.append(int(p.name))
            except OSError:
                pass
    return found
