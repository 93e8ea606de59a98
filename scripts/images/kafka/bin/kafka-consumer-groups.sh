#!/usr/bin/env bash
# Upstream's kafka-consumer-groups.sh: list and describe consumer groups and their lag.
exec "$(dirname "$0")/kafka-run-class.sh" org.apache.kafka.tools.consumer.group.ConsumerGroupCommand "$@"
