#!/usr/bin/env bash
# Sourced by start.sh and test.sh: provides what a fresh machine of this kind lacks.
#   - Node 24 (project-local copy from the npm registry when the machine's is older)
#   - npm dependencies (npm ci when the lockfile changed)
#   - PostGIS for the machine's PostgreSQL, and nats-server, from Debian's packages
#   - a running PostgreSQL on 127.0.0.1:5432 when the machine has a cluster that is stopped
# Idempotent: a second run finds everything in place and does nothing.
set -euo pipefail
_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$_root"

source scripts/ensure-node.sh
echo "[setup] node $(node -v), npm $(npm -v 2>/dev/null)" >&2

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[setup] installing npm dependencies (npm ci)" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi

_as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"; else
    echo "[setup] need root to run: $*" >&2; return 1; fi
}

_apt=()
if ! command -v nats-server >/dev/null 2>&1 && [ ! -x /usr/sbin/nats-server ]; then _apt+=(nats-server); fi
if ! command -v openssl >/dev/null 2>&1; then _apt+=(openssl); fi  # the federation CLI's leafnode certificates (--tls), test/deploy
_pg_major="$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1 || true)"
if [ -z "$_pg_major" ]; then
  _apt+=(postgresql postgresql-15-postgis-3)
elif ! ls /usr/share/postgresql/"$_pg_major"/extension/postgis.control >/dev/null 2>&1; then
  _apt+=("postgresql-$_pg_major-postgis-3")
fi
if [ "${#_apt[@]}" -gt 0 ]; then
  echo "[setup] installing Debian packages: ${_apt[*]}" >&2
  _as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  _as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${_apt[@]}" >/dev/null
fi

if [ -z "${DATABASE_URL:-}" ] && ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  for _v in $(ls /etc/postgresql 2>/dev/null); do
    echo "[setup] starting PostgreSQL cluster $_v/main" >&2
    _as_root pg_ctlcluster --skip-systemctl-redirect "$_v" main start || true
  done
fi

# Headless Chromium for the browser tests (Debian's package, never a downloaded browser) and a
# font with Chinese glyphs, so that pages and screenshots show Chinese text.
gm_ensure_browser() {
  local pkgs=()
  [ -x /usr/bin/chromium ] || pkgs+=(chromium)
  fc-list :lang=zh 2>/dev/null | grep -q . || pkgs+=(fonts-wqy-microhei)
  if [ "${#pkgs[@]}" -gt 0 ]; then
    echo "[setup] installing Debian packages: ${pkgs[*]}" >&2
    _as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    _as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
  fi
}

# The staff console (apps/web): API types from docs/openapi, type-check, Vite build into apps/web/dist.
gm_build_web() {
  echo "[setup] building the console (apps/web)" >&2
  npm run --silent build -w apps/web
}

export PATH="$PATH:/usr/sbin"
unset _apt _pg_major _v _root
