// Business metrics as configured in opsdeck.yml, their validation, and their state (folded from
// the journal, so counters survive restarts and duplicates are dropped by event_id).
import { z } from "zod";
import { RecentIds, type LabelDef, type MetricDef, type RecentIdsDump } from "@opsdeck/core";
import { dump, family, inc, observe, render, restore, set, type Family, type FamilyDump } from "../lib/series.ts";
import { toMillis } from "../lib/time.ts";

export const OVERFLOW = "other";
export const DEFAULT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const eventSchema = z
  .object({
    metric: z.string().min(1),
    // Beyond 2^53 a double no longer counts by one: such a value is a mistake, not a KPI.
    value: z.number().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER).optional(),
    labels: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).default({}),
    event_id: z.string().min(1).max(200).optional(),
    timestamp: z.union([z.string(), z.number()]).optional(),
  })
  .strict();

export const batchSchema = z.object({ events: z.array(z.unknown()).min(1) }).strict();

/** One accepted event as the journal keeps it: metric, value, label values in definition order. */
export interface EventRecord {
  m: string;
  v: number;
  l: string[];
  id?: string;
}

export interface EventProblem {
  path: string;
  message: string;
}

interface Metric {
  def: MetricDef;
  family: Family;
  /** Labels with max_values: the values seen so far. */
  seen: Map<string, Set<string>>;
}

export function createBusinessState(defs: MetricDef[], opts: { dedupIds: number; maxFutureSkewMs?: number }) {
  const metrics = new Map<string, Metric>();
  for (const def of defs) {
    metrics.set(def.name, {
      def,
      family: family({
        name: def.name,
        help: def.help,
        type: def.type,
        labelNames: def.labels.map((l) => l.name),
        buckets: def.type === "histogram" ? (def.buckets ?? DEFAULT_BUCKETS) : undefined,
      }),
      seen: new Map(def.labels.filter((l) => l.max_values).map((l) => [l.name, new Set<string>()])),
    });
  }
  let ids = new RecentIds(opts.dedupIds);
  let version = 0;
  let cache: { version: number; text: string } | undefined;
  let overflowed = 0;

  function checkLabel(l: LabelDef, value: string | undefined, where: string, problems: EventProblem[]) {
    if (value === undefined) {
      problems.push({
        path: `${where}.${l.name}`,
        message: l.values ? `required, one of: ${l.values.join(", ")}` : "required",
      });
    } else if (l.values && !l.values.includes(value)) {
      problems.push({
        path: `${where}.${l.name}`,
        message: `"${value}" is not allowed; one of: ${l.values.join(", ")}`,
      });
    } else if (value.length > 128) {
      problems.push({ path: `${where}.${l.name}`, message: "longer than 128 characters" });
    }
  }

  /** Checks a whole batch; nothing is applied unless every event is valid. */
  function validate(raw: unknown[]): { records: EventRecord[]; problems: EventProblem[] } {
    const problems: EventProblem[] = [];
    const records: EventRecord[] = [];
    raw.forEach((item, i) => {
      const at = `events.${i}`;
      const p = eventSchema.safeParse(item);
      if (!p.success) {
        for (const iss of p.error.issues) problems.push({ path: [at, ...iss.path].join("."), message: iss.message });
        return;
      }
      const e = p.data;
      if (e.timestamp !== undefined) {
        const eventMs = toMillis(e.timestamp);
        if (eventMs === undefined)
          problems.push({
            path: `${at}.timestamp`,
            message: "not a time: give ISO 8601 or Unix seconds / milliseconds",
          });
        else if (eventMs > Date.now() + (opts.maxFutureSkewMs ?? 300_000))
          problems.push({ path: `${at}.timestamp`, message: "in the future beyond the allowed clock skew" });
      }
      const m = metrics.get(e.metric);
      if (!m) {
        problems.push({ path: `${at}.metric`, message: `unknown metric "${e.metric}"` });
        return;
      }
      if (m.def.type !== "counter" && e.value === undefined)
        problems.push({ path: `${at}.value`, message: `required for a ${m.def.type}` });
      if (m.def.type === "counter" && e.value !== undefined && e.value < 0)
        problems.push({ path: `${at}.value`, message: "a counter only goes up: must be ≥ 0" });
      for (const key of Object.keys(e.labels))
        if (!m.def.labels.some((l) => l.name === key))
          problems.push({ path: `${at}.labels.${key}`, message: `not a label of ${m.def.name}` });
      for (const l of m.def.labels) checkLabel(l, e.labels[l.name], `${at}.labels`, problems);
      records.push({ m: e.metric, v: e.value ?? 1, l: m.def.labels.map((l) => e.labels[l.name]), id: e.event_id });
    });
    return { records: problems.length ? [] : records, problems };
  }

  /** Folds one record in; false if its event_id was seen before. */
  function apply(r: EventRecord): boolean {
    if (r.id !== undefined && !ids.add(r.id)) return false;
    const m = metrics.get(r.m);
    if (!m) return true; // a metric removed from the config since: its old events are kept but not shown
    const labels = m.def.labels.map((l, i) => {
      const seen = m.seen.get(l.name);
      const v = r.l[i];
      if (!seen || seen.has(v)) return v;
      if (seen.size < l.max_values!) {
        seen.add(v);
        return v;
      }
      overflowed++;
      return OVERFLOW;
    });
    if (m.def.type === "counter") inc(m.family, labels, r.v);
    else if (m.def.type === "gauge") set(m.family, labels, r.v);
    else observe(m.family, labels, r.v);
    version++;
    return true;
  }

  return {
    validate,
    apply,
    isDuplicate: (r: EventRecord) => r.id !== undefined && ids.has(r.id),
    get overflowed() {
      return overflowed;
    },
    /** The exposition text, re-rendered only when something changed since the last scrape. */
    render(): string {
      if (cache?.version !== version) cache = { version, text: render([...metrics.values()].map((m) => m.family)) };
      return cache.text;
    },
    dump: () => ({
      ids: ids.dump(),
      metrics: [...metrics.values()].map((m) => ({
        ...dump(m.family),
        seen: [...m.seen].map(([k, v]): [string, string[]] => [k, [...v]]),
      })),
    }),
    /** Restores a dump; snapshots written before ids were hashed hold them as strings. */
    load(s: { ids: RecentIdsDump | string[]; metrics: (FamilyDump & { seen: [string, string[]][] })[] }) {
      if (Array.isArray(s.ids)) for (const id of s.ids) ids.add(id);
      else ids = RecentIds.load(opts.dedupIds, s.ids);
      for (const d of s.metrics) {
        const m = metrics.get(d.name);
        if (!m) continue;
        restore(m.family, d);
        for (const [k, vals] of d.seen) {
          const seen = m.seen.get(k);
          if (seen) for (const v of vals) seen.add(v);
        }
      }
      version++;
    },
  };
}

export type BusinessState = ReturnType<typeof createBusinessState>;
