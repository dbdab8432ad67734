"""Can the live lab start here?  Each problem comes with one sentence of help."""
from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass

SBIN = "/usr/sbin:/sbin:/usr/bin:/bin"
# binary -> Debian package
BINARIES = {
    "unshare": "util-linux", "iptables": "iptables", "iptables-restore": "iptables",
    "ebtables": "ebtables", "nft": "nftables", "ping": "iputils-ping",
    "telnet": "telnet", "nc": "netcat-openbsd", "conntrack": "conntrack",
}


@dataclass(frozen=True)
class Problem:
    id: str
    message: str
    hint: str


def which(name: str) -> str | None:
    return shutil.which(name, path=os.environ.get("PATH", "") + ":" + SBIN)


def problems() -> list[Problem]:
    out = []
    missing = sorted({pkg for b, pkg in BINARIES.items() if not which(b)})
    if missing:
        out.append(Problem("lab.missing_binaries",
                           "The live lab needs programs that are not installed.",
                           "Install them: apt-get install -y " + " ".join(missing)))
    try:
        with open("/proc/sys/user/max_user_namespaces") as f:
            if int(f.read().strip() or 0) == 0:
                out.append(Problem("lab.no_userns", "User namespaces are disabled.",
                                   "Enable them: sysctl -w user.max_user_namespaces=15000"))
    except OSError:
        pass
    if which("unshare") and not missing:
        try:
            r = subprocess.run([which("unshare"), "-Urnm", "true"], capture_output=True,
                               timeout=5, text=True)
            if r.returncode != 0:
                out.append(Problem(
                    "lab.unshare_failed",
                    f"Cannot create a private user+network namespace: {r.stderr.strip()}",
                    "Allow unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns=0 "
                    "or user.max_user_namespaces>0), or run as root."))
        except (OSError, subprocess.TimeoutExpired) as e:
            out.append(Problem("lab.unshare_failed", f"unshare did not run: {e}",
                               "Check that util-linux's unshare works on this machine."))
    if not os.path.exists("/proc/sys/net/bridge"):
        out.append(Problem("lab.no_br_netfilter", "The kernel has no br_netfilter loaded.",
                           "As root, run: modprobe br_netfilter"))
    return out


def explain(probs: list[Problem]) -> str:
    return " ".join(f"{p.message} {p.hint}." for p in probs)
