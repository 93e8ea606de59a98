#!/usr/bin/env bash
# The alert rules and Prometheus config, checked with Debian's promtool: syntax, and the rules' unit tests
# (each alert firing and not). The dashboard's queries are checked against a real scrape by the jest test
# test/observability/prometheus-scrape.test.ts (part of npm test).
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/ci/install-tools.sh >/dev/null
rules=charts/switchboard/rules
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

promtool check rules "$rules/switchboard.rules.yml"
(cd "$rules" && promtool test rules switchboard.rules.test.yml)
# docker compose's Prometheus config, with its rules path pointed at the repository's file.
sed "s#/etc/prometheus/rules/#$PWD/$rules/#" deploy/prometheus/prometheus.yml >"$work/prometheus.yml"
promtool check config "$work/prometheus.yml"
node -e '
  const d = JSON.parse(require("fs").readFileSync("charts/switchboard/dashboards/switchboard.json", "utf8"));
  const panels = d.panels.filter((p) => p.type !== "row");
  const bad = panels.filter((p) => p.datasource?.uid !== "prometheus" || !(p.targets ?? []).length);
  if (bad.length) { console.error("panels without the prometheus datasource or a query:", bad.map((p) => p.title)); process.exit(1); }
  console.log(`dashboard: ${panels.length} panels, ${panels.reduce((n, p) => n + p.targets.length, 0)} queries`);
'
