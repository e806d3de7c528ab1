#!/bin/bash
# As the official image's entry point with its 20-envsubst-on-templates.sh: only when starting
# nginx, each /etc/nginx/templates/<name>.template becomes /etc/nginx/conf.d/<name>.
set -euo pipefail
if [ "${1:-}" = nginx ] || [ "${1:-}" = nginx-debug ]; then
  filter=${NGINX_ENVSUBST_FILTER:-}
  defined=$(printf '${%s} ' $(awk "END { for (name in ENVIRON) { print ( name ~ /${filter}/ ) ? name : \"\" } }" </dev/null))
  for template in /etc/nginx/templates/*.template; do
    [ -f "$template" ] || continue
    out=/etc/nginx/conf.d/$(basename "$template" .template)
    envsubst "$defined" <"$template" >"$out"
    echo "docker-entrypoint: rendered $template to $out"
  done
fi
exec "$@"
