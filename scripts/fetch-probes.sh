#!/usr/bin/env bash
# A vantage point's probe modules from the central portal, for its blackbox_exporter: install-agent.sh
# --probes-url runs this every 30 s (opsdeck-agent-probes.timer).
#
#   fetch-probes.sh URL NAME TOKEN_FILE CONFIG_FILE
#
# GET URL/api/agent/probes as this host (basic auth: its name and its token, which curl reads
# from stdin, never from its arguments, where `ps` would show it). The answer replaces
# CONFIG_FILE only when it is a module file and differs; blackbox re-reads it by itself.
set -euo pipefail
[ $# -eq 4 ] || { echo "usage: fetch-probes.sh URL NAME TOKEN_FILE CONFIG_FILE" >&2; exit 2; }
url=$1 name=$2 token_file=$3 config=$4
tmp=$(mktemp "$config.XXXXXX")
trap 'rm -f "$tmp"' EXIT
printf 'user = "%s:%s"\n' "$name" "$(tr -d '\n' < "$token_file")" \
  | curl --config - -fsS --max-time 20 --proto '=https,http' -o "$tmp" "${url%/}/api/agent/probes"
grep -q '^modules:' "$tmp" || { echo "fetch-probes: ${url%/}/api/agent/probes answered no module file" >&2; exit 1; }
if cmp -s "$tmp" "$config"; then exit 0; fi
chmod 0644 "$tmp"
mv "$tmp" "$config"
trap - EXIT
echo "fetch-probes: modules of $name updated ($(grep -c '^  probe_' "$config" || true) module(s))"
