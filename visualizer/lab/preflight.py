"""Can the live lab start here?  Each problem comes with one sentence of help.

Started as root, the lab first drops to an unprivileged user (``LabConfig.user``,
created by ``scripts/setup.sh``; ``FALLBACK_UID`` when that user does not exist)
and only then creates its user namespace, so its root maps to that uid and
never to the host's root.  The checks here say, before it starts, whether that
user can read what the lab runs: the code, the interpreter and its venv, the
lessons.
"""
from __future__ import annotations

import grp
import os
import pwd
import shutil
import stat
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

from ..core.config import LabConfig

SBIN = "/usr/sbin:/sbin:/usr/bin:/bin"
# binary -> Debian package
BINARIES = {
    "unshare": "util-linux", "iptables": "iptables", "iptables-restore": "iptables",
    "ebtables": "ebtables", "nft": "nftables", "ping": "iputils-ping",
    "telnet": "telnet", "nc": "netcat-openbsd", "conntrack": "conntrack",
    "curl": "curl",         # the http traffic kind
    "arptables": "iptables",    # arptables actions (arptables-nft, from the iptables package)
}
ROOT_BINARIES = {"setpriv": "util-linux"}     # needed only to drop root
PACKAGE = Path(__file__).resolve().parents[1]  # the visualizer package

# The uid (and gid) the lab drops to, started as root, when ``LabConfig.user``
# does not exist (setup not run).  Not ``nobody`` (65534), which NFS and many
# daemons share; 65520-65533 is unused by systemd (its dynamic users end at
# 65519) and reserved, never allocated, by Debian; 65533 is Gentoo's nogroup.
FALLBACK_UID = FALLBACK_GID = 65520
LAB_HOME = "/nonexistent"                     # HOME of the dropped lab

# Making a network namespace waits while the kernel tears earlier ones down (a
# thousand sandboxes released take it half a minute): a slow answer is no refusal.
UNSHARE_CHECK_S = 60


@dataclass(frozen=True)
class Problem:
    id: str
    message: str
    hint: str


@dataclass(frozen=True)
class LabUser:
    """Who the lab runs as when started by root."""
    name: str          # for messages: the user name, or "uid 65520"
    uid: int
    gid: int
    fallback: bool     # the configured user does not exist


def which(name: str) -> str | None:
    return shutil.which(name, path=os.environ.get("PATH", "") + ":" + SBIN)


def lab_user(config: LabConfig | None = None) -> LabUser | None:
    """The user the lab drops to, or None when we are not root (then it runs as us)."""
    if os.geteuid() != 0:
        return None
    name = (config or LabConfig()).user
    try:
        pw = pwd.getpwnam(name)
        return LabUser(name, pw.pw_uid, pw.pw_gid, False)
    except KeyError:
        pass
    if name.isdigit():
        return LabUser(f"uid {name}", int(name), int(name), False)
    return LabUser(f"uid {FALLBACK_UID}", FALLBACK_UID, FALLBACK_GID, True)


def drop_argv(user: LabUser | None) -> list[str]:
    """The command prefix that becomes ``user`` for good ([] when there is none).

    ``--pdeathsig`` again because a change of uid clears the parent-death
    signal; no new privileges (no setuid or file capabilities) from here on.
    A user namespace created afterwards still gets its full set of
    capabilities inside, whatever the bounding set was.
    """
    if user is None:
        return []
    return [which("setpriv") or "setpriv", f"--reuid={user.uid}", f"--regid={user.gid}",
            "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs",
            "--pdeathsig=KILL", "--"]


# -- can the lab user read what the lab runs? ------------------------------
def _allows(st: os.stat_result, user: LabUser, bits: int) -> bool:
    """Mode bits only (as the kernel picks them: owner, else group, else other)."""
    if st.st_uid == user.uid:
        mode = st.st_mode >> 6
    elif st.st_gid == user.gid:
        mode = st.st_mode >> 3
    else:
        mode = st.st_mode
    return mode & bits == bits


def _who(st: os.stat_result, user: LabUser) -> str:
    return "u" if st.st_uid == user.uid else "g" if st.st_gid == user.gid else "o"


def _steps(path: str, bits: int) -> list[tuple[Path, int]]:
    """Each folder passed on the way to ``path`` (and to a symlink's target), then ``path``."""
    parent = Path(os.path.realpath(os.path.dirname(os.path.abspath(path))))
    real = Path(os.path.realpath(path))
    dirs = [*reversed(parent.parents), parent]
    if real.parent != parent:
        dirs += [d for d in (*reversed(real.parents),) if d not in dirs]
    return [(d, 1) for d in dirs] + [(real, bits)]


def _blocker(path: str, user: LabUser, bits: int) -> tuple[str, os.stat_result, int] | None:
    """The first step of ``path`` that ``user`` cannot take: (where, its stat, bits needed)."""
    for p, need in _steps(path, bits):
        try:
            st = os.stat(p)
        except OSError:
            return None     # a missing path is reported where it is needed
        if need == 4 and stat.S_ISDIR(st.st_mode):
            need = 5        # reading a folder: listing it and entering it
        if not _allows(st, user, need):
            return str(p), st, need
    return None


def lab_paths(config: LabConfig) -> dict[str, int]:
    """What the lab reads (path -> 4 read, 1 execute)."""
    paths = {sys.executable: 1,
             str(PACKAGE): 4, str(PACKAGE / "core"): 4, str(PACKAGE / "lab"): 4,
             str(PACKAGE / "lab" / "server.py"): 4,
             str(config.lessons_dir): 4}
    if sys.prefix != sys.base_prefix:                  # a venv: its config and packages
        paths[os.path.join(sys.prefix, "pyvenv.cfg")] = 4
    for key in ("purelib", "platlib"):
        paths.setdefault(sysconfig.get_path(key), 4)
    return paths


def unreadable(user: LabUser, paths: dict[str, int]) -> list[Problem]:
    """One problem per closed folder or file, naming what it hides from ``user``."""
    blocked: dict[str, list] = {}          # where -> [stat, bits needed, paths hidden]
    for path, bits in paths.items():
        b = _blocker(path, user, bits)
        if b is not None:
            where, st, need = b
            entry = blocked.setdefault(where, [st, 0, []])
            entry[1] |= need
            entry[2].append(path)
    out = []
    for where, (st, need, hidden) in blocked.items():
        try:
            owner = pwd.getpwuid(st.st_uid).pw_name
        except KeyError:
            owner = str(st.st_uid)
        perm = "".join(c for c, b in (("r", 4), ("x", 1)) if need & b)
        fix = f"chmod {_who(st, user)}+{perm} {where}"
        homes = (PACKAGE.parent, Path(sys.prefix))
        hint = (f"Move the project and its venv to a folder other users can enter, or run: {fix}"
                if any(h.is_relative_to(where) and str(h) != where for h in homes)
                else f"Run: {fix}")
        hidden = [h for h in hidden if not any(h != o and Path(h).is_relative_to(o) for o in hidden)]
        what = "it" if hidden == [where] else ", ".join(hidden)
        out.append(Problem(
            "lab.user_cannot_read",
            f"{where} is mode {stat.S_IMODE(st.st_mode):o} (owner {owner}): started as root, "
            f"the lab runs as {user.name}, which cannot read {what}.", hint))
    return out


def _fallback_taken() -> str | None:
    """Who already has the fallback uid or gid, if anyone."""
    try:
        return f"the user {pwd.getpwuid(FALLBACK_UID).pw_name}"
    except KeyError:
        pass
    try:
        return f"the group {grp.getgrgid(FALLBACK_GID).gr_name}"
    except KeyError:
        return None


def lab_problems(config: LabConfig | None = None) -> list[Problem]:
    """Started as root: is the lab's user unprivileged, and can it read what the lab runs?

    Mode bits only, no subprocess: this runs on every lab start.
    """
    config = config or LabConfig()
    user = lab_user(config)
    if user is None:
        return []
    if user.uid == 0 or user.gid == 0:
        return [Problem("lab.user_is_root",
                        f"The lab user {config.user} is root (uid {user.uid}, gid {user.gid}): "
                        "started as root, the lab must drop to an unprivileged user.",
                        "Set LAB_USER to an unprivileged system user (scripts/setup.sh creates "
                        "nfvis-lab)")]
    if user.fallback:
        taken = _fallback_taken()
        if taken is not None:
            return [Problem("lab.fallback_uid_taken",
                            f"The lab user {config.user} does not exist, and the lab's fallback "
                            f"uid/gid {FALLBACK_UID} belongs to {taken}.",
                            "As root, run scripts/setup.sh (it creates the lab user), or set "
                            "LAB_USER to an unprivileged user of its own")]
    return unreadable(user, lab_paths(config))


def notices(config: LabConfig | None = None) -> list[Problem]:
    """What is worth knowing but does not stop the lab."""
    config = config or LabConfig()
    user = lab_user(config)
    if user is not None and user.fallback:
        return [Problem("lab.no_lab_user",
                        f"The lab user {config.user} does not exist: started as root, the lab "
                        f"runs as the otherwise unused uid {FALLBACK_UID} instead.",
                        "As root, run scripts/setup.sh to create it (useradd --system "
                        f"--no-create-home --shell /usr/sbin/nologin {config.user})")]
    return []


def problems(config: LabConfig | None = None) -> list[Problem]:
    config = config or LabConfig.from_env()
    user = lab_user(config)
    out = []
    needed = {**BINARIES, **(ROOT_BINARIES if user is not None else {})}
    missing = sorted({pkg for b, pkg in needed.items() if not which(b)})
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
    lab = lab_problems(config)
    out += lab
    if which("unshare") and not missing and not lab:
        # As the lab will: dropped to its user first when we are root.
        argv = drop_argv(user) + [which("unshare"), "-Urnm", "true"]
        try:
            r = subprocess.run(argv, capture_output=True, timeout=UNSHARE_CHECK_S, text=True,
                               cwd="/")
            if r.returncode != 0:
                hint = ("Allow unprivileged user namespaces: sysctl -w kernel.unprivileged_userns_clone=1 "
                        "(Debian kernels) or kernel.apparmor_restrict_unprivileged_userns=0 (Ubuntu)")
                if user is not None:
                    hint = (f"Started as root, the lab drops to {user.name} before it creates its "
                            f"namespaces. {hint}; in a container, LAB_USER must be a user whose "
                            "uid is mapped there")
                out.append(Problem(
                    "lab.unshare_failed",
                    f"Cannot create a private user+network namespace: {r.stderr.strip()}", hint))
        except (OSError, subprocess.TimeoutExpired) as e:
            out.append(Problem("lab.unshare_failed", f"unshare did not run: {e}",
                               "Check that util-linux's unshare works on this machine"))
    if not os.path.exists("/proc/sys/net/bridge"):
        out.append(Problem("lab.no_br_netfilter", "The kernel has no br_netfilter loaded.",
                           "As root, run: modprobe br_netfilter"))
    return out


def explain(probs: list[Problem]) -> str:
    return " ".join(f"{p.message} {p.hint}." for p in probs)
