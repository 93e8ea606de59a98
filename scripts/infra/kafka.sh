#!/usr/bin/env bash
# A real single-node Apache Kafka (KRaft, broker + controller in one JVM) from Maven Central jars, no Docker.
#
#   scripts/infra/kafka.sh start    reuse a broker already serving on KAFKA_PORT, else fetch the jars (once),
#                                   format the storage (once) and start one in the background; waits until it serves
#   scripts/infra/kafka.sh stop     stop the broker this script started (never someone else's)
#   scripts/infra/kafka.sh status   exit 0 when a Kafka broker serves on KAFKA_PORT
#   scripts/infra/kafka.sh jars     fetch the jars (once) and print their directory (for brokers tests start
#                                   themselves, e.g. test/support/secure-kafka.ts)
#
# Environment:
#   KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (KAFKA_PORT + 1, so 9093), KAFKA_VERSION (4.1.2),
#   SWITCHBOARD_HOME (<repo>/.switchboard) for config, data, logs and the pid file,
#   SWITCHBOARD_CACHE ($HOME/.cache/switchboard) for the jars (kafka-<version>/),
#   KAFKA_HEAP_OPTS (-Xms128m -Xmx1536m: the tests make thousands of partitions, and 512 MB ran out at ~16,000), KAFKA_START_TIMEOUT seconds (90).
# Progress goes to stderr; only `jars` writes to stdout (the directory).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
KAFKA_VERSION=${KAFKA_VERSION:-4.1.2}
KAFKA_HOST=127.0.0.1
KAFKA_PORT=${KAFKA_PORT:-9092}
KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-$((KAFKA_PORT + 1))}
KAFKA_HEAP_OPTS=${KAFKA_HEAP_OPTS:--Xms128m -Xmx1536m}
KAFKA_START_TIMEOUT=${KAFKA_START_TIMEOUT:-90}
SWITCHBOARD_HOME=${SWITCHBOARD_HOME:-$ROOT/.switchboard}
[[ $SWITCHBOARD_HOME == /* ]] || SWITCHBOARD_HOME=$PWD/$SWITCHBOARD_HOME
CACHE_DIR=${SWITCHBOARD_CACHE:-${HOME:-/root}/.cache/switchboard}/kafka-$KAFKA_VERSION

INSTANCE_DIR=$SWITCHBOARD_HOME/kafka-$KAFKA_PORT
DATA_DIR=$INSTANCE_DIR/data
LOG_DIR=$INSTANCE_DIR/logs
CONFIG=$INSTANCE_DIR/server.properties
PID_FILE=$INSTANCE_DIR/kafka.pid
CLUSTER_ID_FILE=$INSTANCE_DIR/cluster.id
POM=$ROOT/scripts/infra/kafka/pom.xml
LOG4J_CONFIG=$ROOT/scripts/infra/kafka/log4j2.properties

say() { echo "[kafka] $*" >&2; }
die() { say "ERROR: $*"; exit 1; }
# shellcheck source=scripts/infra/lib.sh
source "$ROOT/scripts/infra/lib.sh"

# --- probing ---------------------------------------------------------------------------------------------------

port_open() { (exec 3<>"/dev/tcp/$KAFKA_HOST/$KAFKA_PORT") 2>/dev/null; }

# Exit 0 when a Kafka broker serves on the port: with the repository's kafkajs (connect, describeCluster with at
# least one live broker, listTopics); without node_modules, with a raw ApiVersions request.
PROBE_JS=$(cat <<'JS'
const [host, port, root] = process.argv.slice(1);
const net = require('net');
setTimeout(() => process.exit(3), 8000).unref();
let kafkajs = null;
try { kafkajs = require(require.resolve('kafkajs', { paths: [root] })); } catch {}
async function withKafkajs() {
  const { Kafka, logLevel } = kafkajs;
  const kafka = new Kafka({ clientId: 'switchboard-infra-probe', brokers: [`${host}:${port}`], logLevel: logLevel.NOTHING,
    connectionTimeout: 2000, requestTimeout: 4000, retry: { retries: 0 } });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length === 0) return 1;
    await admin.listTopics();
    return 0;
  } finally { await admin.disconnect().catch(() => {}); }
}
function withApiVersions() {
  return new Promise((resolve) => {
    const clientId = Buffer.from('switchboard-infra-probe');
    const header = Buffer.alloc(10);
    header.writeInt16BE(18, 0); header.writeInt16BE(0, 2); header.writeInt32BE(4242, 4); header.writeInt16BE(clientId.length, 8);
    const body = Buffer.concat([header, clientId]);
    const size = Buffer.alloc(4); size.writeInt32BE(body.length, 0);
    const socket = net.connect(Number(port), host, () => socket.write(Buffer.concat([size, body])));
    let got = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      got = Buffer.concat([got, chunk]);
      if (got.length >= 10) { socket.destroy(); resolve(got.readInt32BE(4) === 4242 && got.readInt16BE(8) === 0 ? 0 : 1); }
    });
    socket.on('error', () => resolve(2));
    socket.setTimeout(4000, () => { socket.destroy(); resolve(2); });
  });
}
(kafkajs ? withKafkajs() : withApiVersions()).then((code) => process.exit(code), () => process.exit(1));
JS
)

kafka_serving() {
  port_open || return 1
  if command -v node >/dev/null 2>&1; then
    node -e "$PROBE_JS" "$KAFKA_HOST" "$KAFKA_PORT" "$ROOT" >/dev/null 2>&1
  else
    return 0 # no node: an open port is all we can check
  fi
}

# --- our process -----------------------------------------------------------------------------------------------

# Echo the pid of the broker this script started for this instance, if it is still alive.
our_pid() {
  [[ -s $PID_FILE ]] || return 1
  local pid
  pid=$(<"$PID_FILE")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [[ -r /proc/$pid/cmdline ]] || return 1
  # Only a java running kafka.Kafka with our config file is ours (pids get reused).
  local cmdline
  cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  [[ $cmdline == *"kafka.Kafka $CONFIG"* ]] || return 1
  echo "$pid"
}

# The JVM's own output, then the last lines server.log got in this run (from byte $1 on).
print_log_tail() {
  local from=${1:-0} recent
  if [[ -s $LOG_DIR/kafka.out ]]; then
    say "---- last lines of $LOG_DIR/kafka.out ----"
    tail -n 40 "$LOG_DIR/kafka.out" >&2
  fi
  (($(log_size) >= from)) || from=0
  recent=$(tail -c +$((from + 1)) "$LOG_DIR/server.log" 2>/dev/null | tail -n 40)
  if [[ -n $recent ]]; then
    say "---- last lines of $LOG_DIR/server.log ----"
    echo "$recent" >&2
  fi
}

# --- prerequisites ---------------------------------------------------------------------------------------------


JAVA=java
ensure_java() {
  if [[ -n ${JAVA_HOME:-} && -x $JAVA_HOME/bin/java ]]; then JAVA=$JAVA_HOME/bin/java; fi
  if ! command -v "$JAVA" >/dev/null 2>&1; then
    apt_install openjdk-17-jre-headless
    JAVA=java
  fi
  local major
  major=$("$JAVA" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | cut -d. -f1)
  [[ ${major:-0} -ge 17 ]] || die "Kafka $KAFKA_VERSION needs Java 17 or newer; $JAVA is Java ${major:-?} (set JAVA_HOME)"
}

ensure_jars() {
  [[ -f $CACHE_DIR/.complete ]] && return 0
  command -v mvn >/dev/null 2>&1 || apt_install maven
  say "fetching Kafka $KAFKA_VERSION jars from Maven Central into $CACHE_DIR (first run only)"
  local tmp=$CACHE_DIR.tmp.$$
  rm -rf "$tmp"
  mkdir -p "$tmp"
  if ! mvn -q -B -Dstyle.color=never -f "$POM" dependency:copy-dependencies \
      -Dkafka.version="$KAFKA_VERSION" -DincludeScope=runtime -DoutputDirectory="$tmp" >"$tmp.mvn.log" 2>&1; then
    cat "$tmp.mvn.log" >&2
    rm -rf "$tmp" "$tmp.mvn.log"
    die "could not fetch the Kafka $KAFKA_VERSION jars with Maven"
  fi
  rm -f "$tmp.mvn.log"
  ls "$tmp"/kafka_2.13-*.jar >/dev/null 2>&1 || die "Maven fetched no kafka_2.13 jar into $tmp"
  touch "$tmp/.complete"
  rm -rf "$CACHE_DIR"
  mv "$tmp" "$CACHE_DIR"
}

write_config() {
  cat >"$CONFIG" <<EOF
# Written by scripts/infra/kafka.sh on every start; edits are lost.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT,CONTROLLER://$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$DATA_DIR

# one node: every replication factor is 1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=12
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=12
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1

# topics are created explicitly (with enough partitions), groups start without waiting
auto.create.topics.enable=false
num.partitions=12
group.initial.rebalance.delay.ms=0

# a small machine
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.index.size.max.bytes=1048576
log.retention.hours=48
EOF
}

ensure_formatted() {
  [[ -f $DATA_DIR/meta.properties ]] && return 0
  if [[ ! -s $CLUSTER_ID_FILE ]]; then
    "$JAVA" -cp "$CACHE_DIR/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1 >"$CLUSTER_ID_FILE"
  fi
  local cluster_id
  cluster_id=$(<"$CLUSTER_ID_FILE")
  [[ -n $cluster_id ]] || die "could not generate a Kafka cluster id"
  say "formatting storage in $DATA_DIR (cluster $cluster_id)"
  "$JAVA" -Dlog4j2.configurationFile="$LOG4J_CONFIG" -Dkafka.logs.dir="$LOG_DIR" -cp "$CACHE_DIR/*" \
    kafka.tools.StorageTool format -t "$cluster_id" -c "$CONFIG" >&2 || die "formatting $DATA_DIR failed"
}

# --- commands --------------------------------------------------------------------------------------------------

log_size() { stat -c %s "$LOG_DIR/server.log" 2>/dev/null || echo 0; }

# Did the broker log "Kafka Server started" after byte $1 of server.log (i.e. in this run)?
logged_started() {
  local from=$1
  (($(log_size) >= from)) || from=0 # rolled over meanwhile
  (
    set +o pipefail # grep -q stops reading early
    tail -c +$((from + 1)) "$LOG_DIR/server.log" 2>/dev/null | grep -q 'Kafka Server started'
  )
}

wait_until_serving() {
  local pid=$1 log_from=${2:-0} started=$SECONDS
  while ((SECONDS - started < KAFKA_START_TIMEOUT)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      print_log_tail "$log_from"
      die "Kafka (pid $pid) exited during startup"
    fi
    # Ours is ready when it logged that it started and a client can use it.
    if logged_started "$log_from" && kafka_serving; then
      say "Kafka $KAFKA_VERSION serving on $KAFKA_HOST:$KAFKA_PORT (pid $pid, ready after $((SECONDS - started)) s)"
      return 0
    fi
    sleep 1
  done
  print_log_tail "$log_from"
  die "Kafka (pid $pid) did not serve on $KAFKA_HOST:$KAFKA_PORT within $KAFKA_START_TIMEOUT s (still running; '$0 stop' stops it)"
}

start() {
  mkdir -p "$INSTANCE_DIR" "$DATA_DIR" "$LOG_DIR"
  # One start at a time per instance (jest's globalSetup and `npm run stack` may race).
  exec 9>"$INSTANCE_DIR/start.lock"
  if command -v flock >/dev/null 2>&1; then
    flock -w 600 9 || die "another '$0 start' has held $INSTANCE_DIR/start.lock for 10 minutes"
  fi

  local pid
  if pid=$(our_pid); then
    if kafka_serving; then
      say "reusing Kafka on $KAFKA_HOST:$KAFKA_PORT (pid $pid, started earlier by this script)"
      return 0
    fi
    say "Kafka (pid $pid) is starting; waiting for it"
    wait_until_serving "$pid"
    return 0
  fi
  rm -f "$PID_FILE"
  if kafka_serving; then
    say "reusing the Kafka broker already serving on $KAFKA_HOST:$KAFKA_PORT"
    return 0
  fi
  if port_open; then
    die "$KAFKA_HOST:$KAFKA_PORT is taken by something that is not a serving Kafka broker (set KAFKA_PORT, or KAFKA_BROKERS to use another Kafka)"
  fi
  if (exec 3<>"/dev/tcp/$KAFKA_HOST/$KAFKA_CONTROLLER_PORT") 2>/dev/null; then
    die "controller port $KAFKA_HOST:$KAFKA_CONTROLLER_PORT is taken (set KAFKA_CONTROLLER_PORT)"
  fi

  ensure_java
  ensure_jars
  write_config
  ensure_formatted

  say "starting Kafka $KAFKA_VERSION on $KAFKA_HOST:$KAFKA_PORT (logs in $LOG_DIR)"
  : >"$LOG_DIR/kafka.out"
  local log_from
  log_from=$(log_size)
  # setsid: its own session, so a Ctrl-C in the terminal that started it does not take it down;
  # the inner shell writes its pid, moves to the instance dir and execs java, so the pid file holds the
  # JVM's pid; 9>&- keeps the start lock out of the JVM.
  # shellcheck disable=SC2016,SC2086 # $$ and "$@" are for the inner shell; KAFKA_HEAP_OPTS is split on purpose
  setsid bash -c 'echo $$ >"$1"; cd "$2" || exit 1; shift 2; exec nohup "$@"' _ "$PID_FILE" "$INSTANCE_DIR" \
    "$JAVA" $KAFKA_HEAP_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError \
    -XX:ErrorFile="$LOG_DIR/hs_err_pid%p.log" -Djava.awt.headless=true \
    -Dkafka.logs.dir="$LOG_DIR" -Dlog4j2.configurationFile="$LOG4J_CONFIG" \
    -cp "$CACHE_DIR/*" kafka.Kafka "$CONFIG" \
    >>"$LOG_DIR/kafka.out" 2>&1 </dev/null 9>&- &
  local waited=0
  until [[ -s $PID_FILE ]]; do
    sleep 0.1
    ((++waited < 50)) || die "Kafka did not start (no pid file)"
  done
  wait_until_serving "$(<"$PID_FILE")" "$log_from"
}

stop() {
  local pid
  if ! pid=$(our_pid); then
    rm -f "$PID_FILE"
    say "no Kafka started by this script is running on port $KAFKA_PORT"
    return 0
  fi
  stop_process "$pid" Kafka 30
  rm -f "$PID_FILE"
  say "stopped"
}

status() {
  local pid
  if kafka_serving; then
    if pid=$(our_pid); then
      say "Kafka serving on $KAFKA_HOST:$KAFKA_PORT (pid $pid, started by this script)"
    else
      say "Kafka serving on $KAFKA_HOST:$KAFKA_PORT (not started by this script)"
    fi
    return 0
  fi
  if pid=$(our_pid); then
    say "Kafka (pid $pid) is running but not serving on $KAFKA_HOST:$KAFKA_PORT"
  else
    say "no Kafka on $KAFKA_HOST:$KAFKA_PORT"
  fi
  return 1
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  status) status ;;
  jars)
    ensure_java
    ensure_jars
    echo "$CACHE_DIR"
    ;;
  *)
    echo "usage: $0 start|stop|status|jars" >&2
    exit 2
    ;;
esac
