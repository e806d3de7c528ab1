#!/usr/bin/env bash
# certbot's deploy hook for the compose stack's TLS: certbot's live/<name>/ files are links into
# ../../archive/, which dangle inside nginx's container, so this copies the certificate itself
# into OPSDECK_TLS_DIR (default /etc/opsdeck/tls) and has the front door load it — on the first
# certificate and after every renewal:
#   sudo certbot certonly --webroot … --deploy-hook /path/to/opsdeck/scripts/certbot-deploy-hook.sh
#   sudo RENEWED_LINEAGE=/etc/letsencrypt/live/<name> scripts/certbot-deploy-hook.sh   # by hand
set -euo pipefail
src=${RENEWED_LINEAGE:?certbot sets RENEWED_LINEAGE to the certificate\'s live/ directory}
dest=${OPSDECK_TLS_DIR:-/etc/opsdeck/tls}
install -d -m 755 "$dest"
# Each file whole or not at all: nginx may reload at any time.
install -m 644 "$src/fullchain.pem" "$dest/.fullchain.pem.new"
install -m 600 "$src/privkey.pem" "$dest/.privkey.pem.new"
mv -f "$dest/.fullchain.pem.new" "$dest/fullchain.pem"
mv -f "$dest/.privkey.pem.new" "$dest/privkey.pem"
echo "certbot-deploy-hook: certificate copied to $dest"

cd "$(dirname "$0")/.."
dc=(docker compose -f docker-compose.monitoring.yml -f docker-compose.tls.yml)
if command -v docker >/dev/null 2>&1 && [ -n "$("${dc[@]}" ps -q nginx 2>/dev/null)" ]; then
  "${dc[@]}" exec -T nginx nginx -s reload
  echo "certbot-deploy-hook: the front door reloaded it"
else
  echo "certbot-deploy-hook: the front door is not running; it loads the certificate when it starts"
fi
