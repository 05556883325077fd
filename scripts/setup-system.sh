#!/usr/bin/env bash
# Installs the Debian packages the test suite needs, when they are missing:
#   redis-server  real Redis and Redis Cluster for RedisStore tests (started by
#                 the tests themselves on free loopback ports)
#   libucx-dev    UCX headers and libraries for the UCXStore native addon
# Needs root (or sudo). Safe to run again: it installs only what is missing.
set -euo pipefail

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v redis-cli >/dev/null 2>&1 || missing+=(redis-tools)
[ -f /usr/include/ucp/api/ucp.h ] || missing+=(libucx-dev)
command -v g++ >/dev/null 2>&1 || missing+=(g++)
command -v make >/dev/null 2>&1 || missing+=(make)
command -v python3 >/dev/null 2>&1 || missing+=(python3)

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup-system: all Debian packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "setup-system: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
