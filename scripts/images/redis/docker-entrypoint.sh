#!/bin/sh
# As upstream's redis image: flags alone run redis-server with them; redis-server listens for other containers
# (protected mode off, as upstream builds it) with /data as its directory. Any other command runs as given.
set -e
case "$1" in
  -*|*.conf) set -- redis-server "$@" ;;
esac
if [ "$1" = redis-server ]; then
  shift
  case "$1" in
    ""|-*) set -- redis-server --protected-mode no --dir /data "$@" ;;
    *) conf=$1; shift; set -- redis-server "$conf" --protected-mode no --dir /data "$@" ;;
  esac
fi
exec "$@"
