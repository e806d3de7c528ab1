// Deploys: in progress and history (live, filtered, paged), DORA figures per project and
// environment, and their daily success-rate and duration trends.
import { GrafanaLink } from "@/ui/GrafanaLink.tsx";
import Link from "next/link";
import { z } from "zod";
import { HOST_NAME } from "@opsdeck/core";
import { DeploysLive } from "@/features/deploys/DeploysLive.tsx";
import { RefreshOnDeploy } from "@/features/deploys/RefreshOnDeploy.tsx";
import { TimeSeries, type Series } from "@/ui/TimeSeries.tsx";
import { Widget } from "@/ui/Widget.tsx";
import { fmt } from "@/lib/format.ts";
import { dict, type Dict, type Lang } from "@/lib/i18n.ts";
import { durationText, type Reader } from "@/lib/time.ts";
import { statusText } from "@/lib/status.ts";
import type { ProjectStats } from "@opsdeck/contracts";
import { deploys, deployStats } from "@/lib/sources.ts";

const STATUSES = ["running", "succeeded", "failed", "cancelled", "timed_out"] as const;
const DAYS = ["7", "14", "30"] as const;
const label = z
  .string()
  .max(100)
  .regex(/^[\w.\-/@]*$/, "letters, digits and . _ - / @ only")
  .optional();
const filterSchema = z.object({
  project: label,
  environment: label,
  // The servers a deploy went to (?host= from the Hosts page keeps to one).
  host: z.union([z.literal(""), z.string().regex(HOST_NAME)]).optional(),
  status: z.enum(["", ...STATUSES]).optional(),
  days: z.enum(DAYS).default("7"),
  cursor: z
    .string()
    .regex(/^[\w-]*$/)
    .optional(),
});

const PAGE = 25;

export default async function Deploys({ searchParams }: { searchParams: Promise<Record<string, string | string[]>> }) {
  const { t, lang, reader } = await dict();
  const parsed = filterSchema.safeParse(await searchParams);
  const f = parsed.success ? parsed.data : filterSchema.parse({});
  const filter = {
    project: f.project || undefined,
    environment: f.environment || undefined,
    host: f.host || undefined,
    status: f.status || undefined,
  };
  const qs = new URLSearchParams(Object.entries(filter).filter((e): e is [string, string] => !!e[1]));
  const [page, stats] = await Promise.all([
    deploys(`${qs}&limit=${PAGE}${f.cursor ? `&cursor=${f.cursor}` : ""}`),
    deployStats(
      `${new URLSearchParams(Object.entries({ project: filter.project, environment: filter.environment, days: f.days }).filter((e): e is [string, string] => !!e[1]))}`,
    ),
  ]);
  const link = (extra: Record<string, string>) =>
    `/deploys?${new URLSearchParams({ ...Object.fromEntries(qs), days: f.days, ...extra })}`;
  const projects = stats.ok ? [...new Set(stats.data.projects.map((p) => p.project))] : [];
  const environments = stats.ok ? [...new Set(stats.data.projects.map((p) => p.environment))] : [];
  return (
    <main>
      <h1>{t.deploys}</h1>
      <GrafanaLink page="/deploys" from="now-7d" t={t} lang={lang} />
      <form className="row-actions filters" method="get" action="/deploys">
        <label>
          {t.project} <input name="project" list="projects" defaultValue={filter.project} size={14} />
        </label>
        <datalist id="projects">
          {projects.map((p) => (
            <option key={p} value={p} />
          ))}
        </datalist>
        <label>
          {t.environment} <input name="environment" list="environments" defaultValue={filter.environment} size={10} />
        </label>
        <datalist id="environments">
          {environments.map((e) => (
            <option key={e} value={e} />
          ))}
        </datalist>
        <label>
          {t.host} <input name="host" defaultValue={filter.host} size={10} translate="no" />
        </label>
        <label>
          {t.status}{" "}
          <select name="status" defaultValue={filter.status ?? ""}>
            <option value="">{t.all}</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {statusText(t, s)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t.window}{" "}
          <select name="days" defaultValue={f.days}>
            {DAYS.map((d) => (
              <option key={d} value={d}>
                {t.last_days.replace("{n}", d)}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">{t.apply}</button>
        {!parsed.success && (
          <span className="error" role="alert">
            {t.bad_filter}: {parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}
          </span>
        )}
      </form>

      <Widget title={`${t.dora} · ${t.last_days.replace("{n}", f.days)}`} result={stats} errorText={t.source_error}>
        {(s) => (
          <RefreshOnDeploy>
            <DoraTable t={t} lang={lang} projects={s.projects} />
          </RefreshOnDeploy>
        )}
      </Widget>
      {stats.ok && stats.data.projects.length > 0 && <Trends t={t} reader={reader} projects={stats.data.projects} />}

      <h2>{t.history}</h2>
      {page.ok ? (
        <>
          <DeploysLive
            key={`${qs}-${f.cursor ?? ""}`}
            initial={page.data.deploys}
            t={t}
            reader={reader}
            filter={filter}
            firstPage={!f.cursor}
          />
          <p className="row-actions">
            {f.cursor && <Link href={link({})}>{t.newest}</Link>}
            {page.data.next_cursor && (
              <Link href={link({ cursor: page.data.next_cursor })} rel="next">
                {t.older} →
              </Link>
            )}
          </p>
        </>
      ) : (
        <p className="error" role="alert">
          {t.source_error}: {page.error}
        </p>
      )}
    </main>
  );
}

function DoraTable({ t, lang, projects }: { t: Dict; lang: Lang; projects: ProjectStats[] }) {
  if (!projects.length) return <p className="empty">{t.none}</p>;
  const duration = (seconds: number | undefined) => durationText(seconds, lang, 2);
  return (
    <table data-table="dora">
      <thead>
        <tr>
          <th>{t.project}</th>
          <th>{t.environment}</th>
          <th>{t.deploys}</th>
          <th>{t.per_day}</th>
          <th>{t.success_rate}</th>
          <th>{t.change_failure_rate}</th>
          <th>{t.duration} p50 / p90</th>
          <th>{t.lead_time}</th>
          <th>{t.time_to_restore}</th>
        </tr>
      </thead>
      <tbody>
        {projects.map((p) => (
          <tr key={`${p.project}/${p.environment}`} data-project={`${p.project}/${p.environment}`}>
            <td translate="no">
              <Link href={`/deploys?${new URLSearchParams({ project: p.project, environment: p.environment })}`}>
                {p.project}
              </Link>
            </td>
            <td translate="no">{p.environment}</td>
            <td>
              {p.finished}
              {p.running > 0 && (
                <span className="muted">
                  {" "}
                  (+{p.running} {t.st_running})
                </span>
              )}
            </td>
            <td>{p.deploys_per_day.toLocaleString(lang, { maximumFractionDigits: 1 })}</td>
            <td data-cell="success_rate">{fmt("percentunit", p.success_rate)}</td>
            <td>{fmt("percentunit", p.change_failure_rate)}</td>
            <td className="nowrap">
              {duration(p.duration_p50_seconds)} / {duration(p.duration_p90_seconds)}
            </td>
            <td className="nowrap">{duration(p.lead_time_avg_seconds)}</td>
            <td className="nowrap">{duration(p.time_to_restore_avg_seconds)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Trends({ t, reader, projects }: { t: Dict; reader: Reader; projects: ProjectStats[] }) {
  const days = projects[0].daily.map((d) => Date.parse(d.day) / 1000);
  const range: [number, number] = [days[0], days.at(-1)!];
  const series = (value: (d: ProjectStats["daily"][number]) => number | undefined): Series[] =>
    projects.map((p) => ({
      label: `${p.project}/${p.environment}`,
      points: p.daily.flatMap((d) => {
        const v = value(d);
        return v === undefined ? [] : [[Date.parse(d.day) / 1000, v] as [number, number]];
      }),
    }));
  return (
    <div className="grid wide-cells" style={{ marginTop: 16 }}>
      <TimeSeries
        title={t.success_rate_trend}
        unit="ratio"
        range={range}
        reader={reader}
        t={t}
        sparse
        series={series((d) => (d.succeeded + d.failed ? d.succeeded / (d.succeeded + d.failed) : undefined))}
      />
      <TimeSeries
        title={t.duration_trend}
        unit="seconds"
        range={range}
        reader={reader}
        t={t}
        sparse
        series={series((d) => d.duration_p50_seconds)}
      />
    </div>
  );
}
