#!/usr/bin/env bash
# Idempotent setup: Debian packages (when root), .venv with the project, migrations.
# Does nothing that is already done.
set -euo pipefail
cd "$(dirname "$0")/.."

# Prefer Debian's interpreter: it sits where every user can run it, so the
# rootless lab (and the unprivileged-user test) can exec it from a user namespace.
if [ -z "${PYTHON:-}" ] && [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  PY=/usr/bin/python3
else
  PY=${PYTHON:-python3}
fi
# binary -> Debian package that provides it
declare -A PKG=(
  [iptables]=iptables [ebtables]=ebtables [nft]=nftables [ip]=iproute2
  [ping]=iputils-ping [telnet]=telnet [nc]=netcat-openbsd [conntrack]=conntrack
  [curl]=curl   # the http traffic kind
  [chromium]=chromium [unshare]=util-linux [setpriv]=util-linux [python3]=python3
  [node]=nodejs [redis-server]=redis-server
  [tshark]=tshark [capinfos]=tshark   # the pcap-ng export's test reads the file with them
)
missing=()
for bin in "${!PKG[@]}"; do
  PATH="$PATH:/usr/sbin:/sbin" command -v "$bin" >/dev/null 2>&1 || missing+=("${PKG[$bin]}")
done
command -v dpkg >/dev/null 2>&1 && ! dpkg -s python3-venv >/dev/null 2>&1 && missing+=(python3-venv)
# nc must be the OpenBSD flavour (-z, -l PORT)
if ! dpkg -s netcat-openbsd >/dev/null 2>&1 && command -v dpkg >/dev/null 2>&1; then missing+=(netcat-openbsd); fi
# the translations: msgfmt compiles locale/*.po; the CJK fonts render zh-hans, zh-hant and ja
command -v msgfmt >/dev/null 2>&1 || missing+=(gettext)
if command -v dpkg >/dev/null 2>&1 && ! dpkg -s fonts-noto-cjk >/dev/null 2>&1; then missing+=(fonts-noto-cjk); fi
if [ ${#missing[@]} -gt 0 ]; then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # tshark's wireshark-common asks whether non-root users may capture: no (its default),
    # said up front so that nothing waits for an answer
    if [[ " ${missing[*]} " == *" tshark "* ]] && command -v debconf-set-selections >/dev/null; then
      echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
    fi
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: missing Debian packages. As root, run:"
    echo "  apt-get install -y ${missing[*]}"
    echo "setup: continuing; the live lab will say what it cannot do."
  fi
fi

# Started as root, the lab drops to this unprivileged system user before it
# creates its namespaces (so its root is never the host's root): create it.
LAB_USER=${LAB_USER:-nfvis-lab}
if [ "$(id -u)" = 0 ] && ! getent passwd "$LAB_USER" >/dev/null 2>&1; then
  if useradd=$(PATH="$PATH:/usr/sbin:/sbin" command -v useradd); then
    echo "setup: creating the system user $LAB_USER (the lab runs as it when started as root)"
    timeout 60 "$useradd" --system --user-group --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin --comment "Netfilter Visualizer lab" "$LAB_USER" \
      || echo "setup: could not create $LAB_USER; the lab will run as uid 65520 instead."
  else
    echo "setup: useradd is missing: create a system user $LAB_USER, or the lab runs as uid 65520."
  fi
fi

stamp=.venv/.installed
want=$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PY" -m venv .venv
fi
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing Python packages into .venv"
  .venv/bin/pip install -q --disable-pip-version-check -e '.[dev]'
  echo "$want" > "$stamp"
fi
.venv/bin/python manage.py migrate --noinput -v 0
# the translations' catalogues (locale/<lang>/LC_MESSAGES/django.po -> .mo)
if [ -d locale ] && command -v msgfmt >/dev/null 2>&1; then
  .venv/bin/python manage.py compilemessages --ignore=.venv --ignore='.*' -v 0
fi

# Can the lab user read what the lab runs (the code, .venv, the lessons)?
# The real test: import the lab as that user, and list the lessons.
if [ "$(id -u)" = 0 ] && getent passwd "$LAB_USER" >/dev/null 2>&1 && command -v setpriv >/dev/null; then
  project=$PWD
  lessons=${LESSONS_DIR:-$project/lessons}
  as_lab=(timeout 60 setpriv --reuid="$(id -u "$LAB_USER")" --regid="$(id -g "$LAB_USER")"
          --clear-groups --inh-caps=-all --bounding-set=-all --no-new-privs --
          env HOME=/nonexistent PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$project")
  if ! err=$(cd / && "${as_lab[@]}" "$project/.venv/bin/python" -c \
        'import sys, os, visualizer.lab.server; os.listdir(sys.argv[1])' "$lessons" 2>&1); then
    echo "setup: the lab user $LAB_USER cannot read the project, its .venv or the lessons:"
    echo "$err" | tail -n 1 | sed "s/^/  /"
    # Which folder is closed, and what to change (mode bits, as manage.py check says it).
    timeout 60 .venv/bin/python - "$LAB_USER" "$lessons" <<'PY' || true
import sys
from visualizer.core.config import LabConfig
from visualizer.lab import preflight
probs = preflight.lab_problems(LabConfig(user=sys.argv[1], lessons_dir=sys.argv[2]))
for p in probs:
    print(f"  {p.message}\n  -> {p.hint}")
if not probs:
    print("  -> make them readable to other users: chmod -R o+rX the project folder and .venv,"
          " and o+x on each folder above them")
PY
  fi
fi
