#!/usr/bin/env bash
# Backs up what OpsDeck cannot recreate into DEST (a new directory):
#   prometheus/     a TSDB snapshot (Prometheus' admin API: it copies consistent blocks)
#   elasticsearch/  the snapshot repository with a snapshot of every OpsDeck index
#   opsdeck-data.tar.gz  the deploy and business exporters', the notifier's and the portal's journals
#   grafana.db      Grafana's database (compose)
#   manifest        what was taken, and when
# Natively (npm start; state in OPSDECK_STACK_DIR, default .opsdeck/):
#   scripts/backup.sh DEST
# Compose (run on the server, beside docker-compose.monitoring.yml):
#   scripts/backup.sh --compose DEST
# PROMETHEUS_URL and ELASTICSEARCH_URL (with ELASTICSEARCH_AUTH=user:password where security is
# on) point elsewhere than the native defaults. Restore with scripts/restore.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
compose=0
[ "${1:-}" = "--compose" ] && { compose=1; shift; }
dest=${1:?usage: scripts/backup.sh [--compose] DEST}
[ -e "$dest" ] && { echo "backup: $dest exists; give a new directory" >&2; exit 2; }
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
. scripts/backup-common.sh
say() { echo "backup: $*"; echo "$*" >>"$dest/manifest"; }
echo "taken $(date -u +%Y-%m-%dT%H:%M:%SZ) from $([ $compose = 1 ] && echo compose || echo "$stack")" >"$dest/manifest"


# 1. Prometheus: a snapshot of its TSDB, copied out, then removed from Prometheus' data.
if [ $compose = 1 ]; then
  name=$("${dc[@]}" exec -T prometheus wget -q -O - --post-data= http://127.0.0.1:9090/api/v1/admin/tsdb/snapshot |
    sed -n 's/.*"name":"\([^"]*\)".*/\1/p')
  [ -n "$name" ] || { echo "backup: Prometheus made no snapshot (is --web.enable-admin-api set?)" >&2; exit 1; }
  "${dc[@]}" cp "prometheus:/prometheus/snapshots/$name" "$dest/prometheus"
  "${dc[@]}" exec -T prometheus rm -rf "/prometheus/snapshots/$name"
else
  answer=$(curl -fsS -X POST "${PROMETHEUS_URL:-http://127.0.0.1:9090}/api/v1/admin/tsdb/snapshot")
  name=$(echo "$answer" | sed -n 's/.*"name":"\([^"]*\)".*/\1/p')
  [ -n "$name" ] || { echo "backup: Prometheus made no snapshot: $answer" >&2; exit 1; }
  cp -a "$stack/prometheus/data/snapshots/$name" "$dest/prometheus"
  rm -rf "$stack/prometheus/data/snapshots/$name"
fi
say "prometheus: snapshot $name"

# 2. Elasticsearch: a snapshot of OpsDeck's indices into its filesystem repository (path.repo).
snapshot="opsdeck-$(date -u +%Y%m%d-%H%M%S)"
register_repository
es PUT "/_snapshot/opsdeck-backup/$snapshot?wait_for_completion=true" \
  -d "{\"indices\":\"${OPSDECK_INDEX_PREFIX:-opsdeck}-*\",\"include_global_state\":false}" >/dev/null
if [ $compose = 1 ]; then
  "${dc[@]}" cp elasticsearch:/usr/share/elasticsearch/snapshots/opsdeck-backup "$dest/elasticsearch"
else
  cp -a "$stack/elasticsearch/snapshots/opsdeck-backup" "$dest/elasticsearch"
fi
say "elasticsearch: snapshot $snapshot"

# 3. The journals. Each record is fsync'd before its 2xx and a torn last record is dropped on
#    load, so a copy taken while they run restores to a consistent point.
if [ $compose = 1 ]; then
  "${dc[@]}" exec -T portal tar -C /opsdeck -czf - data >"$dest/opsdeck-data.tar.gz"
  "${dc[@]}" cp grafana:/var/lib/grafana/grafana.db "$dest/grafana.db" && say "grafana: grafana.db"
else
  tar -C "$stack" -czf "$dest/opsdeck-data.tar.gz" data
fi
say "journals: opsdeck-data.tar.gz"
echo "backup: done → $dest"
