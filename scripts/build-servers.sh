#!/usr/bin/env bash
# Builds Prometheus and promtool, Alertmanager and amtool, node_exporter, blackbox_exporter and the
# database exporters (PostgreSQL, MySQL / MariaDB, Redis) from their Go
# modules at the versions stack/src/versions.ts pins, once per version, into
# ${OPSDECK_SERVERS_DIR:-~/.cache/opsdeck/servers}/<name>-<version>/ — outside the checkout, so a
# fresh clone on the same machine finds them and CI does not recompile them on every run.
# Debian's packages are two years older (Prometheus 2.42, Alertmanager 0.25); production's
# compose stack runs these versions' images. Cold on 2 cores: ~10 minutes for Prometheus, a few
# for the rest; Go's module and build caches make a rebuild after a version bump faster.
# The modules do not carry Prometheus' web UI (its assets are built with npm in its own repo):
# the API is what the tests and the portal use; Prometheus' / answers with an error page.
set -euo pipefail
cd "$(dirname "$0")/.."
pin() { sed -n "s/^export const $1 = \"\(.*\)\";/\1/p" stack/src/versions.ts; }
prometheus=$(pin PROMETHEUS_VERSION)
alertmanager=$(pin ALERTMANAGER_VERSION)
node_exporter=$(pin NODE_EXPORTER_VERSION)
blackbox_exporter=$(pin BLACKBOX_EXPORTER_VERSION)
postgres_exporter=$(pin POSTGRES_EXPORTER_VERSION)
mysqld_exporter=$(pin MYSQLD_EXPORTER_VERSION)
redis_exporter=$(pin REDIS_EXPORTER_VERSION)
dir=${OPSDECK_SERVERS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/opsdeck/servers}
command -v go >/dev/null 2>&1 || { echo "setup: Prometheus and Alertmanager are built with Go: install Go 1.25 or newer" >&2; exit 1; }

# build <name> <version> <module> <module version> <packages...>; OUTPUT=<binary name> names the
# binary when the package is the module's cmd/ directory (Compose's), EXTRA_LDFLAGS add to the stamp.
build() {
  local name=$1 version=$2 module=$3 module_version=$4
  shift 4
  local output=${OUTPUT:-}
  local out="$dir/$name-$version"
  local missing=0
  # A package's binary is named after its directory; the module's root package after the module.
  for pkg in "$@"; do [ -x "$out/${output:-$(basename "${pkg/#./$module}")}" ] || missing=1; done
  [ $missing -eq 0 ] && return 0
  echo "setup: building $name $version from $module@$module_version (once; Prometheus takes ~10 minutes on 2 cores)"
  # Without the version in the binary, `--version` is empty and /api/v1/status/buildinfo says nothing.
  local ldflags="-s -w -X github.com/prometheus/common/version.Version=$version
    -X github.com/prometheus/common/version.Revision=$module_version
    -X github.com/prometheus/common/version.Branch=module
    -X github.com/prometheus/common/version.BuildUser=opsdeck
    -X github.com/prometheus/common/version.BuildDate=$(date -u +%Y%m%d-%H:%M:%S) ${EXTRA_LDFLAGS:-}"
  rm -rf "$out.tmp" && mkdir -p "$out.tmp"
  # The module's own source, from Go's module cache, built as its main module (so its go.mod and
  # go.sum decide every dependency, as `go install module@version` would).
  local src
  src=$(go mod download -json "$module@$module_version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  local work
  work=$(mktemp -d)
  cp -r "$src/." "$work" && chmod -R u+w "$work"
  if [ "$name" = alertmanager ]; then
    # Alertmanager embeds its web UI from ui/app/dist, which npm builds in its repository and the
    # module does not carry: a page saying so stands in for it (the API is what OpsDeck uses).
    for ui in elm mantine; do
      mkdir -p "$work/ui/app/dist/$ui"
      echo "<p>Alertmanager's web UI is not part of its Go module. Use the API (/api/v2) or the OpsDeck portal's Alerts page.</p>" >"$work/ui/app/dist/$ui/index.html"
    done
  fi
  # GOWORK=off: a module may carry a go.work naming directories its zip does not hold.
  (cd "$work" && GOWORK=off CGO_ENABLED=0 go build -trimpath -ldflags="$ldflags" -o "$(cd "$out.tmp" && pwd)/$output" "${@/#/./}")
  rm -rf "$work"
  rm -rf "$out" && mv "$out.tmp" "$out"
}

IFS=. read -r major minor patch <<<"$prometheus"
build prometheus "$prometheus" github.com/prometheus/prometheus "v0.$((major * 100 + minor)).$patch" cmd/prometheus cmd/promtool
build alertmanager "$alertmanager" github.com/prometheus/alertmanager "v$alertmanager" cmd/alertmanager cmd/amtool
build node_exporter "$node_exporter" github.com/prometheus/node_exporter "v$node_exporter" .
build blackbox_exporter "$blackbox_exporter" github.com/prometheus/blackbox_exporter "v$blackbox_exporter" .
# The databases' exporters (opsdeck.yml databases:). redis_exporter stamps its own variables.
build postgres_exporter "$postgres_exporter" github.com/prometheus-community/postgres_exporter "v$postgres_exporter" cmd/postgres_exporter
build mysqld_exporter "$mysqld_exporter" github.com/prometheus/mysqld_exporter "v$mysqld_exporter" .
EXTRA_LDFLAGS="-X main.BuildVersion=v$redis_exporter -X main.BuildCommitSha=module" \
  build redis_exporter "$redis_exporter" github.com/oliver006/redis_exporter "v$redis_exporter" .

# --test: Docker Compose v5, which validates docker-compose.monitoring.yml in the tests (Debian's
# docker-compose is 1.29, older than what servers run) and runs it in the rehearsal. Its main
# package is cmd/, so the binary is named here.
if [ "${1:-}" = "--test" ] || [ "${1:-}" = "--rehearsal" ]; then
  compose=$(pin COMPOSE_VERSION)
  OUTPUT=docker-compose EXTRA_LDFLAGS="-X github.com/docker/compose/v5/internal.Version=v$compose" \
    build docker-compose "$compose" github.com/docker/compose/v5 "v$compose" cmd
fi
# --rehearsal: what only npm run compose-rehearsal needs, the Elasticsearch exporter the compose file pins.
if [ "${1:-}" = "--rehearsal" ]; then
  es_exporter=$(pin ES_EXPORTER_VERSION)
  build elasticsearch_exporter "$es_exporter" github.com/prometheus-community/elasticsearch_exporter "v$es_exporter" .
fi
