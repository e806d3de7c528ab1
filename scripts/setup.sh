#!/usr/bin/env bash
# Installs what OpsDeck needs on a Debian machine, and nothing twice:
#   Debian packages: prometheus-elasticsearch-exporter, nginx, openjdk-17-jre-headless, maven and unzip
#                    (for Elasticsearch), openjdk-17-jdk-headless (its module: stack/elasticsearch-analysis/); Go 1.25 or newer must be there (the machine's own; Debian's is older)
#   Prometheus 3, Alertmanager, node_exporter: built from their Go modules at the versions
#                    stack/src/versions.ts pins (scripts/build-servers.sh), once per version
#   Elasticsearch:   the integ-test-zip distribution from Maven Central, into .cache/, with
#                    OpsDeck's module for its .security index (so it keeps users and API keys)
#   Filebeat:        built from its Go module into .cache/ (scripts/build-filebeat.sh)
#   npm packages:    npm ci, when node_modules is missing or older than package-lock.json
# and bundles the services into dist/ (a second; always, so dist/ never lags the source).
#   the portal's production build (next build), when its sources changed
# Usage: scripts/setup.sh [--test]   (--test also installs what only the tests and benchmarks need:
#                                    chromium, fonts-noto-cjk, wamerican, dnsmasq-base, PostgreSQL,
#                                    MariaDB, Redis, and Docker Compose v5 from its Go module, which
#                                    validates the compose file without an engine)
#        scripts/setup.sh --rehearsal  (npm run compose-rehearsal: that, and a Docker engine —
#                                    docker.io —, debootstrap for the stand-ins' base, and the
#                                    Elasticsearch exporter from its Go module)
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
want_rehearsal=0
[ "${1:-}" = "--test" ] && want_test=1
[ "${1:-}" = "--rehearsal" ] && want_test=1 && want_rehearsal=1

need=()
command -v prometheus-elasticsearch-exporter >/dev/null 2>&1 || need+=(prometheus-elasticsearch-exporter)
# The front door (provisioning/nginx/), which npm start runs on its own config and port.
[ -x /usr/sbin/nginx ] || need+=(nginx)
# Elasticsearch: the integ-test-zip distribution from Maven Central, run by Java 17.
command -v java >/dev/null 2>&1 || need+=(openjdk-17-jre-headless)
# javac: OpsDeck's small Elasticsearch module (stack/elasticsearch-analysis/) is built here.
command -v javac >/dev/null 2>&1 || need+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || need+=(maven)
command -v unzip >/dev/null 2>&1 || need+=(unzip)
# The browser tests drive Debian's Chromium (never a downloaded browser).
# fonts-noto-cjk: so the screenshots of the Chinese pages show characters, not boxes.
if [ $want_test -eq 1 ]; then
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  [ -d /usr/share/fonts/opentype/noto ] || need+=(fonts-noto-cjk)
  # wamerican: the English word list the browser tests check the Chinese pages against.
  [ -f /usr/share/dict/american-english ] || need+=(wamerican)
  # A real DNS server for the DNS probes' test (dnsmasq, on a loopback port).
  [ -x /usr/sbin/dnsmasq ] || need+=(dnsmasq-base)
  # Real databases for the database exporters' tests (stack/src/databases.ts), started by hand.
  ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || need+=(postgresql)
  [ -x /usr/sbin/mariadbd ] || need+=(mariadb-server)
  # redis-server also runs the notifier's shared queue and its Sentinels (stack/src/queue-redis.ts).
  [ -x /usr/bin/redis-server ] || need+=(redis-server)
fi

if [ $want_rehearsal -eq 1 ]; then
  command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
  command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
fi

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

# Elasticsearch, fetched once into .cache/ (Maven also keeps the zip in ~/.m2).
es_version=$(sed -n 's/^export const ES_VERSION = "\(.*\)";/\1/p' stack/src/elasticsearch.ts)
es_home=.cache/elasticsearch-$es_version
if [ ! -x "$es_home/bin/elasticsearch" ]; then
  echo "setup: fetching Elasticsearch $es_version (integ-test-zip, Maven Central)"
  mvn -q dependency:copy "-Dartifact=org.elasticsearch.distribution.integ-test-zip:elasticsearch:$es_version:zip" \
    -DoutputDirectory=.cache/download
  rm -rf "$es_home.tmp" && mkdir -p "$es_home.tmp"
  unzip -q ".cache/download/elasticsearch-$es_version.zip" -d "$es_home.tmp"
  mv "$es_home.tmp/elasticsearch-$es_version" "$es_home"
  rm -rf "$es_home.tmp" .cache/download
fi
# …with the analysis components its .security index needs, so it keeps users and API keys.
bash stack/elasticsearch-analysis/build.sh "$es_home" "$es_version"

bash scripts/build-servers.sh
if [ $want_rehearsal -eq 1 ]; then bash scripts/build-servers.sh --rehearsal
elif [ $want_test -eq 1 ]; then bash scripts/build-servers.sh --test; fi
bash scripts/build-filebeat.sh

npx tsx scripts/build.ts
# The portal's production build (Next.js); skipped when nothing it is built from changed.
stamp=portal/.next/opsdeck-source-hash
hash=$(find portal/src portal/next.config.ts core/src contracts/src package-lock.json -type f | sort | xargs sha256sum | sha256sum | cut -d' ' -f1)
if [ ! -f portal/.next/BUILD_ID ] || [ "$(cat $stamp 2>/dev/null)" != "$hash" ]; then
  echo "setup: building the portal (next build)"
  (cd portal && npx next build > /dev/null)
  echo "$hash" > $stamp
fi
