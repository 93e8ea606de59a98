#!/usr/bin/env bash
# A real Redis from Debian's redis-server package, no Docker.
#
#   scripts/infra/redis.sh start    reuse a Redis already answering PING on REDIS_PORT, else install redis-server
#                                   with apt-get (only if it is not on PATH) and start one, daemonized; waits for PING
#   scripts/infra/redis.sh stop     stop the Redis this script started (never someone else's)
#   scripts/infra/redis.sh status   exit 0 when a Redis answers PING on REDIS_PORT
#   scripts/infra/redis.sh install  only make sure redis-server is installed (CI, before tests that start their own)
#
# Environment: REDIS_PORT (6379), SWITCHBOARD_HOME (<repo>/.switchboard) for the pid file, working dir and log,
# REDIS_START_TIMEOUT seconds (20). No persistence: the data lives as long as the process.
# Progress goes to stderr; nothing is written to stdout.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
REDIS_HOST=127.0.0.1
REDIS_PORT=${REDIS_PORT:-6379}
REDIS_START_TIMEOUT=${REDIS_START_TIMEOUT:-20}
SWITCHBOARD_HOME=${SWITCHBOARD_HOME:-$ROOT/.switchboard}
[[ $SWITCHBOARD_HOME == /* ]] || SWITCHBOARD_HOME=$PWD/$SWITCHBOARD_HOME
INSTANCE_DIR=$SWITCHBOARD_HOME/redis-$REDIS_PORT
PID_FILE=$INSTANCE_DIR/redis.pid
LOG_FILE=$INSTANCE_DIR/redis.log

say() { echo "[redis] $*" >&2; }
die() { say "ERROR: $*"; exit 1; }
# shellcheck source=scripts/infra/lib.sh
source "$ROOT/scripts/infra/lib.sh"

port_open() { (exec 3<>"/dev/tcp/$REDIS_HOST/$REDIS_PORT") 2>/dev/null; }

# Exit 0 when a Redis on the port answers PING with PONG (no redis-cli needed).
redis_pong() {
  # shellcheck disable=SC2016 # expanded by the inner shell
  timeout 3 bash -c '
    exec 3<>"/dev/tcp/$0/$1" || exit 1
    printf "PING\r\n" >&3
    IFS= read -r -t 2 line <&3 || exit 1
    [[ $line == "+PONG"* ]]' "$REDIS_HOST" "$REDIS_PORT" 2>/dev/null
}

# Echo the pid of the Redis this script started for this instance, if it is still alive.
our_pid() {
  [[ -s $PID_FILE ]] || return 1
  local pid
  pid=$(<"$PID_FILE")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [[ -r /proc/$pid/comm ]] || return 1
  # Only a redis-server working in our directory is ours (pids get reused).
  [[ $(<"/proc/$pid/comm") == redis-server* ]] || return 1
  [[ $(readlink "/proc/$pid/cwd" 2>/dev/null) == "$(cd "$INSTANCE_DIR" && pwd -P)" ]] || return 1
  echo "$pid"
}

ensure_redis_server() {
  command -v redis-server >/dev/null 2>&1 && return 0
  say "redis-server is not installed; installing Debian's"
  # Keep the package's own service from starting (and holding port 6379): a temporary policy-rc.d that
  # forbids service starts during the install, only if the machine has none of its own.
  local policy=/usr/sbin/policy-rc.d placed_policy=0
  if [[ ! -e $policy && $(id -u) -eq 0 ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && placed_policy=1
  fi
  local rc=0
  apt_install redis-server || rc=$?
  if ((placed_policy)); then rm -f "$policy"; fi
  ((rc == 0)) || die "apt-get could not install redis-server"
  command -v redis-server >/dev/null 2>&1 || die "redis-server is still not on PATH after installing it"
}

start() {
  mkdir -p "$INSTANCE_DIR"
  exec 9>"$INSTANCE_DIR/start.lock"
  if command -v flock >/dev/null 2>&1; then
    flock -w 300 9 || die "another '$0 start' has held $INSTANCE_DIR/start.lock for 5 minutes"
  fi

  local pid
  if redis_pong; then
    if pid=$(our_pid); then
      say "reusing Redis on $REDIS_HOST:$REDIS_PORT (pid $pid, started earlier by this script)"
    else
      say "reusing the Redis already answering on $REDIS_HOST:$REDIS_PORT"
    fi
    return 0
  fi
  if pid=$(our_pid); then
    die "Redis (pid $pid) is running but does not answer PING on $REDIS_HOST:$REDIS_PORT; see $LOG_FILE"
  fi
  rm -f "$PID_FILE"
  if port_open; then
    die "$REDIS_HOST:$REDIS_PORT is taken by something that does not answer PING (set REDIS_PORT, or REDIS_URL to use another Redis)"
  fi

  ensure_redis_server
  say "starting Redis $(redis-server --version | sed -n 's/.* v=\([^ ]*\).*/\1/p') on $REDIS_HOST:$REDIS_PORT (log $LOG_FILE)"
  redis-server --port "$REDIS_PORT" --bind "$REDIS_HOST" --protected-mode yes \
    --daemonize yes --pidfile "$PID_FILE" --dir "$INSTANCE_DIR" --logfile "$LOG_FILE" \
    --save '' --appendonly no 9>&- || die "redis-server failed to start; see $LOG_FILE"

  local started=$SECONDS
  until redis_pong; do
    if ((SECONDS - started >= REDIS_START_TIMEOUT)); then
      tail -n 20 "$LOG_FILE" >&2 || true
      die "Redis did not answer PING on $REDIS_HOST:$REDIS_PORT within $REDIS_START_TIMEOUT s"
    fi
    sleep 0.2
  done
  pid=$(our_pid) || pid='?'
  say "Redis serving on $REDIS_HOST:$REDIS_PORT (pid $pid)"
}

stop() {
  local pid
  if ! pid=$(our_pid); then
    rm -f "$PID_FILE"
    say "no Redis started by this script is running on port $REDIS_PORT"
    return 0
  fi
  stop_process "$pid" Redis 10
  rm -f "$PID_FILE"
  say "stopped"
}

status() {
  local pid
  if redis_pong; then
    if pid=$(our_pid); then
      say "Redis answering on $REDIS_HOST:$REDIS_PORT (pid $pid, started by this script)"
    else
      say "Redis answering on $REDIS_HOST:$REDIS_PORT (not started by this script)"
    fi
    return 0
  fi
  say "no Redis answering on $REDIS_HOST:$REDIS_PORT"
  return 1
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  status) status ;;
  install) ensure_redis_server ;;
  *)
    echo "usage: $0 start|stop|status|install" >&2
    exit 2
    ;;
esac
