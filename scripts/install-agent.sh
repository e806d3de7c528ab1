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
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
die() {
  echo "install-agent: $*" >&2
  exit 1
}

web_config="" pm2_user="" pm2_home="" listen=0.0.0.0 node_port=9100 pm2_port=9209
prefix=/opt/opsdeck-agent root="" start=1 with_node=1
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
node=$(command -v node) || die "node is not installed (the PM2 exporter runs on the Node.js the apps use)"
major=$("$node" -p 'process.versions.node.split(".")[0]')
[ "$major" -ge 20 ] || die "Node.js 20 or later is needed, found $("$node" --version)"
if [ -z "$root" ]; then
  [ "$(id -u)" = 0 ] || die "run as root (sudo), or with --root DIR to write into DIR"
  command -v systemctl > /dev/null || die "systemd is not running here; use docker-compose.agent.yml instead"
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
    # Filebeat on this host is not installed by this version of the agent.
    filebeat_url: ""
YAML

fill() {
  sed -e "s|@PREFIX@|$prefix|g" -e "s|@CONFIG_DIR@|$config_dir|g" -e "s|@LISTEN@|$listen|g" \
    -e "s|@NODE_EXPORTER_PORT@|$node_port|g" -e "s|@PM2_USER@|$pm2_user|g" -e "s|@PM2_HOME@|$pm2_home|g" \
    -e "s|@NODE@|$node|g" -e "s|@COLLECTORS@|$NODE_COLLECTORS|g" \
    -e "s|@OPSDECK_VERSION@|$OPSDECK_VERSION|g" -e "s|@NODE_EXPORTER_VERSION@|$NODE_EXPORTER_VERSION|g" "$1"
}
services=(opsdeck-agent-pm2-exporter)
ports=("$pm2_port")
if [ "$with_node" = 1 ]; then
  services+=(opsdeck-node-exporter)
  ports+=("$node_port")
fi
for unit in "${services[@]}"; do
  fill "$HERE/systemd/$unit.service" > "$units/$unit.service"
done

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
echo "install-agent: running. On the central server, add this host (Hosts page, or hosts: in opsdeck.yml):"
echo "  name: $(hostname -s)  address: <this host's address>  node_exporter: $node_port  pm2_exporter: $pm2_port"
