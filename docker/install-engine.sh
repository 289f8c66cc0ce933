#!/usr/bin/env bash
# Make a Docker engine with the Compose v2 plugin answer on this Debian machine (run as root).
# Installs what is missing: dockerd from Debian's `docker.io`, Compose v2 from Debian trixie's
# `docker-compose` (Debian 12's own package is Compose v1), taking only that one package from
# trixie (apt pin priority 100). Starts dockerd when no engine answers. Idempotent.
set -euo pipefail

log() { echo "[docker engine] $*"; }
apt_install() { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null; }

if ! command -v dockerd >/dev/null 2>&1; then
  log "dockerd missing: installing Debian's docker.io"
  apt-get update -qq
  apt_install docker.io
fi

if ! docker compose version >/dev/null 2>&1; then
  log "Compose v2 plugin missing: installing docker-compose from Debian trixie (pinned, this package only)"
  if ! grep -rqs 'trixie' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    cat > /etc/apt/sources.list.d/trixie.sources <<'SOURCES'
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
    printf 'Package: *\nPin: release n=trixie\nPin-Priority: 100\n' > /etc/apt/preferences.d/trixie-low
  fi
  apt-get update -qq
  apt_install docker-compose/trixie
  # A docker client outside Debian's (e.g. /usr/local/bin/docker) looks for plugins here too.
  if ! docker compose version >/dev/null 2>&1 && [ -x /usr/libexec/docker/cli-plugins/docker-compose ]; then
    mkdir -p /usr/local/lib/docker/cli-plugins
    ln -sf /usr/libexec/docker/cli-plugins/docker-compose /usr/local/lib/docker/cli-plugins/docker-compose
  fi
fi

if ! docker info >/dev/null 2>&1; then
  log "starting dockerd (log: /var/log/dockerd.log)"
  nohup dockerd >/var/log/dockerd.log 2>&1 &
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { log "dockerd did not answer within 60 s:"; tail -20 /var/log/dockerd.log; exit 1; }
fi
log "$(docker version --format 'engine {{.Server.Version}}') / $(docker compose version --short | sed 's/^/compose /')"
