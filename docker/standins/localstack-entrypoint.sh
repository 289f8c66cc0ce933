#!/bin/bash
# Start LocalStack as the official image does (minus its supervisor, which only restarts it).
set -eo pipefail
# The official entrypoint strips the LOCALSTACK_ prefix of settings, except LOCALSTACK_HOST*.
source <(env | grep -v -e '^LOCALSTACK_HOST' -e '^LOCALSTACK_[[:digit:]]' \
  | sed -ne 's/^LOCALSTACK_\([^=]\+\)=.*/export \1=${LOCALSTACK_\1}/p')
mkdir -p /var/lib/localstack/logs
source /opt/code/localstack/.venv/bin/activate
exec python -m localstack.runtime.main
