#!/usr/bin/env bash
# Upstream's kafka-topics.sh: list, create, describe topics (used by compose's health check).
exec "$(dirname "$0")/kafka-run-class.sh" org.apache.kafka.tools.TopicCommand "$@"
