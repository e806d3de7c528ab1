// Error novelty: the error patterns (opsdeck.error_pattern, see error-pattern.ts) a deploy's
// services logged after it and never in the baseline before it — "新出现的错误（自 v1.4.2 起）: 3 种".
// Two aggregations: the patterns after, per service; then which of those the same services
// logged before. What is left is new.
import type { Client } from "@elastic/elasticsearch";
import { indexPattern } from "../elastic.ts";
import { ERROR_LEVELS } from "./error-pattern.ts";
import { sameApp } from "./rank.ts";

/** How far before the deploy an error pattern counts as already known. */
export const BASELINE_MS = 7 * 86_400_000;
/** Patterns compared per question: enough for any one deploy's new errors, bounded for the cluster. */
const MAX_PATTERNS = 200;

export interface NewError {
  pattern: string;
  service: string;
  count: number;
  /** When it first appeared after the deploy (epoch ms). */
  first_seen: number;
}

export interface NoveltyQuery {
  /** The deploy's project: its services are those named after it ("demo-shop" for "shop"). */
  project: string;
  /** From when errors count as after the deploy (its start). */
  since: number;
  until: number;
  host?: string;
  baselineMs?: number;
}

interface PatternBucket {
  key: string;
  doc_count: number;
  first: { value: number };
}

interface ServiceBucket {
  key: string;
  patterns: { buckets: PatternBucket[] };
}

const errorsOnly = { terms: { "log.level": [...ERROR_LEVELS] } };
const hasPattern = { exists: { field: "opsdeck.error_pattern" } };
const range = (from: number, to: number) => ({
  range: { "@timestamp": { gte: new Date(from).toISOString(), lt: new Date(to).toISOString() } },
});

/** The error patterns new since the deploy, most frequent first. */
export async function newErrors(
  es: { client: Client; prefix: string },
  q: NoveltyQuery,
  timeoutMs: number,
): Promise<NewError[]> {
  const index = indexPattern(es.prefix, "logs");
  const scope = q.host ? [{ term: { "host.name": q.host } }] : [];
  const after = await es.client.search(
    {
      index,
      ignore_unavailable: true,
      size: 0,
      query: { bool: { filter: [errorsOnly, hasPattern, range(q.since, q.until), ...scope] } },
      aggs: {
        services: {
          terms: { field: "service.name", size: 50 },
          aggs: {
            patterns: {
              terms: { field: "opsdeck.error_pattern", size: MAX_PATTERNS },
              aggs: { first: { min: { field: "@timestamp" } } },
            },
          },
        },
      },
    },
    { requestTimeout: timeoutMs },
  );
  const services = ((after.aggregations?.services as { buckets: ServiceBucket[] } | undefined)?.buckets ?? []).filter(
    (s) => s.key === q.project || sameApp(s.key, q.project),
  );
  const seen = services.flatMap((s) =>
    s.patterns.buckets.map((p) => ({
      pattern: p.key,
      service: s.key,
      count: p.doc_count,
      first_seen: p.first.value,
    })),
  );
  if (!seen.length) return [];

  const before = await es.client.search(
    {
      index,
      ignore_unavailable: true,
      size: 0,
      query: {
        bool: {
          filter: [
            errorsOnly,
            range(q.since - (q.baselineMs ?? BASELINE_MS), q.since),
            { terms: { "service.name": services.map((s) => s.key) } },
            { terms: { "opsdeck.error_pattern": [...new Set(seen.map((p) => p.pattern))] } },
            ...scope,
          ],
        },
      },
      aggs: {
        services: {
          terms: { field: "service.name", size: 50 },
          aggs: { patterns: { terms: { field: "opsdeck.error_pattern", size: MAX_PATTERNS } } },
        },
      },
    },
    { requestTimeout: timeoutMs },
  );
  const known = new Set(
    ((before.aggregations?.services as { buckets: ServiceBucket[] } | undefined)?.buckets ?? []).flatMap((s) =>
      s.patterns.buckets.map((p) => JSON.stringify([s.key, p.key])),
    ),
  );
  return seen
    .filter((p) => !known.has(JSON.stringify([p.service, p.pattern])))
    .sort((a, b) => b.count - a.count || a.first_seen - b.first_seen);
}
