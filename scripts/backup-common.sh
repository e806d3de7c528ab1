# What scripts/backup.sh and restore.sh share: where the stack is, and Elasticsearch's API
# (inside the compose network only; natively on loopback). Sourced; $compose says which.
stack=${OPSDECK_STACK_DIR:-.opsdeck}
dc=(docker compose -f docker-compose.monitoring.yml)

es() {
  local method=$1 path=$2
  shift 2
  if [ "$compose" = 1 ]; then
    "${dc[@]}" exec -T elasticsearch curl -fsS -u "elastic:${ELASTIC_PASSWORD:?set ELASTIC_PASSWORD}" \
      -X "$method" -H 'content-type: application/json' "http://127.0.0.1:9200$path" "$@"
  else
    curl -fsS ${ELASTICSEARCH_AUTH:+-u "$ELASTICSEARCH_AUTH"} -X "$method" -H 'content-type: application/json' \
      "${ELASTICSEARCH_URL:-http://127.0.0.1:9200}$path" "$@"
  fi
}

# The snapshot repository in Elasticsearch's path.repo, registered (again) before each use.
register_repository() {
  es PUT /_snapshot/opsdeck-backup -d '{"type":"fs","settings":{"location":"opsdeck-backup"}}' >/dev/null
}
