#!/usr/bin/env bash
# Kafka and Redis for local runs, tests and CI, without Docker (see scripts/infra/kafka.sh and redis.sh).
#
#   scripts/infra.sh up       start (or reuse) both; skips Kafka when KAFKA_BROKERS is set and Redis when
#                             REDIS_URL is set. The last two lines of stdout are, machine-readable:
#                               KAFKA_BROKERS=127.0.0.1:9092
#                               REDIS_URL=redis://127.0.0.1:6379
#                             Everything else goes to stderr.
#   scripts/infra.sh down     stop what these scripts started (never a Kafka or Redis someone else runs)
#   scripts/infra.sh status   exit 0 when both serve (the local ones, or those KAFKA_BROKERS / REDIS_URL name
#                             elsewhere, which are not checked); prints the same two lines when they do
#
# Ports: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093), REDIS_PORT (6379). State: SWITCHBOARD_HOME
# (<repo>/.switchboard). Jar cache: SWITCHBOARD_CACHE ($HOME/.cache/switchboard).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KAFKA_PORT=${KAFKA_PORT:-9092}
REDIS_PORT=${REDIS_PORT:-6379}
kafka_brokers=${KAFKA_BROKERS:-127.0.0.1:$KAFKA_PORT}
redis_url=${REDIS_URL:-redis://127.0.0.1:$REDIS_PORT}

print_endpoints() {
  echo "KAFKA_BROKERS=$kafka_brokers"
  echo "REDIS_URL=$redis_url"
}

up() {
  local started=$SECONDS kafka_job='' redis_job='' failed=0
  # Both at once: the first run downloads the Kafka jars while apt-get installs Redis.
  if [[ -n ${KAFKA_BROKERS:-} ]]; then
    echo "[infra] KAFKA_BROKERS is set ($KAFKA_BROKERS); not starting Kafka" >&2
  else
    bash "$HERE/infra/kafka.sh" start >&2 &
    kafka_job=$!
  fi
  if [[ -n ${REDIS_URL:-} ]]; then
    echo "[infra] REDIS_URL is set ($REDIS_URL); not starting Redis" >&2
  else
    bash "$HERE/infra/redis.sh" start >&2 &
    redis_job=$!
  fi
  if [[ -n $kafka_job ]] && ! wait "$kafka_job"; then
    echo "[infra] Kafka did not start" >&2
    failed=1
  fi
  if [[ -n $redis_job ]] && ! wait "$redis_job"; then
    echo "[infra] Redis did not start" >&2
    failed=1
  fi
  ((failed == 0)) || exit 1
  echo "[infra] up in $((SECONDS - started)) s" >&2
  print_endpoints
}

down() {
  # Regardless of KAFKA_BROKERS / REDIS_URL (callers export what `up` printed): each script stops only
  # the process it started itself, so this never touches a Kafka or Redis run by someone else.
  local rc=0
  bash "$HERE/infra/kafka.sh" stop >&2 || rc=1
  bash "$HERE/infra/redis.sh" stop >&2 || rc=1
  return "$rc"
}

# Is this address the local one these scripts manage?
is_local_kafka() { [[ $1 == "127.0.0.1:$KAFKA_PORT" || $1 == "localhost:$KAFKA_PORT" ]]; }
is_local_redis() { [[ $1 =~ ^redis://(127\.0\.0\.1|localhost):$REDIS_PORT/?[0-9]*$ ]]; }

status() {
  local rc=0
  if [[ -n ${KAFKA_BROKERS:-} ]] && ! is_local_kafka "$KAFKA_BROKERS"; then
    echo "[infra] Kafka: KAFKA_BROKERS=$KAFKA_BROKERS (not managed here)" >&2
  else
    bash "$HERE/infra/kafka.sh" status >&2 || rc=1
  fi
  if [[ -n ${REDIS_URL:-} ]] && ! is_local_redis "$REDIS_URL"; then
    echo "[infra] Redis: REDIS_URL=$REDIS_URL (not managed here)" >&2
  else
    bash "$HERE/infra/redis.sh" status >&2 || rc=1
  fi
  if ((rc == 0)); then print_endpoints; fi
  return "$rc"
}

case ${1:-} in
  up) up ;;
  down) down ;;
  status) status ;;
  *)
    echo "usage: $0 up|down|status" >&2
    exit 2
    ;;
esac
