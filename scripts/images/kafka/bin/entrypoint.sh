#!/usr/bin/env bash
# Starts a KRaft Kafka as the upstream apache/kafka image does: every KAFKA_FOO_BAR environment variable becomes
# foo.bar in server.properties ("__" stands for "_", "___" for "-"), the storage is formatted once, then kafka.Kafka.
set -euo pipefail

CONFIG=/opt/kafka/config/server.properties
DEFAULTS=(
  KAFKA_NODE_ID=1
  KAFKA_PROCESS_ROLES=broker,controller
  KAFKA_LISTENERS=PLAINTEXT://:9092,CONTROLLER://:9093
  KAFKA_ADVERTISED_LISTENERS=PLAINTEXT://localhost:9092
  KAFKA_CONTROLLER_LISTENER_NAMES=CONTROLLER
  KAFKA_LISTENER_SECURITY_PROTOCOL_MAP=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
  KAFKA_CONTROLLER_QUORUM_VOTERS=1@localhost:9093
  KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR=1
  KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR=1
  KAFKA_TRANSACTION_STATE_LOG_MIN_ISR=1
  KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS=0
  KAFKA_LOG_DIRS=/var/lib/kafka/data
)
# Variables that configure the JVM or this script, not the broker.
NOT_PROPERTIES=" KAFKA_HEAP_OPTS KAFKA_OPTS KAFKA_JVM_PERFORMANCE_OPTS KAFKA_LOG4J_OPTS KAFKA_VERSION KAFKA_HOME "

to_property() {
  local name=${1#KAFKA_}
  name=${name,,}
  name=${name//___/-}
  name=${name//__/$'\x01'}
  name=${name//_/.}
  printf '%s' "${name//$'\x01'/_}"
}

: >"$CONFIG"
declare -A seen=()
while IFS='=' read -r name value; do
  [[ $name == KAFKA_* && $NOT_PROPERTIES != *" $name "* ]] || continue
  seen[$name]=1
  printf '%s=%s\n' "$(to_property "$name")" "$value" >>"$CONFIG"
done < <(env)
for pair in "${DEFAULTS[@]}"; do
  name=${pair%%=*}
  [[ -n ${seen[$name]:-} ]] || printf '%s=%s\n' "$(to_property "$name")" "${pair#*=}" >>"$CONFIG"
done

LOG_DIR=$(sed -n 's/^log\.dirs=//p' "$CONFIG" | cut -d, -f1)
JAVA_OPTS=(${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m} ${KAFKA_JVM_PERFORMANCE_OPTS:--XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true}
  -Dlog4j2.configurationFile=/opt/kafka/config/log4j2.properties ${KAFKA_OPTS:-})
if [[ ! -f $LOG_DIR/meta.properties ]]; then
  cluster_id=${CLUSTER_ID:-$(java -cp '/opt/kafka/libs/*' kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)}
  echo "[entrypoint] formatting $LOG_DIR (cluster $cluster_id)"
  java -Dlog4j2.configurationFile=/opt/kafka/config/log4j2.properties -cp '/opt/kafka/libs/*' \
    kafka.tools.StorageTool format -t "$cluster_id" -c "$CONFIG" --ignore-formatted
fi
exec java "${JAVA_OPTS[@]}" -cp '/opt/kafka/libs/*' kafka.Kafka "$CONFIG"
