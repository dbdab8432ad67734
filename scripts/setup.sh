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
  [chromium]=chromium [unshare]=util-linux [setpriv]=util-linux [python3]=python3
)
missing=()
for bin in "${!PKG[@]}"; do
  PATH="$PATH:/usr/sbin:/sbin" command -v "$bin" >/dev/null 2>&1 || missing+=("${PKG[$bin]}")
done
command -v dpkg >/dev/null 2>&1 && ! dpkg -s python3-venv >/dev/null 2>&1 && missing+=(python3-venv)
# nc must be the OpenBSD flavour (-z, -l PORT)
if ! dpkg -s netcat-openbsd >/dev/null 2>&1 && command -v dpkg >/dev/null 2>&1; then missing+=(netcat-openbsd); fi
if [ ${#missing[@]} -gt 0 ]; then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: missing Debian packages. As root, run:"
    echo "  apt-get install -y ${missing[*]}"
    echo "setup: continuing; the live lab will say what it cannot do."
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
