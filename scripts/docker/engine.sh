#!/usr/bin/env bash
# Makes sure a Docker engine answers on this machine: installs Debian's docker.io when dockerd is missing and
# starts dockerd when no daemon answers. `engine.sh up` is idempotent (quick when already up); it never stops it.
set -euo pipefail

say() { printf '[docker-engine] %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }
# shellcheck source=../infra/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../infra/lib.sh"

LOG_DIR=${SWITCHBOARD_CACHE:-$HOME/.cache/switchboard}
LOG=$LOG_DIR/dockerd.log

answers() { docker info >/dev/null 2>&1; }

# The default bridge network's interface (docker0) exists. Something outside dockerd can delete it (seen
# after a single-node Kubernetes was torn down on the same machine); dockerd then answers but no container
# on the default network can start ("could not find bridge docker0") until dockerd recreates it at start.
default_bridge_ok() {
  local name
  name=$(docker network inspect bridge --format '{{index .Options "com.docker.network.bridge.name"}}' 2>/dev/null) || return 0
  ip link show "${name:-docker0}" >/dev/null 2>&1
}

up() {
  if answers && ! default_bridge_ok; then
    [[ $(id -u) -eq 0 ]] || die "the default bridge (docker0) is gone; restart dockerd to recreate it"
    say "the default bridge (docker0) is gone: restarting dockerd to recreate it"
    pkill -x dockerd || true
    local j
    for ((j = 0; j < 300 && $(pgrep -xc dockerd || true) > 0; j++)); do sleep 0.1; done
  fi
  if answers; then say "engine answers ($(docker info --format '{{.ServerVersion}} {{.Driver}}'))"; return 0; fi
  command -v docker >/dev/null 2>&1 && command -v dockerd >/dev/null 2>&1 || apt_install docker.io
  [[ $(id -u) -eq 0 ]] || die "starting dockerd needs root (run as root, or start the docker service yourself)"
  mkdir -p "$LOG_DIR"
  say "starting dockerd (log: $LOG)"
  # setsid: the engine outlives this script and the CI step that ran it.
  setsid nohup dockerd >>"$LOG" 2>&1 </dev/null &
  local i
  for ((i = 0; i < 600; i++)); do
    if answers; then say "engine up after $((i / 10)) s ($(docker info --format '{{.ServerVersion}} {{.Driver}}'))"; return 0; fi
    sleep 0.1
  done
  tail -n 30 "$LOG" >&2 || true
  die "dockerd did not answer within 60 s (see $LOG)"
}

case "${1:-}" in
  up) up ;;
  status) if answers; then docker info --format '{{.ServerVersion}} {{.Driver}}'; else say "no engine answers"; exit 1; fi ;;
  *) die "usage: $0 up|status" ;;
esac
