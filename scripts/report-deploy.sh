#!/usr/bin/env sh
# Reports a deploy and its steps to the OpsDeck deploy exporter from any CI, with curl only.
#
#   export OPSDECK_URL=http://ops.example.com:9470 OPSDECK_DEPLOY_TOKEN=...
#   id=$(scripts/report-deploy.sh start shop production 1.4.2 "$GIT_COMMIT")
#   scripts/report-deploy.sh step "$id" build running
#   scripts/report-deploy.sh step "$id" build succeeded
#   scripts/report-deploy.sh log  "$id" info "uploaded 12 files"
#   scripts/report-deploy.sh finish "$id" succeeded        # or failed / cancelled
#
# Optional for start: OPSDECK_BRANCH, OPSDECK_ACTOR, OPSDECK_URL_LINK, OPSDECK_COMMIT_AT (ISO time),
# OPSDECK_HOSTS (the servers it goes to, by their names in OpsDeck's hosts list: app-1,app-2).
# Transient failures (connection refused, timeouts, 5xx, 429) are retried; a 4xx fails at once.
# Calls are idempotent: resending the same step is harmless.
set -eu

: "${OPSDECK_URL:?set OPSDECK_URL, e.g. http://127.0.0.1:9470}"
: "${OPSDECK_DEPLOY_TOKEN:?set OPSDECK_DEPLOY_TOKEN}"

# JSON string escaping for values we put in bodies (backslash, quote, control characters).
json() { printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/\t/\\t/g' | awk 'BEGIN{ORS=""} NR>1{print "\\n"} {print}' | sed 's/^/"/; s/$/"/'; }

call() { # path body
  curl -fsS --retry 5 --retry-connrefused --retry-delay 2 --max-time 10 \
    -H "Authorization: Bearer $OPSDECK_DEPLOY_TOKEN" -H "Content-Type: application/json" \
    -X POST "$OPSDECK_URL$1" --data-binary "$2"
}

opt() { [ -n "${2:-}" ] && printf ',"%s":%s' "$1" "$(json "$2")" || true; }
# "a,b" → ,"hosts":["a","b"] (the exporter checks each name).
hosts() {
  [ -n "${1:-}" ] || return 0
  printf ',"hosts":['
  printf '%s\n' "$1" | tr ',' '\n' | while IFS= read -r h; do [ -n "$h" ] && printf '%s\n' "$(json "$h")"; done | paste -sd, - | tr -d '\n'
  printf ']'
}

cmd=${1:-}
case "$cmd" in
  start)
    [ $# -ge 3 ] || { echo "usage: $0 start PROJECT ENVIRONMENT [VERSION] [COMMIT]" >&2; exit 2; }
    body="{\"project\":$(json "$2"),\"environment\":$(json "$3")$(opt version "${4:-}")$(opt commit "${5:-}")$(opt branch "${OPSDECK_BRANCH:-}")$(opt actor "${OPSDECK_ACTOR:-}")$(opt url "${OPSDECK_URL_LINK:-}")$(opt commit_at "${OPSDECK_COMMIT_AT:-}")$(hosts "${OPSDECK_HOSTS:-}")}"
    call /api/v1/deploys "$body" | sed -n 's/^{"id":"\([^"]*\)".*/\1/p'
    ;;
  step)
    [ $# -ge 4 ] || { echo "usage: $0 step ID NAME STATUS [LOG]" >&2; exit 2; }
    now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
    case "$4" in running) t=started_at ;; *) t=finished_at ;; esac
    call "/api/v1/deploys/$2/steps" "{\"event_id\":$(json "$2:$3:$4"),\"name\":$(json "$3"),\"status\":$(json "$4"),\"$t\":\"$now\"$(opt log "${5:-}")}" >/dev/null
    ;;
  log)
    [ $# -ge 4 ] || { echo "usage: $0 log ID LEVEL MESSAGE" >&2; exit 2; }
    call "/api/v1/deploys/$2/logs" "{\"lines\":[{\"level\":$(json "$3"),\"message\":$(json "$4")}]}" >/dev/null
    ;;
  finish)
    [ $# -ge 3 ] || { echo "usage: $0 finish ID succeeded|failed|cancelled" >&2; exit 2; }
    call "/api/v1/deploys/$2/finish" "{\"event_id\":$(json "$2:finish"),\"result\":$(json "$3")}" >/dev/null
    ;;
  *)
    echo "usage: $0 start|step|log|finish ..." >&2
    exit 2
    ;;
esac
