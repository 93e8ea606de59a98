# shellcheck shell=bash
# Shared by kafka.sh and redis.sh: installing Debian packages, and stopping a process we started.
# Each script defines say() and die() before sourcing this file.

# apt_install PACKAGE... — non-interactive, quiet, with sudo when not root.
apt_install() {
  local sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo -n)
  say "installing $* with apt-get"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o Dpkg::Use-Pty=0 --no-install-recommends "$@" >&2
}

# stop_process PID NAME GRACE_SECONDS — SIGTERM, wait up to GRACE_SECONDS, then SIGKILL and wait a little.
stop_process() {
  local pid=$1 name=$2 grace=$3 i
  say "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < grace * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  say "$name (pid $pid) still running after $grace s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
}
