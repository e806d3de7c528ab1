#!/usr/bin/env bash
# Restores a backup from scripts/backup.sh, in two steps:
#   scripts/restore.sh [--compose] SRC
#       with the stack stopped (npm start ended; or `docker compose … stop`): puts the journals,
#       Prometheus' TSDB and Elasticsearch's snapshot repository back in place (and Grafana's
#       database in compose). Everything there before is replaced.
#   scripts/restore.sh [--compose] --elasticsearch SRC
#       once Elasticsearch runs again: replaces OpsDeck's indices with the snapshot's.
set -euo pipefail
cd "$(dirname "$0")/.."
compose=0
[ "${1:-}" = "--compose" ] && { compose=1; shift; }
step=files
[ "${1:-}" = "--elasticsearch" ] && { step=elasticsearch; shift; }
src=${1:?usage: scripts/restore.sh [--compose] [--elasticsearch] SRC}
src=$(cd "$src" && pwd)
[ -f "$src/manifest" ] || { echo "restore: $src is not a backup (no manifest)" >&2; exit 2; }
. scripts/backup-common.sh
prefix=${OPSDECK_INDEX_PREFIX:-opsdeck}


if [ $step = elasticsearch ]; then
  snapshot=$(sed -n 's/^elasticsearch: snapshot //p' "$src/manifest")
  register_repository
  # The indices the snapshot holds replace those of the same names, and the rest of OpsDeck's go.
  # They are closed, not deleted, before the restore: Filebeat keeps writing while the stack runs,
  # and a deleted index is re-created by its next line, which then blocks the restore ("an open
  # index with same name already exists"); a closed one is refused writes and restored over.
  # Names, not wildcards: Elasticsearch refuses those (action.destructive_requires_name).
  indices() { es GET "/_cat/indices/$prefix-*?h=index,status&expand_wildcards=all"; }
  joined() { tr -s ' \n' ',' | sed 's/^,//; s/,$//'; }
  restored=0 error=
  for attempt in 1 2 3 4 5; do
    open=$(indices | awk '$2 == "open" { print $1 }' | joined)
    [ -z "$open" ] || es POST "/$open/_close" >/dev/null
    if error=$(es POST "/_snapshot/opsdeck-backup/$snapshot/_restore?wait_for_completion=true" \
      -d "{\"indices\":\"$prefix-*\",\"include_global_state\":false}" 2>&1 >/dev/null); then
      restored=1
      break
    fi
    # An index created between the close and the restore (a writer's first line of a new day): again.
    sleep "$attempt"
  done
  if [ $restored = 0 ]; then
    echo "restore: elasticsearch refused the restore: $error" >&2
    exit 1
  fi
  # What is still closed was not in the snapshot: it goes, as it would have with the rest.
  closed=$(indices | awk '$2 == "close" { print $1 }' | joined)
  [ -z "$closed" ] || es DELETE "/$closed" >/dev/null
  echo "restore: elasticsearch: snapshot $snapshot restored"
  exit 0
fi

if [ $compose = 1 ]; then
  running=$("${dc[@]}" ps --status running --services 2>/dev/null | xargs echo)
  [ -z "$running" ] || { echo "restore: stop the stack first (running: $running)" >&2; exit 1; }
  # docker cp writes what it copies in as root: each service's files go back to its own user
  # (Prometheus runs as nobody, Elasticsearch as 1000:0, Grafana as 472, OpsDeck as node).
  own() { "${dc[@]}" run --rm --no-deps -T --user 0 --entrypoint chown "$1" -R "$2" "$3" >/dev/null; }
  "${dc[@]}" cp "$src/prometheus/." prometheus:/prometheus/
  own prometheus 65534:65534 /prometheus
  "${dc[@]}" cp "$src/elasticsearch" elasticsearch:/usr/share/elasticsearch/snapshots/opsdeck-backup
  own elasticsearch 1000:0 /usr/share/elasticsearch/snapshots
  tmp=$(mktemp -d) && tar -C "$tmp" -xzf "$src/opsdeck-data.tar.gz"
  "${dc[@]}" cp "$tmp/data/." portal:/opsdeck/data/ && rm -rf "$tmp"
  own portal 1000:1000 /opsdeck/data
  if [ -f "$src/grafana.db" ]; then
    "${dc[@]}" cp "$src/grafana.db" grafana:/var/lib/grafana/grafana.db
    own grafana 472:0 /var/lib/grafana/grafana.db
  fi
else
  if curl -fsS -o /dev/null "${PROMETHEUS_URL:-http://127.0.0.1:9090}/-/ready" 2>/dev/null; then
    echo "restore: stop the stack first (Prometheus still answers)" >&2
    exit 1
  fi
  rm -rf "$stack/prometheus/data" && mkdir -p "$stack/prometheus" && cp -a "$src/prometheus" "$stack/prometheus/data"
  mkdir -p "$stack/elasticsearch/snapshots"
  rm -rf "$stack/elasticsearch/snapshots/opsdeck-backup" && cp -a "$src/elasticsearch" "$stack/elasticsearch/snapshots/opsdeck-backup"
  rm -rf "$stack/data" && tar -C "$stack" -xzf "$src/opsdeck-data.tar.gz"
fi
echo "restore: journals, Prometheus' TSDB and the Elasticsearch snapshot are in place."
echo "restore: start the stack, then: scripts/restore.sh $([ $compose = 1 ] && echo '--compose ')--elasticsearch $src"
