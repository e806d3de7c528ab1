// Overview: component health, firing alerts, deploys, hosts, processes needing attention, KPIs.
import { kpi, kpiText } from "@/features/business/kpis.ts";
import { GrafanaLink } from "@/ui/GrafanaLink.tsx";
import { Widget } from "@/ui/Widget.tsx";
import { fmt } from "@/lib/format.ts";
import { dict } from "@/lib/i18n.ts";
import { NoChannelNotice } from "@/features/alerts/NoChannelNotice.tsx";
import { amAlerts, deploys, health, promNumber, promQuery } from "@/lib/sources.ts";

export default async function Overview() {
  const { t, lang } = await dict();
  const dayStart = new Date();
  dayStart.setHours(0, 0, 0, 0);
  const [components, alerts, today, week, cpu, mem, disk, down, restarting, orders, gmv, pay] = await Promise.all([
    health(),
    amAlerts(),
    deploys(`since=${dayStart.toISOString()}&limit=500`),
    deploys(`since=${new Date(Date.now() - 7 * 86_400_000).toISOString()}&limit=500`),
    promQuery('1 - avg by (host) (rate(node_cpu_seconds_total{mode="idle"}[5m]))'),
    promQuery("1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes"),
    promQuery(
      'max by (host) (1 - node_filesystem_avail_bytes{fstype!~"tmpfs|overlay|squashfs"} / node_filesystem_size_bytes)',
    ),
    promQuery("pm2_process_up == 0"),
    promQuery("increase(pm2_process_restarts_total[1h]) > 0"),
    promNumber(kpi("orders").q("")),
    promNumber(kpi("gmv").q("")),
    promNumber(kpi("payment_success").q("")),
  ]);
  const err = t.source_error;
  const byHost = (r: typeof cpu) =>
    r.ok
      ? new Map(r.data.map((s) => [s.metric.host ?? s.metric.instance, Number(s.value[1])]))
      : new Map<string, number>();
  const hosts = [...new Set([...byHost(cpu).keys(), ...byHost(mem).keys()])];
  return (
    <main>
      <NoChannelNotice />
      <GrafanaLink page="/" from="now-3h" t={t} lang={lang} />
      <div className="grid">
        <section className="card" data-widget="components">
          <h2>{t.components}</h2>
          {components.map((c) => (
            <div key={c.name}>
              <span className={`pill s-${c.ok ? "up" : "down"}`}>{c.ok ? t.up : t.down}</span> {c.name}
              {!c.ok && <span className="error"> — {c.error}</span>}
            </div>
          ))}
        </section>
        <Widget title={t.firing} result={alerts} errorText={err}>
          {(list) => {
            const active = list.filter((a) => a.status.state === "active" && a.labels.alertname !== "Watchdog");
            return (
              <div className="row-actions">
                {(["critical", "warning", "info"] as const).map((s) => (
                  <span key={s} className={`pill s-${s}`} data-severity={s}>
                    {t[s]} <b>{active.filter((a) => a.labels.severity === s).length}</b>
                  </span>
                ))}
              </div>
            );
          }}
        </Widget>
        <Widget title={t.deploys_today} result={today} errorText={err}>
          {(d) => (
            <div className="big" data-value="deploys-today">
              {d.deploys.length}
            </div>
          )}
        </Widget>
        <Widget title={t.success_7d} result={week} errorText={err}>
          {(d) => {
            const done = d.deploys.filter((x) => x.status !== "running" && x.status !== "cancelled");
            const ok = done.filter((x) => x.status === "succeeded").length;
            return <div className="big">{done.length ? fmt("percentunit", ok / done.length) : "–"}</div>;
          }}
        </Widget>
        <Widget title={t.hosts} result={cpu} errorText={err}>
          {() => (
            <table>
              <thead>
                <tr>
                  <th />
                  <th>{t.cpu}</th>
                  <th>{t.memory}</th>
                  <th>{t.disk}</th>
                </tr>
              </thead>
              <tbody>
                {hosts.map((h) => (
                  <tr key={h}>
                    <td>{h}</td>
                    <td>{fmt("percentunit", byHost(cpu).get(h))}</td>
                    <td>{fmt("percentunit", byHost(mem).get(h))}</td>
                    <td>{fmt("percentunit", byHost(disk).get(h))}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Widget>
        <Widget title={t.processes_attention} result={down} errorText={err}>
          {(list) => {
            const items = [
              ...list.map((s) => `${s.metric.app}#${s.metric.app_instance} ${t.down}`),
              ...(restarting.ok
                ? restarting.data.map(
                    (s) => `${s.metric.app}#${s.metric.app_instance} ↻ ${Math.round(Number(s.value[1]))}`,
                  )
                : []),
            ];
            return items.length ? (
              <ul>
                {items.map((i) => (
                  <li key={i}>{i}</li>
                ))}
              </ul>
            ) : (
              <p className="muted">{t.none}</p>
            );
          }}
        </Widget>
        <Widget title={t.kpis} result={orders} errorText={err}>
          {(o) => (
            <div>
              <div>
                {t.orders}: <b data-value="orders-today">{kpiText("orders", o)}</b>
              </div>
              <div>
                {t.gmv}: <b data-value="gmv-today">{gmv.ok ? kpiText("gmv", gmv.data) : "–"}</b>
              </div>
              <div>
                {t.payment_success}: <b>{pay.ok ? kpiText("payment_success", pay.data) : "–"}</b>
              </div>
            </div>
          )}
        </Widget>
      </div>
    </main>
  );
}
