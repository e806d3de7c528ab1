#!/usr/bin/env bash
# Installs what OpsDeck needs on a Debian machine, and nothing twice:
#   Debian packages: prometheus (with promtool), prometheus-node-exporter, prometheus-alertmanager (with amtool)
#   npm packages:    npm ci, when node_modules is missing or older than package-lock.json
# and bundles the services into dist/ (a second; always, so dist/ never lags the source).
# Usage: scripts/setup.sh [--test]   (--test also installs what only the tests need)
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

need=()
command -v prometheus >/dev/null 2>&1 || need+=(prometheus)
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
command -v prometheus-node-exporter >/dev/null 2>&1 || need+=(prometheus-node-exporter)
command -v prometheus-alertmanager >/dev/null 2>&1 || need+=(prometheus-alertmanager)

if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing Debian packages: ${need[*]}"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends $(printf '%s\n' "${need[@]}" | sort -u)
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages (npm ci)"
  npm ci --no-audit --no-fund
fi

npx tsx scripts/build.ts
