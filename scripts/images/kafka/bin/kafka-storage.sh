#!/usr/bin/env bash
# Upstream's kafka-storage.sh: format storage, random-uuid, info.
exec "$(dirname "$0")/kafka-run-class.sh" kafka.tools.StorageTool "$@"
