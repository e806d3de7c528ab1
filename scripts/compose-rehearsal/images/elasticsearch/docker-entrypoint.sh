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
node /usr/local/bin/front.mjs &
exec elasticsearch -Ehttp.host=127.0.0.1 -Ehttp.port=9201 -Etransport.host=127.0.0.1 "${settings[@]}"
