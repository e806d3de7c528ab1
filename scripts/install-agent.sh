#!/usr/bin/env bash
# Installs OpsDeck's agent on an app server, natively with systemd (no Docker): node-exporter
# and the PM2 exporter at the versions the central stack tests, both behind the web config
# `npm run agent-credentials` printed on the central server (basic auth; it holds only the
# password's hash). Run it from the agent bundle (`npm run agent-bundle` on the central server
# makes dist/opsdeck-agent-<version>.tar.gz; copy it here and unpack it):
#
#   sudo ./install-agent.sh --web-config web.yml --pm2-user deploy
#
# Options:
#   --web-config FILE      web.yml from `npm run agent-credentials` (required)
#   --pm2-user USER        the user the apps' PM2 daemon runs as (required)
#   --pm2-home DIR         its PM2_HOME (default: ~USER/.pm2)
#   --listen ADDRESS       where the exporters listen: this host's address on the network the
#                          central server comes from (default 0.0.0.0; keep the firewall closed
#                          to everyone else: scripts/agent-preflight.sh checks)
#   --node-exporter-port N (default 9100)   --pm2-exporter-port N (default 9209)
#   --prefix DIR           where it is installed (default /opt/opsdeck-agent)
#   --root DIR             install into DIR as if it were / (no users, no systemctl): to review
#                          what it writes, and for the tests
#   --no-start             write everything, enable nothing
#   --without-node-exporter  only the PM2 exporter (node-exporter runs from docker-compose.agent.yml)
#
# This host's logs (PM2's, nginx's) go to the central Elasticsearch through its front door, with
# the host's own log key (Hosts page → Log keys → Issue key; it can only add log lines):
#   --logs-url URL         the central front door, e.g. https://ops.example.com
#   --log-key-file FILE    the key the Hosts page showed (the OPSDECK_ES_API_KEY=… line, or the key)
#   --name NAME            this host's name in OpsDeck, for its log lines' host.name (default: hostname -s)
#   --index-prefix P       elasticsearch.index_prefix on the central server (default opsdeck)
#   --nginx-log-dir DIR    where this host's nginx logs (default /var/log/nginx)
#
# A host the central Prometheus cannot reach (NAT, another network) pushes instead: Prometheus
# in agent mode (bundled with `npm run agent-bundle -- --with-prometheus`) scrapes the exporters
# on 127.0.0.1 and writes through the central front door with the host's own token
# (`npm run agent-credentials -- --push NAME` prints it, and the hosts entry for the central side):
#   sudo ./install-agent.sh --pm2-user deploy --name app-9 --labels env=production,role=web \
#     --push-url https://ops.example.com/ingest/prometheus/api/v1/write --push-token-file token
# (no --web-config then: the exporters get a password of their own, known to this host alone).
#   --agent-prometheus-port N  its own web port, on 127.0.0.1 (default 9095)
#
# A vantage point for probes (opsdeck.yml probes[].vantage_points, or the portal's): this host's
# blackbox_exporter, behind the same web config, probes what the central Prometheus asks with
# the modules it fetches from the central portal every 30 s, as this host with its own token
# (`npm run agent-credentials -- --vantage NAME` prints one, and the hosts entry):
#   sudo ./install-agent.sh --web-config web.yml --pm2-user deploy --name app-2 \
#     --probes-url https://ops.example.com --host-token-file token
#   --blackbox-port N      its blackbox_exporter's port (default 9115)
#
# Recovery actions on this host's apps (restart, reload, … from an alert, README "Recovery
# actions"): the PM2 exporter runs one only on a request the central OpsDeck signed with this
# host's own key (`npm run agent-credentials -- --actions NAME` prints it):
#   --actions-key-file FILE  that key (the OPSDECK_PM2_ACTIONS_KEY=… line, or the key); --name
#                          must be the host's name on the central server (default: hostname -s).
#                          A push host fetches its requests from the central front door (--push-url's).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
die() {
  echo "install-agent: $*" >&2
  exit 1
}

web_config="" pm2_user="" pm2_home="" listen=0.0.0.0 node_port=9100 pm2_port=9209
prefix=/opt/opsdeck-agent root="" start=1 with_node=1
push_url="" push_token_file="" name="" labels="" agent_prom_port=9095
logs_url="" log_key_file="" index_prefix=opsdeck nginx_log_dir=/var/log/nginx
probes_url="" host_token_file="" blackbox_port=9115
actions_key_file=""
while [ $# -gt 0 ]; do
  case "$1" in
    --web-config) web_config=$2; shift 2 ;;
    --pm2-user) pm2_user=$2; shift 2 ;;
    --pm2-home) pm2_home=$2; shift 2 ;;
    --listen) listen=$2; shift 2 ;;
    --node-exporter-port) node_port=$2; shift 2 ;;
    --pm2-exporter-port) pm2_port=$2; shift 2 ;;
    --prefix) prefix=$2; shift 2 ;;
    --root) mkdir -p "$2" && root=$(cd "$2" && pwd); shift 2 ;;
    --no-start) start=0; shift ;;
    --without-node-exporter) with_node=0; shift ;;
    --push-url) push_url=$2; shift 2 ;;
    --push-token-file) push_token_file=$2; shift 2 ;;
    --name) name=$2; shift 2 ;;
    --labels) labels=$2; shift 2 ;;
    --agent-prometheus-port) agent_prom_port=$2; shift 2 ;;
    --logs-url) logs_url=$2; shift 2 ;;
    --log-key-file) log_key_file=$2; shift 2 ;;
    --index-prefix) index_prefix=$2; shift 2 ;;
    --nginx-log-dir) nginx_log_dir=$2; shift 2 ;;
    --probes-url) probes_url=$2; shift 2 ;;
    --host-token-file) host_token_file=$2; shift 2 ;;
    --blackbox-port) blackbox_port=$2; shift 2 ;;
    --actions-key-file) actions_key_file=$2; shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done

# What the bundle holds (agent-bundle.ts writes it; VERSIONS names what is in it).
for f in bin/node_exporter exporter.mjs node_modules systemd VERSIONS; do
  [ -e "$HERE/$f" ] || die "$HERE/$f is missing: run this from the agent bundle (npm run agent-bundle on the central server)"
done
# shellcheck source=/dev/null
. "$HERE/VERSIONS"

node=$(command -v node) || die "node is not installed (the PM2 exporter runs on the Node.js the apps use)"
major=$("$node" -p 'process.versions.node.split(".")[0]')
[ "$major" -ge 20 ] || die "Node.js 20 or later is needed, found $("$node" --version)"
if [ -n "$push_url" ]; then
  [[ "$push_url" =~ ^https?://[^[:space:]]+/ingest/prometheus/api/v1/write$ ]] \
    || die "--push-url must be the central front door's https://…/ingest/prometheus/api/v1/write"
  [ -r "$push_token_file" ] || die "--push-token-file: the token npm run agent-credentials -- --push NAME printed"
  [ -x "$HERE/bin/prometheus" ] || die "this bundle has no Prometheus: npm run agent-bundle -- --with-prometheus"
  [ -n "$name" ] || name=$(hostname -s)
  [[ "$name" =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$ ]] || die "not a host name: $name"
  [ -z "$web_config" ] || die "--web-config is for hosts the central server scrapes; a push host's exporters get a password of their own"
  [[ "$agent_prom_port" =~ ^[0-9]+$ ]] || die "not a port: $agent_prom_port"
  listen=127.0.0.1 # nothing but the local agent scrapes them
  # The exporters' own password, known to this host alone (its Prometheus agent scrapes them).
  local_password=$("$node" -e 'console.log(require("crypto").randomBytes(24).toString("hex"))')
  web_config=$(mktemp)
  trap 'rm -f "$web_config"' EXIT
  "$node" -e 'const b = require("module").createRequire(process.argv[1])("bcryptjs");
    console.log("basic_auth_users:\n  prometheus: " + b.hashSync(process.argv[2], 10));' \
    "$HERE/package.json" "$local_password" > "$web_config"
fi
if [ -n "$logs_url$log_key_file" ]; then
  [[ "$logs_url" =~ ^https?://[^[:space:]/]+/?$ ]] || die "--logs-url must be the central front door's address, e.g. https://ops.example.com"
  [ -r "$log_key_file" ] || die "--log-key-file: the key the Hosts page showed (Log keys → Issue key)"
  log_key=$(sed -e 's/^OPSDECK_ES_API_KEY=//' "$log_key_file" | tr -d '[:space:]')
  [[ "$log_key" =~ ^[A-Za-z0-9_-]+:[A-Za-z0-9_-]+$ ]] || die "$log_key_file holds no log key (<id>:<key>, as the Hosts page shows it)"
  [ -x "$HERE/bin/filebeat" ] || die "this bundle has no Filebeat: make it again with npm run agent-bundle"
  [[ "$index_prefix" =~ ^[a-z0-9][a-z0-9_-]*$ ]] || die "not an index prefix: $index_prefix"
  [ -n "$name" ] || name=$(hostname -s)
  [[ "$name" =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$ ]] || die "not a host name: $name"
fi
if [ -n "$probes_url$host_token_file" ]; then
  [[ "$probes_url" =~ ^https?://[^[:space:]/]+/?$ ]] || die "--probes-url must be the central front door's address, e.g. https://ops.example.com"
  [ -r "$host_token_file" ] || die "--host-token-file: the token npm run agent-credentials -- --vantage NAME printed"
  [ -z "$push_url" ] || die "a push host cannot be a vantage point: the central Prometheus cannot reach its blackbox"
  [ -x "$HERE/bin/blackbox_exporter" ] || die "this bundle has no blackbox_exporter: make it again with npm run agent-bundle"
  [[ "$blackbox_port" =~ ^[0-9]+$ ]] || die "not a port: $blackbox_port"
  [ -n "$name" ] || name=$(hostname -s)
  [[ "$name" =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$ ]] || die "not a host name: $name"
fi
if [ -n "$actions_key_file" ]; then
  [ -r "$actions_key_file" ] || die "--actions-key-file: the key npm run agent-credentials -- --actions NAME printed"
  actions_key=$(grep -v '^#' "$actions_key_file" | sed -e 's/^OPSDECK_PM2_ACTIONS_KEY=//' | tr -d '[:space:]')
  [[ "$actions_key" =~ ^[A-Za-z0-9_-]{43}$ ]] || die "$actions_key_file holds no action key (agent-credentials -- --actions NAME prints one)"
  [ -n "$name" ] || name=$(hostname -s)
  [[ "$name" =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$ ]] || die "not a host name: $name"
fi
[ -n "$web_config" ] || die "--web-config is required (npm run agent-credentials on the central server prints it)"
[ -r "$web_config" ] || die "cannot read $web_config"
grep -Eq '^[[:space:]]+[^:#]+:[[:space:]]*["'"'"']?\$2[aby]\$' "$web_config" \
  || die "$web_config has no basic_auth_users entry with a bcrypt hash: the exporters would be open to anyone who reaches them"
[ -n "$pm2_user" ] || die "--pm2-user is required: the user the apps' PM2 daemon runs as"
for p in "$node_port" "$pm2_port"; do
  [[ "$p" =~ ^[0-9]+$ ]] && [ "$p" -ge 1 ] && [ "$p" -le 65535 ] || die "not a port: $p"
done
[ "$node_port" != "$pm2_port" ] || die "node-exporter and the PM2 exporter need different ports"
if [ -z "$pm2_home" ]; then
  home=$(getent passwd "$pm2_user" | cut -d: -f6) || true
  [ -n "$home" ] || die "no user $pm2_user here (give --pm2-home to install anyway)"
  pm2_home="$home/.pm2"
fi
if [ -z "$root" ]; then
  [ "$(id -u)" = 0 ] || die "run as root (sudo), or with --root DIR to write into DIR"
  # systemd's own test that it is the running init (sd_booted).
  [ -d /run/systemd/system ] || die "systemd is not running here: use --root DIR to write the files, or docker-compose.agent.yml for node-exporter"
fi

install_dir="$root$prefix"
config_dir=/etc/opsdeck-agent
units="$root/etc/systemd/system"
mkdir -p "$install_dir" "$root$config_dir" "$units"

echo "install-agent: OpsDeck agent $OPSDECK_VERSION (node-exporter $NODE_EXPORTER_VERSION) into $install_dir"
cp -a "$HERE/bin" "$HERE/exporter.mjs" "$HERE/node_modules" "$HERE/VERSIONS" "$install_dir/"
[ -f "$HERE/exporter.mjs.map" ] && cp -a "$HERE/exporter.mjs.map" "$install_dir/"

if [ -z "$root" ] && ! getent passwd opsdeck-agent > /dev/null; then
  useradd --system --no-create-home --shell /usr/sbin/nologin opsdeck-agent
fi
install -m 0640 "$web_config" "$root$config_dir/web.yml"
[ -z "$root" ] && chgrp opsdeck-agent "$config_dir/web.yml"

# The PM2 exporter's part of opsdeck.yml, on this host alone: no central secret is here.
cat > "$root$config_dir/agent.yml" << YAML
# Written by install-agent.sh. The PM2 exporter of this host; the central server scrapes it.
log:
  level: info
exporters:
  pm2:
    host: "$listen"
    port: $pm2_port
    pm2_home: "$pm2_home"
    web_config_file: $config_dir/web.yml
    # This host's Filebeat (its /stats: filebeat_* metrics), where install-agent.sh installed it.
    filebeat_url: "$([ -n "$logs_url" ] && echo http://127.0.0.1:5066)"
YAML
if [ -n "$actions_key_file" ]; then
  cat >> "$root$config_dir/agent.yml" << YAML
    # Recovery actions, on requests the central OpsDeck signs for this host (actions.env holds the key).
    actions:
      key: \${OPSDECK_PM2_ACTIONS_KEY:-}
      host: "$name"
YAML
  # A push host cannot be reached: it fetches its requests through the front door, with its token.
  [ -z "$push_url" ] || cat >> "$root$config_dir/agent.yml" << YAML
      pull:
        url: "${push_url%/ingest/prometheus/api/v1/write}"
        token_file: $config_dir/push-token
YAML
  # Read by systemd itself (as root) before it starts the exporter: the key stays root's alone.
  (
    umask 077
    cat > "$root$config_dir/actions.env" << ENV
# Written by install-agent.sh: this host's recovery-action key (agent-credentials -- --actions $name).
OPSDECK_PM2_ACTIONS_KEY=$actions_key
ENV
  )
fi

if [ -n "$logs_url" ]; then
  install -m 0644 "$HERE/filebeat.yml" "$root$config_dir/filebeat.yml"
  # Read by systemd itself (as root) before it starts Filebeat: the key stays root's alone.
  (
    umask 077
    cat > "$root$config_dir/filebeat.env" << ENV
# Written by install-agent.sh: this host's Filebeat (filebeat.yml beside this file reads these).
# A new key from the Hosts page goes in OPSDECK_ES_API_KEY; then: systemctl restart opsdeck-agent-filebeat
OPSDECK_ES_URL=${logs_url%/}
OPSDECK_ES_PATH=/ingest/elasticsearch
OPSDECK_ES_API_KEY=$log_key
OPSDECK_HOST_NAME=$name
OPSDECK_INDEX_PREFIX=$index_prefix
PM2_HOME=$pm2_home
NGINX_LOG_DIR=$nginx_log_dir
# Nothing of OpsDeck's own logs or Docker's is on an agent host.
OPSDECK_LOG_DIR=/nonexistent
FRONT_DOOR_LOG_DIR=/nonexistent
DOCKER_CONTAINERS_DIR=/nonexistent
FILEBEAT_HTTP_PORT=5066
ENV
  )
fi

if [ -n "$probes_url" ]; then
  cp -a "$HERE/fetch-probes.sh" "$install_dir/"
  install -m 0640 /dev/null "$root$config_dir/host-token"
  tr -d '\n' < "$host_token_file" > "$root$config_dir/host-token"
  [ -z "$root" ] && chgrp opsdeck-agent "$config_dir/host-token"
  # blackbox's modules: none until the first fetch (the timer's first run, 5 s after start).
  mkdir -p "$root/var/lib/opsdeck-agent"
  [ -s "$root/var/lib/opsdeck-agent/blackbox.yml" ] || echo "modules: {}" > "$root/var/lib/opsdeck-agent/blackbox.yml"
  [ -z "$root" ] && chown -R opsdeck-agent:opsdeck-agent /var/lib/opsdeck-agent
fi

if [ -n "$push_url" ]; then
  cp -a "$HERE/bin/prometheus" "$install_dir/bin/"
  for secret in local-password push-token; do
    if [ "$secret" = local-password ]; then printf '%s' "$local_password"; else tr -d '\n' < "$push_token_file"; fi \
      > "$root$config_dir/$secret"
    chmod 0640 "$root$config_dir/$secret"
    [ -z "$root" ] && chgrp opsdeck-agent "$config_dir/$secret"
  done
  # Static labels: the receiver cannot add the hosts entry's labels, so the agent sends them.
  label_yaml="host: \"$name\""
  IFS=',' read -ra pairs <<< "$labels"
  for pair in "${pairs[@]}"; do
    [[ "$pair" =~ ^([a-z_][a-z0-9_]*)=([^\"]{0,128})$ ]] || die "--labels: not name=value: $pair"
    case "${BASH_REMATCH[1]}" in host | job | instance) die "--labels: ${BASH_REMATCH[1]} is set by OpsDeck" ;; esac
    label_yaml="$label_yaml, ${BASH_REMATCH[1]}: \"${BASH_REMATCH[2]}\""
  done
  scrape() {
    cat << YAML
  - job_name: $1
    basic_auth: { username: prometheus, password_file: $config_dir/local-password }
    static_configs: [{ targets: ["127.0.0.1:$2"], labels: { $label_yaml } }]
YAML
  }
  {
    echo "# Written by install-agent.sh: this host's Prometheus in agent mode."
    echo "global: { scrape_interval: 15s }"
    echo "scrape_configs:"
    [ "$with_node" = 1 ] && scrape node "$node_port"
    scrape pm2 "$pm2_port"
    cat << YAML
remote_write:
  - url: $push_url
    basic_auth: { username: "$name", password_file: $config_dir/push-token }
YAML
  } > "$root$config_dir/prometheus-agent.yml"
fi

fill() {
  sed -e "s|@PREFIX@|$prefix|g" -e "s|@CONFIG_DIR@|$config_dir|g" -e "s|@LISTEN@|$listen|g" \
    -e "s|@NODE_EXPORTER_PORT@|$node_port|g" -e "s|@PM2_USER@|$pm2_user|g" -e "s|@PM2_HOME@|$pm2_home|g" \
    -e "s|@NODE@|$node|g" -e "s|@COLLECTORS@|$NODE_COLLECTORS|g" \
    -e "s|@OPSDECK_VERSION@|$OPSDECK_VERSION|g" -e "s|@NODE_EXPORTER_VERSION@|$NODE_EXPORTER_VERSION|g" \
    -e "s|@PROMETHEUS_VERSION@|${PROMETHEUS_VERSION:-}|g" -e "s|@AGENT_PROMETHEUS_PORT@|$agent_prom_port|g" \
    -e "s|@FILEBEAT_VERSION@|${FILEBEAT_VERSION:-}|g" -e "s|@BLACKBOX_EXPORTER_VERSION@|${BLACKBOX_EXPORTER_VERSION:-}|g" \
    -e "s|@BLACKBOX_PORT@|$blackbox_port|g" -e "s|@PROBES_URL@|${probes_url%/}|g" -e "s|@HOST_NAME@|$name|g" "$1"
}
services=(opsdeck-agent-pm2-exporter)
ports=("$pm2_port")
if [ "$with_node" = 1 ]; then
  services+=(opsdeck-node-exporter)
  ports+=("$node_port")
fi
[ -n "$push_url" ] && services+=(opsdeck-agent-prometheus)
[ -n "$logs_url" ] && services+=(opsdeck-agent-filebeat)
if [ -n "$probes_url" ]; then
  services+=(opsdeck-agent-blackbox)
  ports+=("$blackbox_port")
fi
for unit in "${services[@]}"; do
  fill "$HERE/systemd/$unit.service" > "$units/$unit.service"
done
if [ -n "$probes_url" ]; then
  fill "$HERE/systemd/opsdeck-agent-probes.service" > "$units/opsdeck-agent-probes.service"
  cp "$HERE/systemd/opsdeck-agent-probes.timer" "$units/opsdeck-agent-probes.timer"
  services+=(opsdeck-agent-probes.timer)
fi

if [ -n "$root" ] || [ "$start" = 0 ]; then
  echo "install-agent: written; start with: systemctl daemon-reload && systemctl enable --now ${services[*]}"
  exit 0
fi
systemctl daemon-reload
systemctl enable --now "${services[@]}"
# The exporters answer 401 without the password: that they answer at all is what is checked here.
check_at=$listen
[ "$listen" = 0.0.0.0 ] && check_at=127.0.0.1
for port in "${ports[@]}"; do
  for _ in $(seq 1 20); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://$check_at:$port/metrics" || true)
    [ "$code" = 401 ] && break
    sleep 0.5
  done
  [ "$code" = 401 ] || die "nothing protected answers on port $port (got '$code'): journalctl$(printf ' -u %s' "${services[@]}")"
done
[ -z "$logs_url" ] || echo "install-agent: shipping this host's logs to $logs_url as $name (journalctl -u opsdeck-agent-filebeat)"
if [ -n "$push_url" ]; then
  echo "install-agent: running; writing to $push_url as $name (the central hosts entry: agent-credentials --push printed it)"
else
  echo "install-agent: running. On the central server, add this host (Hosts page, or hosts: in opsdeck.yml):"
  echo "  name: ${name:-$(hostname -s)}  address: <this host's address>  node_exporter: $node_port  pm2_exporter: $pm2_port$([ -n "$probes_url" ] && echo "  blackbox_exporter: $blackbox_port  push_token_sha256: <the one agent-credentials printed>")"
fi
