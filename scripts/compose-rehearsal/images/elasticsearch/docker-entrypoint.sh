#!/bin/bash
# As the image's entry point: settings from environment variables with a dot in their names
# (discovery.type, path.repo, …) become -E options, ELASTIC_PASSWORD becomes the keystore's
# bootstrap.password (the elastic user's password). Elasticsearch itself listens on loopback;
# front.mjs answers on :9200.
set -euo pipefail
cd /usr/share/elasticsearch
settings=()
while IFS='=' read -r -d '' name value; do
  [[ "$name" =~ ^[a-z0-9_]+\.[a-z0-9_.]+$ ]] && settings+=("-E" "$name=$value")
done < <(env -0)
if [ -n "${ELASTIC_PASSWORD:-}" ]; then
  [ -f config/elasticsearch.keystore ] || elasticsearch-keystore create >/dev/null
  elasticsearch-keystore list | grep -qx bootstrap.password ||
    printf '%s' "$ELASTIC_PASSWORD" | elasticsearch-keystore add -x bootstrap.password
fi
# The image binds everything to 0.0.0.0; the stand-in keeps the transport on loopback (no bootstrap
# checks) unless a cluster across servers asks for it (docker-compose.ha.yml sets network.host).
printenv network.host >/dev/null || settings+=("-E" "transport.host=127.0.0.1")
# The test distribution has no voting-only module: the witness runs as a plain master-eligible node.
for i in "${!settings[@]}"; do
  if [[ "${settings[$i]}" == node.roles=*voting_only* ]]; then
    settings[i]="$(sed -E 's/,voting_only|voting_only,?//' <<<"${settings[$i]}")"
    echo "stand-in: no voting-only module in the test distribution; ${settings[$i]}" >&2
  fi
done
# This machine allows fewer open files than compose's ulimits ask for (nofile.c says why).
preload=()
hard="$(ulimit -Hn)"
if [ "$hard" != unlimited ] && [ "$hard" -lt 65535 ]; then
  preload=(env LD_PRELOAD=/usr/local/lib/opsdeck-nofile.so OPSDECK_NOFILE_SEEN=65536)
  echo "stand-in: open files limited to $hard here; Elasticsearch is told 65536, what compose asks for" >&2
fi
node /usr/local/bin/front.mjs &
exec "${preload[@]}" elasticsearch -Ehttp.host=127.0.0.1 -Ehttp.port=9201 "${settings[@]}"
