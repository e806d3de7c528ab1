#!/usr/bin/env bash
# Checks a server before `docker compose -f docker-compose.monitoring.yml up -d`, and says how to
# fix each problem: Docker and Compose versions, vm.max_map_count for Elasticsearch, free memory
# and disk, the front door's ports free, .env filled (no placeholder left, secrets long enough),
# opsdeck.yml present, the Docker bridge address, a host firewall that would drop Prometheus'
# scrapes of the host, and a DNS name and a certificate nginx can read for TLS when one is set.
# Exit status: the number of problems (0 = go ahead).
set -uo pipefail
cd "$(dirname "$0")/.."
problems=0
ok() { echo "  ok    $*"; }
bad() { echo "  FIX   $1"; echo "        → $2"; problems=$((problems + 1)); }
ver_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -1)" = "$2" ]; }

echo "OpsDeck preflight"
if command -v docker >/dev/null 2>&1; then
  v=$(docker version --format '{{.Server.Version}}' 2>/dev/null || true)
  if [ -z "$v" ]; then bad "the Docker engine does not answer" "start it (systemctl start docker) and check you may use it (group docker)"
  elif ver_ge "$v" 24.0.0; then ok "Docker $v"
  else bad "Docker $v is older than 24.0" "upgrade Docker Engine (https://docs.docker.com/engine/install/debian/)"; fi
  cv=$(docker compose version --short 2>/dev/null || true)
  if [ -z "$cv" ]; then bad "docker compose (v2) is missing" "install the docker-compose-plugin package"
  elif ver_ge "${cv#v}" 2.20.0; then ok "Docker Compose $cv"
  else bad "Docker Compose $cv is older than 2.20" "upgrade the docker-compose-plugin package"; fi
else
  bad "docker is not installed" "install Docker Engine and the compose plugin (https://docs.docker.com/engine/install/debian/)"
fi

m=$(sysctl -n vm.max_map_count 2>/dev/null || echo 0)
if [ "$m" -ge 262144 ]; then ok "vm.max_map_count $m"
else bad "vm.max_map_count is $m; Elasticsearch needs 262144" "echo vm.max_map_count=262144 | sudo tee /etc/sysctl.d/99-elasticsearch.conf && sudo sysctl --system"; fi

mem=$(awk '/MemTotal/ {print int($2/1024)}' /proc/meminfo)
if [ "$mem" -ge 3800 ]; then ok "memory ${mem} MiB"
else bad "${mem} MiB of memory; the stack is sized for 4 GB" "use a larger server, or stop Kibana (docker compose … stop kibana) and set ES_HEAP=512m in .env (README, Sizing)"; fi
disk=$(df -Pm /var/lib/docker 2>/dev/null | awk 'NR==2 {print $4}')
[ -n "$disk" ] || disk=$(df -Pm . | awk 'NR==2 {print $4}')
if [ "$disk" -ge 20480 ]; then ok "free disk ${disk} MiB"
else bad "${disk} MiB free where Docker keeps its volumes; logs and metrics need 20 GB or more" "free some space or grow the disk; lower retention in opsdeck.yml and PROMETHEUS_RETENTION"; fi

# The front door's ports (.env's OPSDECK_HTTP_PORT / OPSDECK_HTTPS_PORT: a port, or address:port).
setting() { [ -f .env ] && sed -n "s/^$1=//p" .env | tail -1; }
http_port=$(setting OPSDECK_HTTP_PORT); http_port=${http_port:-80}
https_port=$(setting OPSDECK_HTTPS_PORT); https_port=${https_port:-443}
for p in "${http_port##*:}" "${https_port##*:}"; do
  if ss -ltnH "sport = :$p" 2>/dev/null | grep -q .; then
    bad "port $p is in use ($(ss -ltnpH "sport = :$p" 2>/dev/null | sed -n 's/.*users:((\"\([^\"]*\)".*/\1/p' | head -1))" "stop what listens there, or set OPSDECK_HTTP_PORT=127.0.0.1:8081 in .env and put OpsDeck behind the host's nginx (README, Behind the host's nginx)"
  else ok "port $p free"; fi
done

# A host firewall drops what the compose network sends to the host: Prometheus' scrapes of
# node-exporter and the PM2 exporter on the Docker bridge's address (Docker's own networks come
# from 172.16.0.0/12 unless daemon.json says otherwise).
node_port=$(setting NODE_EXPORTER_PORT)
exporter_ports="${node_port:-9100},9209"
bridge_address=$(setting DOCKER_BRIDGE_ADDRESS); bridge_address=${bridge_address:-172.17.0.1}
if command -v ufw >/dev/null 2>&1 && ufw status 2>/dev/null | grep -q "^Status: active"; then
  if ufw status 2>/dev/null | grep -qE "^${bridge_address//./\\.} +${exporter_ports}/tcp +ALLOW"; then
    ok "ufw lets the compose network reach the host's exporters"
  else bad "ufw is active and would drop Prometheus' scrapes of node-exporter and the PM2 exporter on $bridge_address" "sudo ufw allow proto tcp from 172.16.0.0/12 to $bridge_address port $exporter_ports"; fi
elif command -v firewall-cmd >/dev/null 2>&1 && [ "$(firewall-cmd --state 2>/dev/null)" = running ]; then
  if firewall-cmd --zone=trusted --list-sources 2>/dev/null | grep -qw "172.16.0.0/12"; then
    ok "firewalld trusts the compose network"
  else bad "firewalld is running and would drop Prometheus' scrapes of node-exporter and the PM2 exporter on $bridge_address" "sudo firewall-cmd --permanent --zone=trusted --add-source=172.16.0.0/12 && sudo firewall-cmd --reload"; fi
fi

if [ ! -f .env ]; then bad ".env is missing" "cp .env.example .env && chmod 600 .env, then fill every CHANGE_ME"
else
  left=$(grep -E '^[A-Z0-9_]+=.*CHANGE_ME' .env | cut -d= -f1 | tr '\n' ' ')
  if [ -n "$left" ]; then bad ".env still has placeholders: $left" "fill them (openssl rand -hex 24 makes a secret)"; else ok ".env filled"; fi
  short=$(grep -E '^[A-Z_]*(PASSWORD|SECRET|TOKEN|KEY)=' .env | awk -F= '$2 != "CHANGE_ME" && length($2) > 0 && length($2) < 16 {print $1}' | tr '\n' ' ')
  [ -z "$short" ] || bad "secrets shorter than 16 characters: $short" "use openssl rand -hex 24"
  # The portal refuses a session secret under 32 characters (it signs every session).
  secret=$(sed -n 's/^OPSDECK_PORTAL_SESSION_SECRET=//p' .env)
  if [ "$secret" != CHANGE_ME ] && [ ${#secret} -lt 32 ]; then bad "OPSDECK_PORTAL_SESSION_SECRET must be 32 characters or more (the portal refuses it)" "openssl rand -hex 24"; fi
  key=$(sed -n 's/^KIBANA_ENCRYPTION_KEY=//p' .env)
  [ ${#key} -ge 32 ] || bad "KIBANA_ENCRYPTION_KEY must be 32 characters or more" "openssl rand -hex 24"
  if [ "$(stat -c %a .env)" != 600 ]; then bad ".env is readable by others" "chmod 600 .env"; fi
  bridge=$(sed -n 's/^DOCKER_BRIDGE_ADDRESS=//p' .env)
  actual=$(ip -4 -o addr show docker0 2>/dev/null | awk '{print $4}' | cut -d/ -f1)
  if [ -n "$actual" ] && [ "$actual" != "$bridge" ]; then bad "DOCKER_BRIDGE_ADDRESS is $bridge but docker0 is $actual" "set DOCKER_BRIDGE_ADDRESS=$actual in .env"
  elif [ -n "$actual" ]; then ok "Docker bridge $actual"; fi
  url=$(sed -n 's/^OPSDECK_PUBLIC_URL=//p' .env)
  case "$url" in
    https://*)
      name=${url#https://}; name=${name%%/*}; name=${name%%:*}
      if getent hosts "$name" >/dev/null; then ok "DNS name $name resolves (TLS)"
      else bad "$name (OPSDECK_PUBLIC_URL) does not resolve" "add its DNS record before asking for a certificate"; fi
      tls=$(sed -n 's/^OPSDECK_TLS_DIR=//p' .env)
      # nginx sees only this directory: a link out of it (certbot's live/<name>/ links into
      # ../../archive) dangles in the container, though -f follows it here.
      outside=""
      for f in fullchain.pem privkey.pem; do
        [ -L "$tls/$f" ] || continue
        case "$(readlink -f "$tls/$f")" in "$(readlink -f "$tls")"/*) ;; *) outside="$outside $f" ;; esac
      done
      if [ -z "$tls" ] || [ ! -f "$tls/fullchain.pem" ] || [ ! -f "$tls/privkey.pem" ]; then
        bad "OPSDECK_PUBLIC_URL is https but OPSDECK_TLS_DIR has no fullchain.pem and privkey.pem" "set OPSDECK_TLS_DIR to a directory with both (README, TLS), or use http:// until you have one"
      elif [ -n "$outside" ]; then
        bad "in $tls,$outside link outside the directory (certbot's live/ links into archive/): nginx's container cannot follow them" "copy them with certbot's deploy hook: sudo certbot renew --deploy-hook '$(pwd)/scripts/certbot-deploy-hook.sh' (README, TLS), and set OPSDECK_TLS_DIR=/etc/opsdeck/tls"
      else ok "TLS certificate in $tls (use docker-compose.tls.yml)"; fi ;;
    http://*) ok "OPSDECK_PUBLIC_URL $url (plain HTTP: no TLS)" ;;
    *) bad "OPSDECK_PUBLIC_URL ($url) is not a URL" "set it to the address people open, e.g. https://ops.example.com" ;;
  esac
fi
[ -f opsdeck.yml ] && ok "opsdeck.yml" || bad "opsdeck.yml is missing" "cp opsdeck.example.yml opsdeck.yml, add the portal's users (npm run hash-password) and your channels"

# opsdeck.yml's databases: each type's exporter runs in its compose profile, with its passwords
# in databases.env (init alone reads it).
if [ -f opsdeck.yml ]; then
  types=$(grep -vE '^\s*#' opsdeck.yml | grep -oE '\btype: *"?(postgres|mysql|redis)\b' | sed -E 's/.*[ "]//' | sort -u | tr '\n' ' ')
  profiles=",$(setting COMPOSE_PROFILES),"
  for t in $types; do
    case "$profiles" in *",$t,"*) ok "the $t exporter runs (COMPOSE_PROFILES)" ;;
      *) bad "opsdeck.yml lists a $t database but its exporter would not run" "add $t to COMPOSE_PROFILES in .env (README, Databases)" ;; esac
  done
  if [ -n "$types" ] && [ -z "$(setting OPSDECK_DATABASE_EXPORTER_PASSWORD)" ]; then
    bad "opsdeck.yml lists databases but OPSDECK_DATABASE_EXPORTER_PASSWORD is empty" "set it in .env (openssl rand -hex 24)"
  fi
fi
if [ -f databases.env ] && [ "$(stat -c %a databases.env)" != 600 ]; then bad "databases.env is readable by others" "chmod 600 databases.env"; fi

echo
if [ $problems -eq 0 ]; then echo "preflight: ready — docker compose -f docker-compose.monitoring.yml up -d"
else echo "preflight: $problems to fix first"; fi
exit $problems
