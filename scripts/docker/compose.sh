#!/usr/bin/env bash
# Installs the docker compose v2 CLI plugin, built from its Go module (no registry or GitHub release is reachable):
# cached at ~/.cache/switchboard/bin/docker-compose, installed into ~/.docker/cli-plugins/. Idempotent.
set -euo pipefail

VERSION=${COMPOSE_VERSION:-v2.40.3}
CACHE=${SWITCHBOARD_CACHE:-$HOME/.cache/switchboard}
BIN=$CACHE/bin/docker-compose
STAMP=$BIN.version
PLUGIN_DIR=${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins

say() { printf '[docker-compose] %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

build() {
  command -v go >/dev/null 2>&1 || die "go is needed to build docker compose $VERSION"
  local started=$SECONDS dir work
  say "building docker compose $VERSION from its Go module (about 10 min cold)"
  dir=$(GOFLAGS=-mod=mod go mod download -json "github.com/docker/compose/v2@$VERSION" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')
  [[ -d $dir ]] || die "go mod download gave no module directory"
  # `go install …@version` is refused (the module has exclude directives): build inside a writable copy.
  work=$(mktemp -d)
  trap 'rm -rf "$work"' RETURN
  cp -r "$dir/." "$work/"
  chmod -R u+w "$work"
  mkdir -p "$(dirname "$BIN")"
  (cd "$work" && GOWORK=off CGO_ENABLED=0 go build -trimpath \
    -ldflags "-s -w -X github.com/docker/compose/v2/internal.Version=$VERSION" -o "$BIN.tmp" ./cmd)
  mv "$BIN.tmp" "$BIN"
  echo "$VERSION" >"$STAMP"
  say "built in $((SECONDS - started)) s"
}

install_plugin() {
  if [[ ! -x $BIN || $(cat "$STAMP" 2>/dev/null) != "$VERSION" ]]; then build; else say "cached: $BIN ($VERSION)"; fi
  mkdir -p "$PLUGIN_DIR"
  cmp -s "$BIN" "$PLUGIN_DIR/docker-compose" || install -m 0755 "$BIN" "$PLUGIN_DIR/docker-compose"
  say "$(docker compose version)"
}

case "${1:-install}" in
  install) install_plugin ;;
  *) die "usage: $0 [install]" ;;
esac
