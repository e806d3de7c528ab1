// Overview: component health, firing alerts, deploys, hosts, processes needing attention, KPIs.
import { kpi, kpiText } from "@/features/business/kpis.ts";
import { GrafanaLink } from "@/ui/GrafanaLink.tsx";
import { Widget } from "@/ui/Widget.tsx";
import { fmt } from "@/lib/format.ts";
import { dict } from "@/lib/i18n.ts";
import { NoChannelNotice } from "@/features/alerts/NoChannelNotice.tsx";
import { HOST_QUERIES } from "@/features/hosts/queries.ts";
import { amAlerts, deploys, health, promNumber, promQuery, promTargets, type PromTarget } from "@/lib/sources.ts";
import type { Dict } from "@/lib/i18n.ts";

/** What each Prometheus job OpsDeck provisions is, in the reader's language; others by their job name. */
const JOB_NAMES: Record<string, keyof Dict> = {
  prometheus: "job_prometheus",
  node: "job_node",
  pm2: "job_pm2",
  deploy: "job_deploy",
  business: "job_business",
  alertmanager: "job_alertmanager",
  notifier: "job_notifier",
  elasticsearch: "job_elasticsearch",
  probes: "job_probes",
};

function Targets({ targets, t }: { targets: PromTarget[]; t: Dict }) {
  return (
    <>
      {targets.map((target) => {
        const job = target.labels.job ?? target.scrapePool;
        const name = JOB_NAMES[job];
        return (
          <div key={`${target.scrapePool}/${target.labels.instance}`} data-target={job}>
            <span className={`pill s-${target.health === "up" ? "up" : target.health === "down" ? "down" : "muted"}`}>
              {target.health === "up" ? t.up : target.health === "down" ? t.down : t.unknown}
            </span>{" "}
            {name ? t[name] : <span translate="no">{job}</span>}{" "}
            <span className="muted" translate="no">
              {target.labels.probe ?? target.labels.host ?? target.labels.instance}
            </span>
            {target.health === "down" && <div className="error">{target.lastError}</div>}
          </div>
        );
      })}
    </>
  );
}

export default async function Overview() {
  const { t, lang } = await dict();
  const dayStart = new Date();
  dayStart.setHours(0, 0, 0, 0);
  const [components, targets, alerts, today, week, cpu, mem, disk, down, restarting, orders, gmv, pay] =
    await Promise.all([
      health(),
      promTargets(),
      amAlerts(),
      deploys(`since=${dayStart.toISOString()}&limit=500`),
      deploys(`since=${new Date(Date.now() - 7 * 86_400_000).toISOString()}&limit=500`),
      promQuery(HOST_QUERIES.cpu()),
      promQuery(HOST_QUERIES.memory()),
      promQuery(HOST_QUERIES.disk()),
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
      <h1>{t.overview}</h1>
      <GrafanaLink page="/" from="now-3h" t={t} lang={lang} />
      <div className="grid">
        <section className="card" data-widget="components">
          <h2>{t.components}</h2>
          {components.map((c) => (
            <div key={c.name} data-service={c.name}>
              <span className={`pill s-${c.ok ? "up" : "down"}`}>{c.ok ? t.up : t.down}</span> {t[c.name]}
              {!c.ok && <span className="error"> — {c.error}</span>}
            </div>
          ))}
          <h3 className="subhead">{t.scrape_targets}</h3>
          {targets.ok ? (
            <Targets targets={targets.data} t={t} />
          ) : (
            <p className="error">
              {t.source_error}: {targets.error}
            </p>
          )}
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
                    <td translate="no">{h}</td>
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
              <ul translate="no">
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
                {t.orders}: <b data-value="orders-today">{kpiText("orders", o, lang)}</b>
              </div>
              <div>
                {t.gmv}: <b data-value="gmv-today">{gmv.ok ? kpiText("gmv", gmv.data, lang) : "–"}</b>
              </div>
              <div>
                {t.payment_success}: <b>{pay.ok ? kpiText("payment_success", pay.data, lang) : "–"}</b>
              </div>
            </div>
          )}
        </Widget>
      </div>
    </main>
  );
}
