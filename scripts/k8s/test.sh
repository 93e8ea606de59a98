#!/usr/bin/env bash
# `npm run test:k8s`: the Helm chart on a real single-node Kubernetes, from nothing. Docker engine, the local images,
# the Kubernetes binaries (cached), helm (cached), the cluster, then test/k8s with jest; the cluster is taken down
# afterwards (SWITCHBOARD_K8S_KEEP=1 leaves it up: `bash scripts/k8s/cluster.sh down` later). Prints each stage's time.
set -euo pipefail
cd "$(dirname "$0")/../.."
stage_start=$(date +%s)
stage() {
  local now; now=$(date +%s)
  [ -n "${stage_name:-}" ] && echo "[test:k8s] ${stage_name}: $(( now - stage_start ))s" >&2
  stage_name=$1; stage_start=$now
  echo "[test:k8s] == $1" >&2
}

stage "docker engine"
bash scripts/docker/engine.sh up
stage "images (npm run images)"
npm run images
stage "Kubernetes binaries"
k8s_bin=$(bash scripts/k8s/build.sh | tail -1)
stage "helm"
tools_bin=$(bash scripts/ci/install-tools.sh | tail -1)
stage "cluster up"
finish() {
  local rc=$?
  if [ "${SWITCHBOARD_K8S_KEEP:-}" != 1 ]; then
    stage "cluster down"
    bash scripts/k8s/cluster.sh down || rc=1
  fi
  stage "done (exit $rc)"
  exit "$rc"
}
trap finish EXIT
kubeconfig=$(bash scripts/k8s/cluster.sh up | tail -1)
stage "jest test/k8s"
export "$kubeconfig" SWITCHBOARD_KUBECTL="$k8s_bin/kubectl" SWITCHBOARD_HELM="$tools_bin/helm"
npx jest -c jest.k8s.config.js "$@"
