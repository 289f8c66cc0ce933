#!/usr/bin/env bash
# Build local stand-ins for the images Docker mode pins, for machines that cannot pull them.
#
#   docker/standins/build.sh            build what is missing (reuses images already present)
#   docker/standins/build.sh --force    rebuild all
#
# Images (tagged "-standin" so that they are never mistaken for the real ones):
#   standin/debian:trixie        base made with mmdebstrap from Debian's apt mirror
#   standin/debian:bookworm      base for the database (Debian 12 ships PostgreSQL 15)
#   localstack/localstack:4.14.0-standin   localstack-core 4.14.0 (requirements/localstack-host.lock)
#                                          on Debian trixie's Python 3.13, started like the official image
#   postgres:15-standin              Debian's postgresql-15 honouring the official image's POSTGRES_* contract
#   python:3.12-slim-standin         this machine's CPython 3.12 (found like host mode finds it) under
#                                    /usr/local, as in python:3.12-slim; without one, no runtime image is built
#                                    and the process executor falls back to LocalStack's Python 3.13
# Use them with:
#   LOCALSTACK_IMAGE=localstack/localstack:4.14.0-standin POSTGRES_IMAGE=postgres:15-standin
#   LAMBDA_PYTHON_IMAGE=python:3.12-slim-standin DOCKER_LAMBDA_EXECUTOR=process
# Needs root, docker and mmdebstrap (apt-get install mmdebstrap patchelf).
set -euo pipefail
cd "$(dirname "$0")/../.."
HERE=docker/standins
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
CA_BUNDLE=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
FORCE=0; [ "${1:-}" = "--force" ] && FORCE=1
START=$(date +%s)

log() { echo "[stand-ins +$(( $(date +%s) - START ))s] $*"; }
present() { [ "$FORCE" = 0 ] && docker image inspect "$1" >/dev/null 2>&1; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
context() { mktemp -d -p "$WORK"; }

for tool in docker mmdebstrap patchelf; do
  command -v "$tool" >/dev/null || { echo "error: $tool is missing: apt-get install ${tool/docker/docker.io}" >&2; exit 1; }
done

base() {  # base <suite> <packages>
  local tag="standin/debian:$1"
  if present "$tag"; then log "$tag: present"; return; fi
  log "$tag: mmdebstrap $1 ($2)"
  mmdebstrap --quiet --variant=minbase --include="$2" "$1" - "$MIRROR" \
    | docker import --change 'ENV LANG=C.UTF-8' --change 'CMD ["bash"]' - "$tag" >/dev/null
}

localstack() {
  if present localstack/localstack:4.14.0-standin; then log "localstack/localstack:4.14.0-standin: present"; return; fi
  log "localstack/localstack:4.14.0-standin: localstack-core from requirements/localstack-host.lock"
  local ctx; ctx=$(context)
  cp requirements/localstack-host.lock "$ctx/localstack.lock"
  cp "$HERE/localstack-entrypoint.sh" "$ctx/"
  cp "$CA_BUNDLE" "$ctx/build-ca.crt"
  docker build --quiet -t localstack/localstack:4.14.0-standin -f "$HERE/localstack.Dockerfile" "$ctx" >/dev/null
  log "localstack/localstack:4.14.0-standin: built"
}

postgres() {
  base bookworm ca-certificates,postgresql-15,procps
  if present postgres:15-standin; then log "postgres:15-standin: present"; return; fi
  log "postgres:15-standin: Debian's postgresql-15"
  local ctx; ctx=$(context)
  cp "$HERE/postgres-entrypoint.sh" "$ctx/"
  docker build --quiet -t postgres:15-standin -f "$HERE/postgres.Dockerfile" "$ctx" >/dev/null
  log "postgres:15-standin: built"
}

python312() {
  if present python:3.12-slim-standin; then log "python:3.12-slim-standin: present"; return; fi
  local python312 prefix ctx f
  if ! python312=$(python3 -m lifecycle.interpreters 3.12 2>/dev/null); then
    log "no Python 3.12 on this machine: python:3.12-slim-standin not built (functions fall back to Python 3.13)"
    return
  fi
  prefix=$("$python312" -c 'import sys; print(sys.base_prefix)')
  log "python:3.12-slim-standin: $prefix"
  ctx=$(context)
  mkdir "$ctx/usr-local"
  tar -C "$prefix" --exclude='lib/python3.12/test' --exclude='lib/python3.12/idlelib' \
      --exclude='lib/python3.12/tkinter' --exclude='lib/python3.12/site-packages/*' --exclude='__pycache__' \
      -cf - bin include lib | tar -C "$ctx/usr-local" -xf -
  # A relocatable interpreter, as in the official image: libpython found next to the binary.
  for f in "$ctx"/usr-local/bin/python3.12 "$ctx"/usr-local/lib/libpython3.12.so.1.0 "$ctx"/usr-local/lib/python3.12/lib-dynload/*.so; do
    patchelf --set-rpath '$ORIGIN/../lib:$ORIGIN/../..' "$f" 2>/dev/null || true
  done
  docker build --quiet -t python:3.12-slim-standin -f "$HERE/python.Dockerfile" "$ctx" >/dev/null
  log "python:3.12-slim-standin: built"
}

# The database's chain (its own base) runs beside LocalStack's: both mostly wait on the network.
postgres & database_job=$!
base trixie ca-certificates,curl,python3.13,python3.13-venv,procps
localstack
python312
wait "$database_job"
log "done"
