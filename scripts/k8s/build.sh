#!/usr/bin/env bash
# Builds the Kubernetes binaries the single-node test cluster runs (kube-apiserver, kube-controller-manager,
# kube-scheduler, kubelet, kube-proxy, kubectl) from the k8s.io/kubernetes Go module, and crictl (cri-tools, for
# tearing pods down cleanly); cached, a second run does nothing. Prints the bin directory on its last line.
set -euo pipefail
K8S_VERSION="${K8S_VERSION:-v1.34.1}"
CRI_TOOLS_VERSION=v1.34.0
cache="${SWITCHBOARD_CACHE:-$HOME/.cache/switchboard}"
root="$cache/k8s/$K8S_VERSION"
bin="$root/bin"
binaries=(kubectl kube-scheduler kube-proxy kubelet kube-controller-manager kube-apiserver)
export GOMODCACHE="$cache/gomod" GOWORK=off CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-mod=mod

stamp() { date +%s; }
log() { echo "[k8s-build] $*" >&2; }

missing=()
for b in "${binaries[@]}"; do [ -x "$bin/$b" ] || missing+=("$b"); done
if [ ${#missing[@]} -eq 0 ] && [ -x "$bin/crictl" ]; then
  log "cached: $bin"
  echo "$bin"
  exit 0
fi
mkdir -p "$bin"

# The module zip leaves out the nested staging modules its go.mod points at (replace k8s.io/X =>
# ./staging/src/k8s.io/X): work in a writable copy whose replace lines name the published v0.x releases.
src="$root/src"
if ! [ -f "$src/.prepared" ]; then
  t=$(stamp)
  log "downloading k8s.io/kubernetes@$K8S_VERSION"
  dir=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  [ -n "$dir" ] || { log "go mod download gave no directory"; exit 1; }
  rm -rf "$src"
  cp -r "$dir" "$src"
  chmod -R u+w "$src"
  staging="v0.${K8S_VERSION#v1.}"
  sed -i -E "s#^(\s*)(k8s\.io/[A-Za-z0-9._/-]+) => \./staging/src/k8s\.io/[A-Za-z0-9._/-]+\$#\1\2 => \2 $staging#" "$src/go.mod"
  if grep -q '=> ./staging' "$src/go.mod"; then log "unrewritten replace lines left in go.mod"; exit 1; fi
  touch "$src/.prepared"
  log "module copy ready in $(( $(stamp) - t ))s"
fi

minor="${K8S_VERSION#v1.}"; minor="${minor%%.*}"
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
done

total=$(stamp)
if ! [ -x "$bin/crictl" ]; then
  t=$(stamp)
  log "building crictl $CRI_TOOLS_VERSION (go install)"
  GOBIN="$bin" go install -trimpath -ldflags "-s -w" "sigs.k8s.io/cri-tools/cmd/crictl@$CRI_TOOLS_VERSION"
  log "crictl built in $(( $(stamp) - t ))s"
fi
cd "$src"
for b in "${missing[@]}"; do
  t=$(stamp)
  log "building $b"
  # Two cores shared with everyone: one binary at a time, at most two compile jobs.
  go build -p 2 -trimpath -ldflags "$ldflags" -o "$bin/$b.tmp" "./cmd/$b"
  mv "$bin/$b.tmp" "$bin/$b"
  log "$b built in $(( $(stamp) - t ))s"
done
log "all built in $(( $(stamp) - total ))s"
"$bin/kubectl" version --client >&2
echo "$bin"
