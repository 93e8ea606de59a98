#!/usr/bin/env bash
# The chart and observability checks' tools, from the registries this machine reaches (Go module proxy,
# Debian): helm and kubeconform built with `go install`, the Kubernetes OpenAPI spec from the
# k8s.io/kubernetes module, promtool and prometheus from Debian's package. Cached in
# ~/.cache/switchboard; a second run does nothing. Prints the bin directory on its last line.
set -euo pipefail
HELM_VERSION=v3.19.0
KUBECONFORM_VERSION=v0.7.0
KUBERNETES_VERSION=v1.34.1
cache="${SWITCHBOARD_CACHE:-$HOME/.cache/switchboard}"
bin="$cache/bin"
mkdir -p "$bin"
export GOBIN="$bin" GOMODCACHE="$cache/gomod" GOFLAGS=-mod=mod GOTOOLCHAIN=local

if ! [ -x "$bin/helm" ]; then
  echo "[tools] building helm $HELM_VERSION (go install)" >&2
  go install "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
fi
if ! [ -x "$bin/kubeconform" ]; then
  echo "[tools] building kubeconform $KUBECONFORM_VERSION (go install)" >&2
  go install "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION"
fi
spec="$cache/kubernetes-$KUBERNETES_VERSION-swagger.json"
if ! [ -s "$spec" ]; then
  echo "[tools] Kubernetes $KUBERNETES_VERSION OpenAPI spec (from the k8s.io/kubernetes module)" >&2
  dir=$(go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  cp "$dir/api/openapi-spec/swagger.json" "$spec"
fi
if ! command -v promtool >/dev/null 2>&1 || ! command -v prometheus >/dev/null 2>&1; then
  echo "[tools] prometheus and promtool (Debian)" >&2
  sudo=''
  if [ "$(id -u)" -ne 0 ]; then sudo='sudo'; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  # Debian starts the packaged server as a service where it can; the tests run their own. Stop only that
  # service (never another prometheus on the machine).
  $sudo systemctl disable --now prometheus >/dev/null 2>&1 || $sudo service prometheus stop >/dev/null 2>&1 || true
fi
"$bin/helm" version --short >&2
"$bin/kubeconform" -v >&2
promtool --version 2>&1 | head -1 >&2
echo "$bin"
