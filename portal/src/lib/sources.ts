// Reading the stack: Prometheus, Alertmanager API v2, the deploy exporter, the notifier. Only
// these fixed, configured URLs are ever fetched (no URL comes from the browser), each with a
// timeout; a failure is returned, not thrown, so each widget fails alone.
import { portalSources } from "@opsdeck/core";
// The deploy exporter's and the notifier's answers, typed by the contracts both sides import.
import type { ChannelView, DeployPage, DeployStats, DeployView, NotificationPage } from "@opsdeck/contracts";
import { fetchFromReplicas } from "@opsdeck/core/replicas";
import { config } from "./config.ts";

export type Result<T> = { ok: true; data: T } | { ok: false; error: string };

/** GET from a service, or from the first of its replicas that answers (core/src/replicas.ts). */
async function get<T>(bases: string | readonly string[], path: string): Promise<Result<T>> {
  const { timeout_seconds } = portalSources(config());
  const list = typeof bases === "string" ? [bases] : bases;
  try {
    const res = await fetchFromReplicas(list, path, { timeoutMs: timeout_seconds * 1000, cache: "no-store" });
    if (!res.ok) return { ok: false, error: `${new URL(res.url).host}: HTTP ${res.status}` };
    return { ok: true, data: (await res.json()) as T };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

const src = () => portalSources(config());

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

export async function promQuery(query: string): Promise<Result<PromSample[]>> {
  const r = await get<{ status: string; data: { result: PromSample[] }; error?: string }>(
    src().prometheus_urls,
    `/api/v1/query?query=${encodeURIComponent(query)}`,
  );
  return r.ok ? { ok: true, data: r.data.data.result } : r;
}

export const promNumber = async (query: string): Promise<Result<number | undefined>> => {
  const r = await promQuery(query);
  return r.ok ? { ok: true, data: r.data.length ? Number(r.data[0].value[1]) : undefined } : r;
};

export interface AmAlert {
  fingerprint: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt?: string;
  receivers?: { name: string }[];
  status: { state: string; silencedBy: string[]; inhibitedBy: string[] };
}

export const amAlerts = () =>
  get<AmAlert[]>(src().alertmanager_urls, "/api/v2/alerts?active=true&silenced=true&inhibited=true");

export interface AmGroup {
  labels: Record<string, string>;
  receiver: { name: string };
  alerts: AmAlert[];
}

/** Alerts as Alertmanager groups them (route's group_by), narrowed by matchers like `severity="critical"`. */
export const amGroups = (matchers: string[], silenced: boolean) =>
  get<AmGroup[]>(
    src().alertmanager_urls,
    `/api/v2/alerts/groups?active=true&inhibited=${silenced}&silenced=${silenced}${matchers
      .map((m) => `&filter=${encodeURIComponent(m)}`)
      .join("")}`,
  );

export interface PromRule {
  type: "alerting" | "recording";
  name: string;
  query: string;
  duration?: number;
  labels?: Record<string, string>;
  state?: "inactive" | "pending" | "firing";
  health: string;
  lastError?: string;
  lastEvaluation: string;
  alerts?: { labels: Record<string, string>; state: string; activeAt?: string }[];
}

export async function promRules(): Promise<Result<{ name: string; file: string; rules: PromRule[] }[]>> {
  const r = await get<{ data: { groups: { name: string; file: string; rules: PromRule[] }[] } }>(
    src().prometheus_urls,
    "/api/v1/rules",
  );
  return r.ok ? { ok: true, data: r.data.data.groups } : r;
}

export interface AmSilence {
  id: string;
  matchers: { name: string; value: string; isRegex: boolean; isEqual?: boolean }[];
  createdBy: string;
  comment: string;
  startsAt: string;
  endsAt: string;
  status: { state: "active" | "pending" | "expired" };
}
export const amSilences = () => get<AmSilence[]>(src().alertmanager_urls, "/api/v2/silences");

export const deploys = (query: string) => get<DeployPage>(src().deploy_url, `/api/v1/deploys?${query}`);
/** Where the deploy exporter holds a rollback command (features/recovery/rollback.ts). */
export const deployRollbacks = () =>
  get<{ rollbacks: { project: string; environment: string }[] }>(src().deploy_url, "/api/v1/rollbacks");

/** One deploy; `undefined` data when the exporter does not know it. */
export async function deploy(id: string): Promise<Result<DeployView | undefined>> {
  const r = await get<DeployView>(src().deploy_url, `/api/v1/deploys/${encodeURIComponent(id)}`);
  return !r.ok && r.error.endsWith("HTTP 404") ? { ok: true, data: undefined } : r;
}

export const deployStats = (query: string) => get<DeployStats>(src().deploy_url, `/api/v1/stats?${query}`);

/** The services the portal reads from, by the dictionary key of their name. */
export type ServiceName = "svc_prometheus" | "svc_alertmanager" | "svc_deploy" | "svc_notifier" | "svc_elasticsearch";

export async function health(): Promise<{ name: ServiceName; url: string; ok: boolean; error?: string }[]> {
  const s = src();
  const checks: [ServiceName, string, string][] = [
    // Each replica on its own: one down is news even while the others answer.
    ...s.prometheus_urls.map((u): [ServiceName, string, string] => ["svc_prometheus", u, "/-/ready"]),
    ...s.alertmanager_urls.map((u): [ServiceName, string, string] => ["svc_alertmanager", u, "/-/ready"]),
    ["svc_deploy", s.deploy_url, "/healthz"],
    ["svc_notifier", s.notifier_url, "/healthz"],
    ["svc_elasticsearch", s.elasticsearch_url, "/_cluster/health"],
  ];
  return Promise.all(
    checks.map(async ([name, base, path]) => {
      try {
        const res = await fetch(new URL(path, base), {
          signal: AbortSignal.timeout(s.timeout_seconds * 1000),
          cache: "no-store",
        });
        return { name, url: base, ok: res.ok, error: res.ok ? undefined : `HTTP ${res.status}` };
      } catch (err) {
        const e = err as Error & { cause?: { code?: string } };
        return { name, url: base, ok: false, error: e.cause?.code ?? e.name };
      }
    }),
  );
}

export interface PromTarget {
  labels: Record<string, string>;
  scrapePool: string;
  health: "up" | "down" | "unknown";
  lastError: string;
  /** When it was last scraped (ISO); Prometheus' zero time before the first scrape. */
  lastScrape: string;
}

/** Everything Prometheus scrapes (node-exporter, the exporters, …), with its health. */
export async function promTargets(): Promise<Result<PromTarget[]>> {
  const r = await get<{ data: { activeTargets: PromTarget[] } }>(src().prometheus_urls, "/api/v1/targets?state=active");
  return r.ok ? { ok: true, data: r.data.data.activeTargets } : r;
}

export const notifierChannels = () => get<{ channels: ChannelView[] }>(src().notifier_url, "/api/v1/channels");

export const notifications = (limit = 20) =>
  get<NotificationPage>(src().notifier_url, `/api/v1/notifications?limit=${limit}`);

export interface PromRange {
  metric: Record<string, string>;
  values: [number, string][];
}

export async function promRange(
  query: string,
  start: number,
  end: number,
  stepSeconds?: number,
): Promise<Result<PromRange[]>> {
  const step = stepSeconds ?? Math.max(15, Math.round((end - start) / 1000 / 240));
  const r = await get<{ data: { result: PromRange[] } }>(
    src().prometheus_urls,
    `/api/v1/query_range?query=${encodeURIComponent(query)}&start=${start / 1000}&end=${end / 1000}&step=${step}`,
  );
  return r.ok ? { ok: true, data: r.data.data.result } : r;
}
