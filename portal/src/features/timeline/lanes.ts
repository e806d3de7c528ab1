// The timeline's lanes for one time range and scope (project / environment / host / app, any
// mix): deploys (start → finish, by result), alert firings (start → resolve, by severity, acks
// and recovery actions marked), PM2 restarts and crashes, error and warning log volume per service, and the business
// KPIs — each from where OpsDeck keeps it, each source answering (or failing) alone. The page
// and GET /api/timeline show the same answer.
import { sameApp } from "@opsdeck/core/changes/rank";
import { indexPattern } from "@opsdeck/core/elastic";
import {
  SCOPE_KEYS,
  type AckMark,
  type AlertBar,
  type CrashBar,
  type DeployBar,
  type KpiLine,
  type LogVolume,
  type RecoveryMark,
  type RestartMark,
  type Timeline,
  type TimelineScope,
} from "@opsdeck/contracts";
import { z } from "zod";
import { ACK_PREFIX } from "@/features/alerts/acks.ts";
import { auditEntries } from "@/features/audit/trail.ts";
import { KPI_CHARTS } from "@/features/business/kpis.ts";
import { es } from "@/features/logs/search.ts";
import { config } from "@/lib/config.ts";
import { amSilences, deploys, promRange, type PromRange } from "@/lib/sources.ts";

export { SCOPE_KEYS };
export type Scope = TimelineScope;

/** Points per lane across the range: enough to see a restart, few enough to draw at once. */
const POINTS = 240;
const label = z.string().max(200).optional();
const moment = z.union([
  z
    .string()
    .regex(/^\d{10,13}$/)
    .transform(Number),
  z.iso.datetime({ offset: true }).transform((v) => Date.parse(v)),
]);

export const timelineQuerySchema = z
  .strictObject({
    /** The range: ISO 8601 or epoch ms; `to` may be "now" (the default), `from` defaults to 6 h before it. */
    from: moment.optional(),
    to: z.union([z.literal("now"), moment]).default("now"),
    project: label,
    environment: label,
    host: label,
    app: label,
    /** An alert's start, marked on the axis (from an alert's or a message's link). */
    at: moment.optional(),
  })
  .refine((q) => q.from === undefined || q.to === "now" || q.from < q.to, { message: "from must be before to" });
export type TimelineQuery = z.infer<typeof timelineQuerySchema>;

/** Whether labels fit the scope: a label the alert (or process) has must match; one it lacks does not exclude it. */
export function inScope(labels: Record<string, string | undefined>, scope: Scope): boolean {
  for (const key of SCOPE_KEYS) {
    const want = scope[key];
    if (!want) continue;
    if (key === "project") {
      if (labels.project ? labels.project !== want : labels.app ? !sameApp(labels.app, want) : false) return false;
    } else if (key === "app") {
      const app = labels.app ?? labels.service;
      if (app ? app !== want : labels.project ? !sameApp(want, labels.project) : false) return false;
    } else if (labels[key] !== undefined && labels[key] !== want) return false;
  }
  return true;
}

/** Contiguous samples (one step apart) as periods: a series' runs of "on". */
export function periods(series: PromRange, stepMs: number, to: number): { start: number; end?: number }[] {
  const out: { start: number; end?: number }[] = [];
  let current: { start: number; last: number } | undefined;
  for (const [ts] of series.values) {
    const t = ts * 1000;
    if (current && t - current.last <= stepMs * 1.5) current.last = t;
    else {
      if (current) out.push({ start: current.start, end: current.last + stepMs });
      current = { start: t, last: t };
    }
  }
  if (current) out.push({ start: current.start, end: current.last + stepMs >= to ? undefined : current.last + stepMs });
  return out;
}

type SourceState = Timeline["sources"][number];
const failed = (source: SourceState["source"], error: string): SourceState => ({ source, ok: false, error });

async function deployLane(q: { from: number; to: number; scope: Scope }) {
  const query = new URLSearchParams({
    since: new Date(q.from).toISOString(),
    until: new Date(q.to).toISOString(),
    limit: "500",
  });
  if (q.scope.project) query.set("project", q.scope.project);
  if (q.scope.environment) query.set("environment", q.scope.environment);
  const page = await deploys(query.toString());
  if (!page.ok) return { bars: [] as DeployBar[], state: failed("deploys", page.error) };
  const bars = page.data.deploys
    .filter((d) => !q.scope.app || sameApp(q.scope.app, d.project))
    // A deploy that did not say where it went is not excluded by a host (as an alert without one is not).
    .filter((d) => !q.scope.host || !d.hosts?.length || d.hosts.includes(q.scope.host))
    .map((d) => ({
      id: d.id,
      project: d.project,
      environment: d.environment,
      version: d.version,
      commit: d.commit?.slice(0, 7),
      actor: d.actor,
      status: d.status,
      start: Date.parse(d.started_at),
      end: d.finished_at ? Date.parse(d.finished_at) : undefined,
      hosts: d.hosts ?? [],
    }))
    .sort((a, b) => a.start - b.start);
  return { bars, state: { source: "deploys" as const, ok: true } };
}

async function prometheusLanes(q: { from: number; to: number; stepMs: number; scope: Scope }) {
  const step = q.stepMs / 1000;
  // Steps counted back from the range's end, so the last one is `to` itself: counted from
  // `from`, the last could fall up to a step before now and miss an alert younger than that.
  const first = q.to - Math.ceil((q.to - q.from) / q.stepMs) * q.stepMs;
  const [alerts, restarts, crashes, ...kpis] = await Promise.all([
    promRange('ALERTS{alertstate="firing",alertname!="Watchdog"}', first, q.to, step),
    promRange(
      `sum by (app, host) (increase(pm2_process_restarts_total[${Math.max(step, 60)}s])) > 0.5`,
      first,
      q.to,
      step,
    ),
    promRange('max by (app, host) (pm2_process_status{status="errored"}) == 1', first, q.to, step),
    ...KPI_CHARTS.map((c) => promRange(c.q(""), first, q.to, step)),
  ]);
  const error = [alerts, restarts, crashes, ...kpis].find((r) => !r.ok);
  const state: SourceState =
    error && !error.ok ? failed("prometheus", error.error) : { source: "prometheus", ok: true };
  const alertBars: AlertBar[] = (alerts.ok ? alerts.data : [])
    .filter((s) => inScope(s.metric, q.scope))
    .flatMap((s) => {
      const { __name__, alertstate, ...labels } = s.metric;
      void __name__;
      void alertstate;
      return periods(s, q.stepMs, q.to).map((p) => ({
        alertname: labels.alertname,
        severity: labels.severity ?? "none",
        labels,
        ...p,
      }));
    })
    .sort((a, b) => a.start - b.start);
  const restartMarks: RestartMark[] = (restarts.ok ? restarts.data : [])
    .filter((s) => inScope(s.metric, q.scope))
    .flatMap((s) =>
      s.values.map(([ts, v]) => ({
        app: s.metric.app ?? "?",
        host: s.metric.host,
        at: ts * 1000,
        count: Math.round(Number(v)),
      })),
    );
  const crashBars: CrashBar[] = (crashes.ok ? crashes.data : [])
    .filter((s) => inScope(s.metric, q.scope))
    .flatMap((s) => periods(s, q.stepMs, q.to).map((p) => ({ app: s.metric.app ?? "?", host: s.metric.host, ...p })));
  const kpiLines: KpiLine[] = KPI_CHARTS.map((c, i) => {
    const r = kpis[i];
    return {
      id: c.id,
      unit: c.unit,
      points: r.ok ? (r.data[0]?.values ?? []).map(([ts, v]) => [ts * 1000, Number(v)] as [number, number]) : [],
    };
  }).filter((k) => k.points.length > 0);
  return { alertBars, restartMarks, crashBars, kpiLines, state };
}

async function ackLane(q: { from: number; to: number }, alerts: AlertBar[]) {
  const silences = await amSilences();
  if (!silences.ok) return { marks: [] as AckMark[], state: failed("alertmanager", silences.error) };
  // An ack is marked when it covers an alert on the lane (its matchers all equal that alert's labels).
  const marks = silences.data
    .filter((s) => s.comment.startsWith(ACK_PREFIX))
    .map((s) => ({ s, at: Date.parse(s.startsAt) }))
    .filter(({ at }) => at >= q.from && at <= q.to)
    .filter(({ s }) => alerts.some((a) => s.matchers.every((m) => !m.isRegex && a.labels[m.name] === m.value)))
    .map(({ s, at }) => ({ at, by: s.createdBy, comment: s.comment.slice(ACK_PREFIX.length) }));
  return { marks, state: { source: "alertmanager" as const, ok: true } };
}

/** Recovery actions run or held back in the range, for an app and host in the scope (the audit trail's). */
function recoveryLane(q: { from: number; to: number; scope: Scope }): RecoveryMark[] {
  const marks: RecoveryMark[] = [];
  const { entries } = auditEntries({ action: "recovery", before: new Date(q.to + 1).toISOString(), limit: 200 });
  for (const e of entries) {
    const at = Date.parse(e["@timestamp"]);
    const f = e.fields as Record<string, unknown>;
    const app = typeof f["opsdeck.action.app"] === "string" ? f["opsdeck.action.app"] : undefined;
    const host = typeof f["host.name"] === "string" ? f["host.name"] : "";
    if (at < q.from || !app || !inScope({ app, host }, q.scope)) continue;
    let instance: number | undefined;
    try {
      const action = JSON.parse(String(f["opsdeck.action"] ?? "{}")) as { instance?: unknown };
      if (typeof action.instance === "number") instance = action.instance;
    } catch {
      /* an entry without the action's JSON: no instance */
    }
    const outcome =
      e.action === "recovery-skipped"
        ? "skipped"
        : e.action === "recovery-unresolved"
          ? "unresolved"
          : String(f["opsdeck.action.outcome"] ?? f["event.outcome"]);
    marks.push({
      at,
      by: e.user,
      kind: String(f["opsdeck.action.kind"] ?? ""),
      app,
      ...(instance !== undefined && { instance }),
      host,
      outcome,
    });
  }
  return marks.reverse();
}

interface ServiceBucket {
  key: string;
  time: { buckets: { key: number; levels: { buckets: { key: string; doc_count: number }[] } }[] };
}

async function logLane(q: { from: number; to: number; stepMs: number; scope: Scope }) {
  const cfg = config();
  const buckets = Math.ceil((q.to - q.from) / q.stepMs);
  try {
    const res = await es().search(
      {
        index: indexPattern(cfg.elasticsearch.index_prefix, "logs"),
        ignore_unavailable: true,
        size: 0,
        query: {
          bool: {
            filter: [
              { terms: { "log.level": ["error", "fatal", "warn"] } },
              { range: { "@timestamp": { gte: q.from, lt: q.to, format: "epoch_millis" } } },
              ...(q.scope.host ? [{ term: { "host.name": q.scope.host } }] : []),
            ],
          },
        },
        aggs: {
          services: {
            terms: { field: "service.name", size: 20 },
            aggs: {
              time: {
                date_histogram: {
                  field: "@timestamp",
                  // Buckets that start at the range's start (whole milliseconds: ES takes no fractions).
                  fixed_interval: `${q.stepMs}ms`,
                  offset: `${q.from % q.stepMs}ms`,
                  min_doc_count: 1,
                },
                aggs: { levels: { terms: { field: "log.level", size: 3 } } },
              },
            },
          },
        },
      },
      { requestTimeout: portalTimeoutMs() },
    );
    const services = (res.aggregations?.services as { buckets: ServiceBucket[] } | undefined)?.buckets ?? [];
    const volumes = services
      .filter((s) => inScope({ app: s.key }, { project: q.scope.project, app: q.scope.app }))
      .slice(0, 6)
      .map((s) => {
        const error = new Array<number>(buckets).fill(0);
        const warn = new Array<number>(buckets).fill(0);
        for (const b of s.time.buckets) {
          const i = Math.floor((b.key - q.from) / q.stepMs);
          if (i < 0 || i >= buckets) continue;
          for (const l of b.levels.buckets) (l.key === "warn" ? warn : error)[i] += l.doc_count;
        }
        return { service: s.key, error, warn };
      });
    return { volumes, state: { source: "elasticsearch" as const, ok: true } };
  } catch (err) {
    return { volumes: [] as LogVolume[], state: failed("elasticsearch", (err as Error).message.slice(0, 200)) };
  }
}

const portalTimeoutMs = () => config().portal.sources.timeout_seconds * 1000;

/** The range a query asks for, in epoch ms, and the step its lanes are drawn at. */
export function resolveRange(q: TimelineQuery, now = Date.now()) {
  const to = q.to === "now" ? now : q.to;
  const from = q.from ?? to - 6 * 3_600_000;
  // A whole number of seconds, at least 15 (Prometheus' scrape interval here).
  const stepMs = Math.max(15, Math.ceil((to - from) / 1000 / POINTS)) * 1000;
  return { from, to, stepMs, live: q.to === "now" };
}

export async function timeline(q: TimelineQuery, now = Date.now()): Promise<Timeline> {
  const { from, to, stepMs } = resolveRange(q, now);
  const scope: Scope = Object.fromEntries(SCOPE_KEYS.flatMap((k) => (q[k] ? [[k, q[k]]] : [])));
  const range = { from, to, stepMs, scope };
  const [deployed, series, logs] = await Promise.all([deployLane(range), prometheusLanes(range), logLane(range)]);
  const acks = await ackLane(range, series.alertBars);
  return {
    from,
    to,
    step_ms: stepMs,
    scope,
    at: q.at,
    deploys: deployed.bars,
    alerts: series.alertBars,
    acks: acks.marks,
    recoveries: recoveryLane(range),
    restarts: series.restartMarks,
    crashes: series.crashBars,
    logs: logs.volumes,
    kpis: series.kpiLines,
    sources: [deployed.state, series.state, acks.state, logs.state],
  };
}
