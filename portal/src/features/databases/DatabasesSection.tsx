// The team's databases on the Services page (README "Databases and caches"): each listed
// database, reachable or not, its connections against the server's limit, reads served from
// memory, a replica's lag and its firing alerts — the apps' requests above, what they wait on here;
// and the apps' own connection pools where the preload sees them (open, waiting).
import Link from "next/link";
import { fmt } from "@/lib/format.ts";
import type { Dict, Lang } from "@/lib/i18n.ts";
import { promQuery, type PromSample } from "@/lib/sources.ts";
import { GrafanaLink } from "@/ui/GrafanaLink.tsx";
import { DATABASE_QUERIES, POOL_QUERIES } from "./queries.ts";

const byDatabase = (samples: PromSample[]) => new Map(samples.map((s) => [s.metric.database, Number(s.value[1])]));

export async function DatabasesSection({ t, lang }: { t: Dict; lang: Lang }) {
  const names = Object.keys(DATABASE_QUERIES) as (keyof typeof DATABASE_QUERIES)[];
  const [answers, pools] = await Promise.all([
    Promise.all(names.map((n) => promQuery(DATABASE_QUERIES[n]))),
    poolRows(),
  ]);
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
      {pools.length > 0 && <PoolsTable pools={pools} t={t} lang={lang} />}
    </section>
  );
}

interface PoolRow {
  app: string;
  host?: string;
  pool: string;
  open?: number;
  limit?: number;
  waiting?: number;
  waitedMost?: number;
}

/** The apps' pools the preload reports, most waited-on first. */
async function poolRows(): Promise<PoolRow[]> {
  const names = Object.keys(POOL_QUERIES) as (keyof typeof POOL_QUERIES)[];
  const answers = await Promise.all(names.map((n) => promQuery(POOL_QUERIES[n])));
  const rows = new Map<string, PoolRow>();
  names.forEach((name, i) => {
    for (const s of answers[i].ok ? answers[i].data : []) {
      const { job, host_name: host, db_client_connection_pool_name: pool } = s.metric;
      const key = `${job}\u0000${host}\u0000${pool}`;
      const row = rows.get(key) ?? { app: job, host, pool };
      row[name] = Number(s.value[1]);
      rows.set(key, row);
    }
  });
  return [...rows.values()].sort((a, b) => (b.waitedMost ?? 0) - (a.waitedMost ?? 0) || a.app.localeCompare(b.app));
}

function PoolsTable({ pools, t, lang }: { pools: PoolRow[]; t: Dict; lang: Lang }) {
  const count = (v?: number) => (v === undefined ? "–" : v.toLocaleString(lang));
  return (
    <>
      <h3>{t.db_pools}</h3>
      <table className="stacked" data-widget="db-pools">
        <thead>
          <tr>
            <th>{t.db_pool}</th>
            <th>{t.db_pool_open}</th>
            <th>{t.db_pool_waiting}</th>
            <th>{t.db_pool_waited}</th>
          </tr>
        </thead>
        <tbody>
          {pools.map((p) => (
            <tr key={`${p.app} ${p.host} ${p.pool}`} data-pool={`${p.app} ${p.pool}`}>
              <td className="wide">
                <b translate="no">{p.app}</b>
                {p.host && (
                  <span className="muted" translate="no">
                    {" "}
                    · {p.host}
                  </span>
                )}{" "}
                <span className="muted" translate="no">
                  → {p.pool}
                </span>
              </td>
              <td className="num" data-label={t.db_pool_open} data-column="open">
                {count(p.open)} / {count(p.limit)}
              </td>
              <td className="num" data-label={t.db_pool_waiting} data-column="waiting">
                {count(p.waiting)}
              </td>
              <td className="num" data-label={t.db_pool_waited} data-column="waited">
                {(p.waitedMost ?? 0) > 0 ? (
                  <span className="pill s-warning">{count(p.waitedMost)}</span>
                ) : (
                  count(p.waitedMost)
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
