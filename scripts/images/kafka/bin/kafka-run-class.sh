#!/usr/bin/env bash
# Runs a Kafka class with the image's jars, as upstream bin/kafka-run-class.sh does (for the tool scripts here).
exec java ${KAFKA_HEAP_OPTS:--Xmx256m} -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
  -Dlog4j2.configurationFile=/opt/kafka/config/tools-log4j2.properties -cp '/opt/kafka/libs/*' "$@"
