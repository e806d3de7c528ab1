#!/usr/bin/env bash
# Checks an app server before (or after) install-agent.sh, and says how to fix each problem:
# Node.js for the PM2 exporter, the PM2 daemon's home, the exporters' ports, a firewall that
# admits only the central server, the clock against the central server's (alerts and samples are
# timestamped: a skewed clock shifts them, and Prometheus refuses samples from the future), and
# free disk. In the agent bundle beside install-agent.sh:
#
#   ./agent-preflight.sh --central https://ops.example.com --pm2-home /home/deploy/.pm2
#
# Options: --central URL (the front door), --pm2-home DIR, --node-exporter-port N (9100),
# --pm2-exporter-port N (9209), --max-skew SECONDS (5). Exit status: the number of problems.
set -uo pipefail
problems=0
ok() { echo "  ok    $*"; }
bad() { echo "  FIX   $1"; echo "        → $2"; problems=$((problems + 1)); }

central="" pm2_home="" node_port=9100 pm2_port=9209 max_skew=5
while [ $# -gt 0 ]; do
  case "$1" in
    --central) central=$2; shift 2 ;;
    --pm2-home) pm2_home=$2; shift 2 ;;
    --node-exporter-port) node_port=$2; shift 2 ;;
    --pm2-exporter-port) pm2_port=$2; shift 2 ;;
    --max-skew) max_skew=$2; shift 2 ;;
    -h | --help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "agent-preflight: unknown option $1 (see --help)" >&2; exit 64 ;;
  esac
done

echo "OpsDeck agent preflight"
if node=$(command -v node); then
  major=$("$node" -p 'process.versions.node.split(".")[0]')
  if [ "$major" -ge 20 ]; then ok "Node.js $("$node" --version)"
  else bad "Node.js $("$node" --version) is older than 20" "upgrade the Node.js the apps run on (the PM2 exporter runs on it)"; fi
else
  bad "node is not installed" "install Node.js 20+ (it runs PM2 here; the PM2 exporter runs on it too)"
fi

if [ -n "$pm2_home" ]; then
  if [ -S "$pm2_home/rpc.sock" ]; then ok "PM2 daemon at $pm2_home"
  else bad "no PM2 daemon socket at $pm2_home/rpc.sock" "start the apps' PM2 (pm2 ls as their user), or pass its PM2_HOME with --pm2-home"; fi
fi

for p in "$node_port" "$pm2_port"; do
  holder=$(ss -ltnpH "sport = :$p" 2>/dev/null | sed -n 's/.*users:(("\([^"]*\)".*/\1/p' | head -1)
  pid=$(ss -ltnpH "sport = :$p" 2>/dev/null | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -1)
  command_line=$([ -n "$pid" ] && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null)
  if ! ss -ltnH "sport = :$p" 2>/dev/null | grep -q .; then ok "port $p free"
  elif [[ "$command_line" == *opsdeck-agent/bin/node_exporter* || "$command_line" == *opsdeck-agent/exporter.mjs* ]]; then
    ok "port $p held by the agent (installed)"
  else bad "port $p is in use by ${holder:-another process}" "stop it, or install with --node-exporter-port / --pm2-exporter-port and use the same ports on the central server"; fi
done

# The exporters answer 401 without the password, but only the central server should reach them.
if command -v ufw >/dev/null 2>&1 && ufw status 2>/dev/null | grep -q "^Status: active"; then
  if ufw status 2>/dev/null | grep -E "(^| )($node_port|$pm2_port)(/tcp)? " | grep -q "Anywhere"; then
    bad "ufw lets anyone reach the exporters' ports" "sudo ufw delete allow $node_port/tcp; sudo ufw allow proto tcp from <central server> to any port $node_port,$pm2_port"
  else ok "ufw is active; allow only the central server: sudo ufw allow proto tcp from <central> to any port $node_port,$pm2_port"; fi
elif command -v firewall-cmd >/dev/null 2>&1 && [ "$(firewall-cmd --state 2>/dev/null)" = running ]; then
  ok "firewalld is running: admit only the central server to ports $node_port and $pm2_port (a rich rule)"
else
  bad "no host firewall is active" "sudo ufw allow OpenSSH && sudo ufw allow proto tcp from <central server> to any port $node_port,$pm2_port && sudo ufw enable"
fi

if [ -n "$central" ]; then
  # The front door's Date header against this clock, around the request's midpoint.
  before=$(date +%s)
  header=$(curl -sSI --max-time 10 "$central/api/health" 2>/dev/null | tr -d '\r' | sed -n 's/^[Dd]ate: //p' | head -1)
  after=$(date +%s)
  if [ -z "$header" ]; then
    bad "the central server did not answer at $central/api/health" "check the address and the network path (push hosts write there; scraped hosts are reached from there)"
  else
    theirs=$(date -d "$header" +%s)
    skew=$(((before + after) / 2 - theirs))
    if [ "${skew#-}" -le "$max_skew" ]; then ok "clock within ${skew#-} s of the central server's"
    else bad "this clock is ${skew} s off the central server's (more than $max_skew s)" "run time sync here (sudo timedatectl set-ntp true; chrony or systemd-timesyncd)"; fi
  fi
fi

free=$(df -Pm /var/lib 2>/dev/null | awk 'NR==2 {print $4}')
if [ "${free:-0}" -ge 1024 ]; then ok "free disk ${free} MiB under /var/lib"
else bad "${free:-0} MiB free under /var/lib; the agent (and a push host's write-ahead log) needs 1 GB" "free some space or grow the disk"; fi

echo
if [ "$problems" -eq 0 ]; then echo "agent preflight: ready"; else echo "agent preflight: $problems problem(s) to fix"; fi
exit "$problems"
