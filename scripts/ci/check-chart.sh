#!/usr/bin/env bash
# The Helm chart, checked with the real helm CLI: lint --strict, render with the default values and with a
# production-like values file, validate every rendered object against the Kubernetes API's OpenAPI schemas
# (and the CRDs' own, for ServiceMonitor, PrometheusRule, ScaledObject) with kubeconform --strict, and
# make sure that mistakes are refused: a typo'd value (values.schema.json), more replicas than partitions,
# and a malformed object (so the validation itself is known to bite).
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=$(bash scripts/ci/install-tools.sh | tail -1)
export PATH="$bin:$PATH"
cache="${SWITCHBOARD_CACHE:-$HOME/.cache/switchboard}"
export GOMODCACHE="$cache/gomod" GOFLAGS=-mod=mod
chart=charts/switchboard
kube=1.34.0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

crd_dir() { go mod download -json "$1" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p'; }
prom=$(crd_dir github.com/prometheus-operator/prometheus-operator@v0.85.0)/example/prometheus-operator-crd
keda=$(crd_dir github.com/kedacore/keda/v2@v2.18.0)/config/crd/bases
schemas="$cache/k8s-schemas-v1.34.1"
if ! [ -s "$schemas/deployment-apps-v1.json" ]; then
  node scripts/ci/k8s-schemas.mjs "$cache/kubernetes-v1.34.1-swagger.json" "$schemas" \
    "$prom/monitoring.coreos.com_servicemonitors.yaml" "$prom/monitoring.coreos.com_prometheusrules.yaml" \
    "$keda/keda.sh_scaledobjects.yaml"
fi
validate() { kubeconform -strict -summary -schema-location "$schemas/{{ .ResourceKind }}{{ .KindSuffix }}.json" "$@"; }

echo "[chart] helm lint --strict"
helm lint --strict "$chart" --kube-version "$kube"
helm lint --strict "$chart" --kube-version "$kube" -f "$chart/ci/production-values.yaml"

echo "[chart] render and validate: default values"
helm template sb "$chart" --kube-version "$kube" >"$work/default.yaml"
validate "$work/default.yaml"
echo "[chart] render and validate: production values (with the Prometheus operator and KEDA present)"
helm template sb "$chart" --kube-version "$kube" -f "$chart/ci/production-values.yaml" \
  --api-versions monitoring.coreos.com/v1 --api-versions keda.sh/v1alpha1 >"$work/production.yaml"
validate "$work/production.yaml"
for kind in ServiceMonitor PrometheusRule ScaledObject HorizontalPodAutoscaler Ingress; do
  grep -q "^kind: $kind$" "$work/production.yaml" || { echo "[chart] production render lacks a $kind" >&2; exit 1; }
done
# Kafka over TLS with SASL: the CA mounted from its Secret, the password from the Secret, in the services and the Job.
grep -q "KAFKA_SASL_MECHANISM: \"scram-sha-512\"" "$work/production.yaml" || { echo "[chart] production render lacks KAFKA_SASL_MECHANISM" >&2; exit 1; }
grep -q "KAFKA_SSL_CA_FILE: \"/etc/switchboard/kafka-tls/ca.crt\"" "$work/production.yaml" || { echo "[chart] production render lacks KAFKA_SSL_CA_FILE" >&2; exit 1; }
[ "$(grep -c "key: KAFKA_SASL_PASSWORD" "$work/production.yaml")" -eq 6 ] || { echo "[chart] KAFKA_SASL_PASSWORD should reach the five services and the topics Job" >&2; exit 1; }
[ "$(grep -c "secretName: kafka-ca" "$work/production.yaml")" -eq 6 ] || { echo "[chart] the kafka-ca Secret should be mounted in the five services and the topics Job" >&2; exit 1; }
echo "[chart] render and validate: a Secret made by the chart from values (no existing Secret)"
helm template sb "$chart" --kube-version "$kube" --set secrets.existingSecret= \
  --set secrets.create.slackBotToken=xoxb-ci --set secrets.create.slackSigningSecret=ci-signing \
  --set secrets.create.asanaToken=ci-asana --set secrets.create.ingressApiKeys=ci-bot:ci-token-0123456789 \
  --set secrets.create.consoleSessionSecret=ci-session-secret-0123456789abcdef0123 \
  --set secrets.create.asanaWebhookSecret=ci-hook >"$work/created-secret.yaml"
validate "$work/created-secret.yaml"
grep -q "^kind: Secret$" "$work/created-secret.yaml" || { echo "[chart] no Secret rendered from secrets.create" >&2; exit 1; }

refused() { # <what> <expected message part> <helm args...>
  local what=$1 expected=$2
  shift 2
  if out=$(helm template sb "$chart" --kube-version "$kube" "$@" 2>&1); then
    echo "[chart] $what was accepted" >&2
    exit 1
  fi
  grep -q -- "$expected" <<<"$out" || { echo "[chart] $what refused without saying \"$expected\":" >&2; echo "$out" >&2; exit 1; }
  echo "[chart] refused as it should: $what"
}
refused "a misspelled value" "replicsa" --set services.notifier.replicsa=3
refused "a wrong type" "partitions" --set kafka.partitions=many
refused "more replicas than partitions" "kafka.partitions=1" --set kafka.partitions=1
refused "no secrets at all" "secrets.create" --set secrets.existingSecret=
refused "an unknown SASL mechanism" "mechanism" --set kafka.sasl.mechanism=gssapi --set kafka.sasl.username=u
refused "SASL without a user" "kafka.sasl.username" --set kafka.sasl.mechanism=scram-sha-512
refused "a client certificate without its key" "kafka.tls.keyKey" --set kafka.tls.enabled=true --set kafka.tls.secretName=kafka-tls --set kafka.tls.certKey=tls.crt
refused "SASL with the chart's Secret and the topics Job" "secrets.existingSecret" --set kafka.sasl.mechanism=plain --set kafka.sasl.username=u \
  --set secrets.existingSecret= --set secrets.create.slackBotToken=x --set secrets.create.slackSigningSecret=x --set secrets.create.asanaToken=x \
  --set secrets.create.ingressApiKeys=b:t --set secrets.create.consoleSessionSecret=s --set secrets.create.kafkaSaslPassword=p
refused "the trusted header without the proxy CIDRs" "console.trustedProxyCidrs is required" --set console.trustedHeader=x-auth-request-email

sed 's/^  replicas: 2$/  replicas: "two"/' "$work/default.yaml" >"$work/broken.yaml"
if validate "$work/broken.yaml" >/dev/null 2>&1; then
  echo "[chart] kubeconform accepted replicas: \"two\"" >&2
  exit 1
fi
echo "[chart] refused as it should: a malformed Deployment"
sed '0,/^  revisionHistoryLimit: 5$/s//  revisionHistoryLimit: 5\n  revisionHistoryLimt: 5/' "$work/default.yaml" >"$work/unknown.yaml"
grep -q revisionHistoryLimt "$work/unknown.yaml" || { echo "[chart] could not plant an unknown field" >&2; exit 1; }
if validate "$work/unknown.yaml" >/dev/null 2>&1; then
  echo "[chart] kubeconform accepted an unknown field (revisionHistoryLimt)" >&2
  exit 1
fi
echo "[chart] refused as it should: an unknown field in a Deployment"
echo "[chart] all checks passed"
