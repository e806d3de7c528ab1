// Processes (PM2): every process per host — status, CPU, memory, restarts, uptime, event-loop
// lag — sortable, with the last hour's CPU and memory as small trend lines.
import { GrafanaLink } from "@/ui/GrafanaLink.tsx";
import { SortableTable } from "@/ui/SortableTable.tsx";
import { fmt } from "@/lib/format.ts";
import { durationText } from "@/lib/time.ts";
import { dict } from "@/lib/i18n.ts";
import { promQuery, promRange, type PromRange, type PromSample } from "@/lib/sources.ts";
import { statusText } from "@/lib/status.ts";
import { hostMatcher, hostParam } from "@/features/hosts/queries.ts";
import { PageTitle } from "@/features/hosts/PageTitle.tsx";
import { SourceErrorPage } from "@/ui/SourceErrorPage.tsx";

/**
 * Each PM2 status in one of four looks that differ in colour and in border (for readers who
 * cannot tell the colours apart): running, restarting (launching or waiting to restart),
 * stopped on purpose, errored (PM2 gave up).
 */
const PM2_STATUS_CLASS: Record<string, "up" | "restarting" | "stopped" | "down"> = {
  online: "up",
  launching: "restarting",
  "waiting restart": "restarting",
  "one-launch-status": "restarting",
  stopping: "stopped",
  stopped: "stopped",
  errored: "down",
};

const key = (m: Record<string, string>) => `${m.host}\u0000${m.app}\u0000${m.app_instance}`;

export default async function Processes({ searchParams }: { searchParams: Promise<{ host?: string }> }) {
  const { t, lang } = await dict();
  const end = Date.now();
  // ?host= keeps to one host's processes (the Hosts page links here so).
  const host = hostParam((await searchParams).host);
  const [status, cpu, mem, restarts, uptime, lag, cpuTrend, memTrend] = await Promise.all([
    promQuery(`pm2_process_status{${hostMatcher(host)}} == 1`),
    promQuery("pm2_process_cpu_ratio"),
    promQuery("pm2_process_memory_bytes"),
    promQuery("pm2_process_restarts_total"),
    promQuery("pm2_process_uptime_seconds"),
    promQuery("pm2_process_metric_event_loop_latency_p95_seconds"),
    promRange("pm2_process_cpu_ratio", end - 3600_000, end),
    promRange("pm2_process_memory_bytes", end - 3600_000, end),
  ]);
  if (!status.ok) return <SourceErrorPage title={t.processes} error={status.error} t={t} />;
  const by = (r: typeof cpu) =>
    new Map((r.ok ? r.data : ([] as PromSample[])).map((s) => [key(s.metric), Number(s.value[1])]));
  const trend = (r: typeof cpuTrend) =>
    new Map((r.ok ? r.data : ([] as PromRange[])).map((s) => [key(s.metric), s.values.map((v) => Number(v[1]))]));
  const [c, m, rs, up, l] = [by(cpu), by(mem), by(restarts), by(uptime), by(lag)];
  const [ct, mt] = [trend(cpuTrend), trend(memTrend)];
  const rows = status.data.map((s) => {
    const k = key(s.metric);
    return {
      id: `${s.metric.app}#${s.metric.app_instance}`,
      host: s.metric.host ?? s.metric.instance,
      app: s.metric.app,
      app__href: `/logs?${new URLSearchParams({ service: s.metric.app, host: s.metric.host ?? "", from: "now-1h" })}`,
      instance: s.metric.app_instance,
      status: statusText(t, s.metric.status),
      status__class: `s-${PM2_STATUS_CLASS[s.metric.status] ?? "restarting"}`,
      cpu: fmt("percentunit", c.get(k)),
      cpu__sort: c.get(k) ?? -1,
      cpu__spark: ct.get(k) ?? [],
      memory: fmt("bytes", m.get(k)),
      memory__sort: m.get(k) ?? -1,
      memory__spark: mt.get(k) ?? [],
      restarts: (rs.get(k) ?? 0).toLocaleString(lang),
      uptime: durationText(up.get(k), lang, 2),
      uptime__sort: up.get(k) ?? -1,
      lag: fmt("s", l.get(k), 1),
      lag__sort: l.get(k) ?? -1,
    };
  });
  return (
    <main>
      <PageTitle title={t.processes} host={host} />
      <GrafanaLink page="/processes" from="now-6h" t={t} lang={lang} />
      <SortableTable
        initial="app"
        rows={rows}
        columns={[
          { key: "host", label: t.host, data: true },
          { key: "app", label: t.app, data: true },
          { key: "instance", label: t.instance, data: true },
          { key: "status", label: t.status, nowrap: true },
          { key: "cpu", label: t.cpu, numeric: true },
          { key: "memory", label: t.memory, numeric: true },
          { key: "restarts", label: t.restarts, numeric: true },
          { key: "uptime", label: t.uptime, numeric: true },
          { key: "lag", label: t.loop_lag, numeric: true },
        ]}
      />
      <p className="muted legend" data-legend="pm2-status">
        <span className="pill s-up">{t.st_online}</span> {t.pm2_online_means}{" "}
        <span className="pill s-restarting">{t["st_waiting restart"]}</span> {t.pm2_restarting_means}{" "}
        <span className="pill s-stopped">{t.st_stopped}</span> {t.pm2_stopped_means}{" "}
        <span className="pill s-down">{t.st_errored}</span> {t.pm2_errored_means}
      </p>
    </main>
  );
}
