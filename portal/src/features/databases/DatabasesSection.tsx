// The team's databases on the Services page (README "Databases and caches"): each listed
// database, reachable or not, its connections against the server's limit, reads served from
// memory, a replica's lag and its firing alerts — the apps' requests above, what they wait on here.
import Link from "next/link";
import { fmt } from "@/lib/format.ts";
import type { Dict, Lang } from "@/lib/i18n.ts";
import { promQuery, type PromSample } from "@/lib/sources.ts";
import { GrafanaLink } from "@/ui/GrafanaLink.tsx";
import { DATABASE_QUERIES } from "./queries.ts";

const byDatabase = (samples: PromSample[]) => new Map(samples.map((s) => [s.metric.database, Number(s.value[1])]));

export async function DatabasesSection({ t, lang }: { t: Dict; lang: Lang }) {
  const names = Object.keys(DATABASE_QUERIES) as (keyof typeof DATABASE_QUERIES)[];
  const answers = await Promise.all(names.map((n) => promQuery(DATABASE_QUERIES[n])));
  const [targets] = answers;
  const values = Object.fromEntries(
    names.map((n, i) => [n, byDatabase(answers[i].ok ? answers[i].data : [])]),
  ) as Record<keyof typeof DATABASE_QUERIES, Map<string, number>>;
  const rows = (targets.ok ? targets.data : [])
    .map((s) => ({ database: s.metric.database ?? s.metric.instance, type: s.metric.job, host: s.metric.host }))
    .sort((a, b) => a.database.localeCompare(b.database));
  const ratio = (used?: number, limit?: number) => (used !== undefined && limit ? used / limit : undefined);
  return (
    <section data-widget="databases">
      <h2>{t.databases}</h2>
      <GrafanaLink page="/services" uid="opsdeck-databases" from="now-6h" t={t} lang={lang} />
      {rows.length === 0 ? (
        <p className="empty">{t.databases_none}</p>
      ) : (
        <table className="stacked">
          <thead>
            <tr>
              <th>{t.database}</th>
              <th>{t.state}</th>
              <th>{t.db_connections}</th>
              <th>{t.db_cache_hits}</th>
              <th>{t.db_replication_lag}</th>
              <th>{t.alerts}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ database, type, host }) => {
              const reachable = values.reachable.get(database) === 1;
              const used = values.used.get(database);
              const limit = values.limit.get(database);
              const firing = values.alerts.get(database) ?? 0;
              return (
                <tr key={database} data-database={database}>
                  <td className="wide">
                    <b translate="no">{database}</b>{" "}
                    <span className="muted" translate="no">
                      {type}
                    </span>
                    {host && (
                      <span className="muted" translate="no">
                        {" "}
                        · {host}
                      </span>
                    )}
                  </td>
                  <td data-label={t.state} data-column="state">
                    <span className={`pill ${reachable ? "s-up" : "s-down"}`}>{reachable ? t.up : t.down}</span>
                  </td>
                  <td className="num" data-label={t.db_connections} data-column="connections">
                    {used === undefined ? "–" : `${used.toLocaleString(lang)} / ${limit?.toLocaleString(lang) ?? "–"}`}{" "}
                    <span className="muted">{fmt("percentunit", ratio(used, limit), 0)}</span>
                  </td>
                  <td className="num" data-label={t.db_cache_hits} data-column="cache">
                    {fmt("percentunit", values.cacheHits.get(database), 1)}
                  </td>
                  <td className="num" data-label={t.db_replication_lag}>
                    {fmt("s", values.lag.get(database), 0)}
                  </td>
                  <td data-label={t.alerts}>
                    {firing > 0 ? (
                      <Link href="/alerts" className="pill s-critical">
                        {firing.toLocaleString(lang)}
                      </Link>
                    ) : (
                      "–"
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
