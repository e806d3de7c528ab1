#!/usr/bin/env bash
# Builds Filebeat from the Apache-2.0 part of elastic/beats (the module in filebeat/build/) into
# .cache/filebeat-<version>/filebeat, once per pinned version. The Go module proxy serves 7.17.x
# only; production's compose stack runs the 8.x image with the same filebeat/filebeat.yml.
# ~3 minutes on 2 cores the first time; Go's module and build caches make a rebuild fast.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(sed -n 's/^export const FILEBEAT_VERSION = "\(.*\)";/\1/p' stack/src/filebeat.ts)
out=.cache/filebeat-$version
[ -x "$out/filebeat" ] && exit 0
command -v go >/dev/null 2>&1 || { echo "setup: Filebeat is built with Go: install Go 1.25 or newer" >&2; exit 1; }
grep -q "github.com/elastic/beats/v7 v$version\$" filebeat/build/go.mod ||
  { echo "setup: filebeat/build/go.mod does not require beats v$version (stack/src/filebeat.ts)" >&2; exit 1; }
echo "setup: building Filebeat $version from its Go module (a few minutes, once)"
mkdir -p "$out.tmp"
(cd filebeat/build && CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o "../../$out.tmp/filebeat" github.com/elastic/beats/v7/filebeat)
# Filebeat looks for its modules under path.home; we use none, an empty directory keeps it quiet.
mkdir -p "$out.tmp/module"
rm -rf "$out" && mv "$out.tmp" "$out"
