// Turns a PM2 process list into the exposition text served on /metrics. Built once per refresh,
// so every scrape gets the same complete snapshot instantly. (Our own renderer, not prom-client:
// a fresh prom-client registry took 35–60 ms for 500 processes and blocked scrapes meanwhile.)
import { family, inc, render, set, type Family } from "../lib/series.ts";
import type { Pm2Process } from "./daemon.ts";

export const STATUSES = [
  "online",
  "stopping",
  "stopped",
  "launching",
  "errored",
  "one-launch-status",
  "waiting restart",
];
const ID = ["app", "app_instance"];

/** @pm2/io units → a base-unit suffix and the factor that converts to it. */
const UNITS: Record<string, [string, number]> = {
  b: ["bytes", 1],
  bytes: ["bytes", 1],
  kb: ["bytes", 1024],
  kib: ["bytes", 1024],
  mb: ["bytes", 1024 * 1024],
  mib: ["bytes", 1024 * 1024],
  gb: ["bytes", 1024 ** 3],
  gib: ["bytes", 1024 ** 3],
  ms: ["seconds", 1e-3],
  s: ["seconds", 1],
  us: ["seconds", 1e-6],
  µs: ["seconds", 1e-6],
  ns: ["seconds", 1e-9],
  "%": ["ratio", 0.01],
  "req/min": ["requests_per_minute", 1],
  "req/s": ["requests_per_second", 1],
};

export function sanitize(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
}

/** "Heap Size" in MiB → pm2_process_metric_heap_size_bytes and 1048576. */
export function appMetricName(name: string, unit: string | undefined): { name: string; factor: number } {
  const u = UNITS[(unit ?? "").trim().toLowerCase()];
  let base = sanitize(name) || "unnamed";
  if (/^[0-9]/.test(base)) base = `_${base}`;
  const suffix = u ? u[0] : sanitize(unit ?? "");
  if (suffix && !base.endsWith(`_${suffix}`)) base = `${base}_${suffix}`;
  return { name: `pm2_process_metric_${base}`, factor: u ? u[1] : 1 };
}

function num(v: unknown): number | undefined {
  const n = typeof v === "string" ? Number(v) : v;
  return typeof n === "number" && Number.isFinite(n) ? n : undefined;
}

/** Keeps restart counters monotonic when the daemon restarts and its own counts start at 0. */
export function createRestartTracker() {
  const seen = new Map<string, { raw: number; offset: number }>();
  return (key: string, raw: number): number => {
    const s = seen.get(key) ?? { raw: 0, offset: 0 };
    if (raw < s.raw) s.offset += s.raw;
    s.raw = raw;
    seen.set(key, s);
    return raw + s.offset;
  };
}

export interface SnapshotInput {
  up: boolean;
  processes: Pm2Process[];
  refreshErrors: number;
  lastRefresh: number;
  refreshSeconds: number;
  appMetrics: boolean;
  restarts: ReturnType<typeof createRestartTracker>;
  unstable: ReturnType<typeof createRestartTracker>;
  now: number;
  /** The host's listening TCP ports; undefined: unknown (no port series). */
  listening?: Set<number>;
}

export function renderSnapshot(s: SnapshotInput): string {
  const g = (name: string, help: string, labelNames: string[] = []) =>
    family({ name, help, type: "gauge", labelNames });
  const c = (name: string, help: string, labelNames: string[] = []) =>
    family({ name, help, type: "counter", labelNames });

  const daemonUp = g("pm2_daemon_up", "1 if the exporter is connected to the PM2 daemon.");
  set(daemonUp, [], s.up ? 1 : 0);
  const last = g("pm2_exporter_last_refresh_timestamp_seconds", "When the process list was last read from PM2.");
  set(last, [], s.lastRefresh / 1000);
  const took = g("pm2_exporter_refresh_duration_seconds", "How long the last read of the process list took.");
  set(took, [], s.refreshSeconds);
  const errors = c("pm2_exporter_refresh_errors_total", "Reads of the process list that failed.");
  set(errors, [], s.refreshErrors);

  const up = g("pm2_process_up", "1 if the process is online.", ID);
  const status = g("pm2_process_status", "The process's PM2 status, one series per status (1 for the current one).", [
    ...ID,
    "status",
  ]);
  const cpu = g("pm2_process_cpu_ratio", "CPU use of the process, 1 = one core.", ID);
  const mem = g("pm2_process_memory_bytes", "Resident memory of the process.", ID);
  const restarts = c(
    "pm2_process_restarts_total",
    "Restarts of the process (kept monotonic across PM2 daemon restarts).",
    ID,
  );
  const unstable = c("pm2_process_unstable_restarts_total", "Restarts PM2 counted as unstable (crash loops).", ID);
  const uptime = g("pm2_process_uptime_seconds", "Seconds since the process last started; 0 when not online.", ID);
  const started = g("pm2_process_start_time_seconds", "When the process last started, Unix time.", ID);
  const info = g("pm2_process_info", "Version facts of the process; always 1.", [
    ...ID,
    "version",
    "node_version",
    "exec_mode",
  ]);
  const appCount = g("pm2_app_processes", "Processes of the app by status.", ["app", "status"]);
  const appCpu = g("pm2_app_cpu_ratio", "CPU use of all processes of the app, 1 = one core.", ["app"]);
  const appMem = g("pm2_app_memory_bytes", "Resident memory of all processes of the app.", ["app"]);
  const appRestarts = c("pm2_app_restarts_total", "Restarts of all processes of the app.", ["app"]);
  const appPort = g(
    "pm2_app_port_listening",
    "1 if something listens on the app's PORT on this host (from its environment), 0 if nothing does.",
    ["app", "port"],
  );
  const custom = new Map<string, Family>();

  const used = new Set<string>();
  for (const p of s.processes) {
    const env = p.pm2_env ?? {};
    const app = p.name;
    // NODE_APP_INSTANCE is 0..n-1 in a cluster and stable across restarts; pm_id breaks ties
    // (two fork-mode processes with one name). Not "instance": Prometheus owns that label.
    let inst = String(env.NODE_APP_INSTANCE ?? p.pm_id);
    if (used.has(`${app}\0${inst}`)) inst = `pm${p.pm_id}`;
    used.add(`${app}\0${inst}`);
    const l = [app, inst];
    const st = env.status ?? "unknown";
    const online = st === "online";
    set(up, l, online ? 1 : 0);
    for (const x of STATUSES) set(status, [...l, x], x === st ? 1 : 0);
    if (!STATUSES.includes(st)) set(status, [...l, st], 1);
    const cpuRatio = (p.monit?.cpu ?? 0) / 100;
    const memBytes = p.monit?.memory ?? 0;
    set(cpu, l, cpuRatio);
    set(mem, l, memBytes);
    const r = s.restarts(`${app}\0${inst}`, env.restart_time ?? 0);
    set(restarts, l, r);
    set(unstable, l, s.unstable(`${app}\0${inst}`, env.unstable_restarts ?? 0));
    set(uptime, l, online && env.pm_uptime ? Math.max(0, (s.now - env.pm_uptime) / 1000) : 0);
    if (env.pm_uptime) set(started, l, env.pm_uptime / 1000);
    const mode = String(env.exec_mode ?? "unknown").replace(/_mode$/, "");
    set(info, [...l, String(env.version ?? "unknown"), String(env.node_version ?? "unknown"), mode], 1);
    inc(appCount, [app, st]);
    inc(appCpu, [app], cpuRatio);
    inc(appMem, [app], memBytes);
    inc(appRestarts, [app], r);
    if (s.listening && env.PORT) set(appPort, [app, String(env.PORT)], s.listening.has(env.PORT) ? 1 : 0);

    if (!s.appMetrics || !env.axm_monitor) continue;
    for (const [key, m] of Object.entries(env.axm_monitor)) {
      const v = num(m?.value);
      if (v === undefined) continue;
      const { name, factor } = appMetricName(key, m.unit);
      let f = custom.get(name);
      if (!f) {
        f = g(name, `@pm2/io metric "${key}"${m.unit ? ` (${m.unit}, converted to base units)` : ""}.`, ID);
        custom.set(name, f);
      }
      set(f, l, v * factor);
    }
  }
  return render([
    daemonUp,
    last,
    took,
    errors,
    up,
    status,
    cpu,
    mem,
    restarts,
    unstable,
    uptime,
    started,
    info,
    appCount,
    appCpu,
    appMem,
    appRestarts,
    appPort,
    ...custom.values(),
  ]);
}
