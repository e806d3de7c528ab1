// Services: each app that sends its requests (OpsDeck's preload, README "Request metrics") —
// requests/s, the share of server errors, p50 / p95 / p99 over the last 5 minutes, its slowest
// routes, the exceptions its requests raised by type, and links to its processes, logs and deploys;
// then its pages' load as real users' browsers saw it (features/page-load/), and the databases
// it waits on (features/databases/).
import Link from "next/link";
import { fmt, latencyText as latency } from "@/lib/format.ts";
import { dict } from "@/lib/i18n.ts";
import { promQuery, type PromSample } from "@/lib/sources.ts";
import { EXCEPTIONS_QUERY, ROUTE_QUERIES, SERVICE_QUERIES, SLOWEST_ROUTES } from "./queries.ts";
import { DatabasesSection } from "@/features/databases/DatabasesSection.tsx";
import { PageLoadSection } from "@/features/page-load/PageLoadSection.tsx";
import { GrafanaLink } from "@/ui/GrafanaLink.tsx";
import { SourceErrorPage } from "@/ui/SourceErrorPage.tsx";

const byJob = (samples: PromSample[]) => new Map(samples.map((s) => [s.metric.job, Number(s.value[1])]));

export default async function Services() {
  const { t, lang, reader } = await dict();
  const names = Object.keys(SERVICE_QUERIES) as (keyof typeof SERVICE_QUERIES)[];
  const [answers, routeP95, routeRequests, exceptionCounts] = await Promise.all([
    Promise.all(names.map((n) => promQuery(SERVICE_QUERIES[n]))),
    promQuery(ROUTE_QUERIES.p95),
    promQuery(ROUTE_QUERIES.requests),
    promQuery(EXCEPTIONS_QUERY),
  ]);
  const failed = answers.find((a) => !a.ok);
  if (failed && !failed.ok) return <SourceErrorPage title={t.services} error={failed.error} t={t} />;
  const values = Object.fromEntries(names.map((n, i) => [n, byJob(answers[i].ok ? answers[i].data : [])])) as Record<
    keyof typeof SERVICE_QUERIES,
    Map<string, number>
  >;
  const routeRate = new Map(
    (routeRequests.ok ? routeRequests.data : []).map((s) => [
      `${s.metric.job}\u0000${s.metric.http_route ?? ""}`,
      Number(s.value[1]),
    ]),
  );
  const routes = (job: string) =>
    (routeP95.ok ? routeP95.data : [])
      .filter((s) => s.metric.job === job && !Number.isNaN(Number(s.value[1])))
      .map((s) => ({
        route: s.metric.http_route ?? "",
        p95: Number(s.value[1]),
        rate: routeRate.get(`${job}\u0000${s.metric.http_route ?? ""}`),
      }))
      .sort((a, b) => b.p95 - a.p95)
      .slice(0, SLOWEST_ROUTES);
  /** The exception types of the last hour, most first (whole counts: increase() extrapolates). */
  const exceptions = (job: string) =>
    (exceptionCounts.ok ? exceptionCounts.data : [])
      .filter((e) => e.metric.job === job && Math.round(Number(e.value[1])) > 0)
      .map((e) => ({ type: e.metric.exception_type ?? "", count: Math.round(Number(e.value[1])) }))
      .sort((a, b) => b.count - a.count);
  const jobs = [...values.workers.keys()].sort();
  return (
    <main>
      <h1>{t.services}</h1>
      <GrafanaLink page="/services" from="now-6h" t={t} lang={lang} />
      <p className="muted">{t.services_intro}</p>
      {jobs.length === 0 ? (
        <p className="empty">{t.services_none}</p>
      ) : (
        <table className="stacked" data-widget="services">
          <thead>
            <tr>
              <th>{t.service}</th>
              <th>{t.requests_per_second}</th>
              <th>{t.error_ratio}</th>
              <th>p50 / p95 / p99</th>
              <th>{t.slowest_routes}</th>
              <th>{t.exceptions_hour}</th>
            </tr>
          </thead>
          <tbody>
            {jobs.map((job) => (
              <tr key={job} data-service={job}>
                <td className="wide">
                  <b translate="no">{job}</b>{" "}
                  <span className="muted">
                    {t.service_workers.replace("{n}", String(values.workers.get(job) ?? 0))}
                  </span>
                  <div className="row-links">
                    <Link href="/processes">{t.processes}</Link> ·{" "}
                    <Link href={`/logs?service=${encodeURIComponent(job)}`}>{t.logs}</Link> ·{" "}
                    <Link href={`/deploys?project=${encodeURIComponent(job)}`}>{t.deploys}</Link>
                  </div>
                </td>
                <td className="num" data-label={t.requests_per_second} data-column="requests">
                  {fmt("reqps", values.requests.get(job), 1)}
                </td>
                <td className="num" data-label={t.error_ratio} data-column="errors">
                  {fmt("percentunit", values.errors.get(job), 2)}
                </td>
                <td className="num" data-label="p50 / p95 / p99" data-column="latency">
                  {latency(values.p50.get(job))} / {latency(values.p95.get(job))} / {latency(values.p99.get(job))}
                </td>
                <td className="wide" data-label={t.slowest_routes} data-column="routes">
                  {routes(job).map((r) => (
                    <div key={r.route} data-route={r.route}>
                      <span translate="no">{r.route || t.route_unknown}</span>{" "}
                      <span className="muted">
                        p95 {latency(r.p95)} · {fmt("reqps", r.rate, 1)}
                      </span>
                    </div>
                  ))}
                </td>
                <td className="wide" data-label={t.exceptions_hour} data-column="exceptions">
                  {exceptions(job).length === 0
                    ? "–"
                    : exceptions(job).map((e) => (
                        <div key={e.type} data-exception={e.type}>
                          <span translate="no">{e.type}</span>{" "}
                          <span className="muted">{e.count.toLocaleString(reader.lang)}</span>
                        </div>
                      ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <PageLoadSection t={t} reader={reader} />
      <DatabasesSection t={t} lang={lang} />
    </main>
  );
}
