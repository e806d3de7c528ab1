// The Prometheus answers the Rules page needs, with Prometheus' own error when it refuses a
// query (a PromQL error names its position): instant and range queries, and its loaded rules.
// Only the configured Prometheus is asked; nothing here takes a URL from a request.
import { portalSources } from "@opsdeck/core";
import { fetchFromReplicas } from "@opsdeck/core/replicas";
import { config } from "@/lib/config.ts";

import type { Answer, Series } from "./series.ts";

export type { Answer, Series };

async function ask<T>(path: string, params: Record<string, string>, timeoutSeconds?: number): Promise<Answer<T>> {
  const { prometheus_urls, timeout_seconds } = portalSources(config());
  try {
    const res = await fetchFromReplicas(prometheus_urls, path, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(params).toString(),
      timeoutMs: (timeoutSeconds ?? timeout_seconds) * 1000,
      cache: "no-store",
    });
    const answer = (await res.json().catch(() => ({}))) as { data?: T; error?: string; errorType?: string };
    if (!res.ok || answer.data === undefined)
      return {
        ok: false,
        status: res.status,
        error: answer.error ?? `HTTP ${res.status}`,
        errorType: answer.errorType,
      };
    return { ok: true, data: answer.data };
  } catch (err) {
    return { ok: false, status: 502, error: `Prometheus: ${(err as Error).message}` };
  }
}

/** An instant query's series (vector results only). */
export async function instant(
  query: string,
  time?: number,
): Promise<Answer<{ metric: Record<string, string>; value: [number, string] }[]>> {
  const r = await ask<{ resultType: string; result: unknown }>("/api/v1/query", {
    query,
    ...(time !== undefined && { time: String(time / 1000) }),
  });
  if (!r.ok) return r;
  if (r.data.resultType !== "vector")
    return {
      ok: false,
      status: 400,
      errorType: "bad_data",
      error: `the expression gives a ${r.data.resultType}, not series: compare series (e.g. metric > 10)`,
    };
  return { ok: true, data: r.data.result as { metric: Record<string, string>; value: [number, string] }[] };
}

/** A range query, start / end in ms, step in seconds. */
export async function range(
  query: string,
  start: number,
  end: number,
  step: number,
  timeoutSeconds = 30,
): Promise<Answer<Series[]>> {
  const r = await ask<{ result: Series[] }>(
    "/api/v1/query_range",
    { query, start: String(start / 1000), end: String(end / 1000), step: String(step) },
    timeoutSeconds,
  );
  return r.ok ? { ok: true, data: r.data.result } : r;
}

export interface LoadedRule {
  name: string;
  state?: "firing" | "pending" | "inactive";
  health: string;
  lastError?: string;
  lastEvaluation: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  alerts?: { labels: Record<string, string>; state: string; activeAt?: string }[];
}

/** The alerting rules Prometheus has loaded, per group and file. */
export async function loadedRules(): Promise<Answer<{ name: string; file: string; rules: LoadedRule[] }[]>> {
  const { prometheus_urls, timeout_seconds } = portalSources(config());
  try {
    const res = await fetchFromReplicas(prometheus_urls, "/api/v1/rules?type=alert", {
      timeoutMs: timeout_seconds * 1000,
      cache: "no-store",
    });
    if (!res.ok) return { ok: false, status: res.status, error: `Prometheus: HTTP ${res.status}` };
    const j = (await res.json()) as { data: { groups: { name: string; file: string; rules: LoadedRule[] }[] } };
    return { ok: true, data: j.data.groups };
  } catch (err) {
    return { ok: false, status: 502, error: `Prometheus: ${(err as Error).message}` };
  }
}
