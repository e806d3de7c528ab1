// The changes of a time window, from where OpsDeck keeps them: deploys (the deploy exporter),
// PM2 restarts and crashes and hosts that went down (Prometheus' series), configuration changes
// (the audit log in Elasticsearch). Each source answers within its time or is left out — and
// said to be: a slow source never holds up the answer (or a notification).
import type { Client } from "@elastic/elasticsearch";
import { indexPattern } from "../elastic.ts";
import type { Change } from "./rank.ts";

export interface ChangeSources {
  deployUrl?: string;
  prometheusUrl?: string;
  elasticsearch?: { client: Client; prefix: string };
  /** Each source's time to answer. */
  timeoutMs: number;
}

export interface SourceState {
  source: "deploys" | "prometheus" | "audit";
  ok: boolean;
  error?: string;
}

interface DeployRow {
  id: string;
  project: string;
  environment: string;
  version?: string;
  commit?: string;
  actor?: string;
  hosts?: string[];
  status: string;
  started_at: string;
  finished_at?: string;
}

async function getJson<T>(url: string, timeoutMs: number): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`${new URL(url).pathname}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

async function deployChanges(base: string, from: number, to: number, timeoutMs: number): Promise<Change[]> {
  const q = new URLSearchParams({
    since: new Date(from).toISOString(),
    until: new Date(to).toISOString(),
    limit: "500",
  });
  const page = await getJson<{ deploys: DeployRow[] }>(`${base}/api/v1/deploys?${q}`, timeoutMs);
  return page.deploys.map((d) => ({
    kind: "deploy" as const,
    at: Date.parse(d.started_at),
    until: d.finished_at ? Date.parse(d.finished_at) : undefined,
    title: [d.project, d.version ?? d.commit?.slice(0, 7)].filter(Boolean).join(" "),
    project: d.project,
    environment: d.environment,
    hosts: d.hosts ?? [],
    actor: d.actor,
    commit: d.commit,
    version: d.version,
    result: d.status,
    link: `/deploys/${encodeURIComponent(d.id)}`,
  }));
}

interface RangeSeries {
  metric: Record<string, string>;
  values: [number, string][];
}

async function range(base: string, query: string, from: number, to: number, timeoutMs: number) {
  const q = new URLSearchParams({
    query,
    start: String(from / 1000),
    end: String(to / 1000),
    step: "60",
  });
  const body = await getJson<{ data: { result: RangeSeries[] } }>(`${base}/api/v1/query_range?${q}`, timeoutMs);
  return body.data.result;
}

/** PM2 restarts (per app and host: when they began, how many), crashes (errored), hosts down. */
async function seriesChanges(base: string, from: number, to: number, timeoutMs: number): Promise<Change[]> {
  const [restarts, errored, down] = await Promise.all([
    range(base, "sum by (app, host) (increase(pm2_process_restarts_total[2m])) > 0.5", from, to, timeoutMs),
    range(base, 'max by (app, host) (pm2_process_status{status="errored"}) == 1', from, to, timeoutMs),
    range(base, 'min by (host) (up{job="node"}) == 0', from, to, timeoutMs),
  ]);
  const first = (s: RangeSeries) => s.values[0][0] * 1000;
  const last = (s: RangeSeries) => s.values[s.values.length - 1][0] * 1000;
  return [
    ...restarts.map((s) => {
      // Each step's value is the restarts of the 2 minutes before it: every other one adds up.
      const count = Math.round(s.values.filter((_, i) => i % 2 === 0).reduce((n, [, v]) => n + Number(v), 0));
      return {
        kind: "restart" as const,
        at: first(s),
        until: last(s),
        title: `${s.metric.app ?? "?"} ×${Math.max(count, 1)}`,
        app: s.metric.app,
        hosts: s.metric.host ? [s.metric.host] : [],
        count: Math.max(count, 1),
      };
    }),
    ...errored.map((s) => ({
      kind: "crash" as const,
      at: first(s),
      until: last(s),
      title: `${s.metric.app ?? "?"} errored`,
      app: s.metric.app,
      hosts: s.metric.host ? [s.metric.host] : [],
    })),
    ...down.map((s) => ({
      kind: "host-down" as const,
      at: first(s),
      until: last(s),
      title: `${s.metric.host ?? "?"} down`,
      hosts: s.metric.host ? [s.metric.host] : [],
    })),
  ];
}

/** The audit log's changes (silences, acks, hosts, keys, channels, …) in the window. */
async function auditChanges(
  es: NonNullable<ChangeSources["elasticsearch"]>,
  from: number,
  to: number,
  timeoutMs: number,
): Promise<Change[]> {
  const res = await es.client.search<Record<string, unknown>>(
    {
      index: indexPattern(es.prefix, "events"),
      ignore_unavailable: true,
      size: 200,
      sort: [{ "@timestamp": "desc" }],
      query: {
        bool: {
          filter: [
            { term: { "event.dataset": "opsdeck.audit" } },
            { range: { "@timestamp": { gte: new Date(from).toISOString(), lte: new Date(to).toISOString() } } },
          ],
        },
      },
    },
    { requestTimeout: timeoutMs },
  );
  const field = (doc: Record<string, unknown>, path: string): unknown =>
    doc[path] ?? path.split(".").reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], doc);
  return res.hits.hits.map((hit) => {
    const doc = hit._source ?? {};
    const action = String(field(doc, "event.action") ?? "");
    const user = field(doc, "user.name") as string | undefined;
    const host = field(doc, "host.name") as string | undefined;
    return {
      kind: "config" as const,
      at: Date.parse(String(field(doc, "@timestamp"))),
      title: [action, user && `(${user})`].filter(Boolean).join(" "),
      actor: user,
      // A host's own changes (host-disabled, host-log-key-revoked, …) are about the host they name.
      hosts: action.startsWith("host-") && host ? [host] : [],
    };
  });
}

/** Every source's changes in [from, to], and which sources answered. */
export async function collectChanges(
  sources: ChangeSources,
  from: number,
  to: number,
): Promise<{ changes: Change[]; sources: SourceState[] }> {
  const jobs: [SourceState["source"], Promise<Change[]>][] = [];
  if (sources.deployUrl) jobs.push(["deploys", deployChanges(sources.deployUrl, from, to, sources.timeoutMs)]);
  if (sources.prometheusUrl)
    jobs.push(["prometheus", seriesChanges(sources.prometheusUrl, from, to, sources.timeoutMs)]);
  if (sources.elasticsearch) jobs.push(["audit", auditChanges(sources.elasticsearch, from, to, sources.timeoutMs)]);
  const settled = await Promise.allSettled(jobs.map(([, job]) => job));
  const changes: Change[] = [];
  const states: SourceState[] = settled.map((r, i) => {
    if (r.status === "fulfilled") {
      changes.push(...r.value);
      return { source: jobs[i][0], ok: true };
    }
    return { source: jobs[i][0], ok: false, error: (r.reason as Error).message };
  });
  return { changes, sources: states };
}
