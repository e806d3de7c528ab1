// Real users' page-load timings: the browser script's beacon (web-vitals' LCP, INP, CLS, FCP,
// TTFB), checked, and turned into business-state records of OpsDeck's own histograms — so they
// share the business exporter's journal (a 2xx is on disk), its dedupe by id (a metric re-sent
// with the same id counts once) and its exposition. Labels are bounded: the configured sites and
// route templates, three device classes, web-vitals' navigation types. No URL, IP or user id is
// kept: the path is matched to its template and dropped.
import { z } from "zod";
import { HttpError, metricDefSchema, type MetricDef, type RumConfig } from "@opsdeck/core";
import type { EventRecord } from "../business/state.ts";
import { VITALS, type VitalName } from "@opsdeck/contracts/page-load";
import { OTHER_ROUTE, routeMatcher } from "./routes.ts";

export const DEVICES = ["mobile", "tablet", "desktop"] as const;
export const NAVIGATIONS = [
  "navigate",
  "reload",
  "back-forward",
  "back-forward-cache",
  "prerender",
  "restore",
] as const;

/**
 * Each metric's histogram buckets (its value scaled from the browser's milliseconds to seconds;
 * CLS has no unit): the published thresholds (contracts/page-load.ts) are boundaries, so the
 * good / needs-improvement / poor shares are exact; finer below them, where fast pages are (a
 * p75 is interpolated within its bucket).
 */
export const BUCKETS: Record<VitalName, { scale: number; max: number; buckets: number[] }> = {
  LCP: { scale: 1000, max: 600, buckets: [0.25, 0.5, 0.75, 1, 1.5, 2, 2.5, 3, 4, 6, 10, 20] },
  INP: { scale: 1000, max: 600, buckets: [0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 5] },
  // 0 is a boundary of its own: most pages never shift, and their p75 is then 0, not 0.0075.
  CLS: { scale: 1, max: 100, buckets: [0, 0.01, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2] },
  FCP: { scale: 1000, max: 600, buckets: [0.25, 0.5, 0.75, 1, 1.8, 2.5, 3, 4, 6, 10, 20] },
  TTFB: { scale: 1000, max: 600, buckets: [0.025, 0.05, 0.1, 0.2, 0.4, 0.8, 1.2, 1.8, 3, 6, 10] },
};

/** The most beacon a browser may send (bytes): a few metrics fit in far less. */
export const MAX_BEACON_BYTES = 8192;

const metricSchema = z
  .object({
    name: z.enum(Object.keys(VITALS) as [VitalName, ...VitalName[]]),
    /** web-vitals' id: unique per metric and page load ("v5-1765000000000-8327"). */
    id: z.string().regex(/^v\d+-[\w.-]{1,80}$/, "a web-vitals id (v5-…)"),
    /** Milliseconds (CLS: unitless). */
    value: z.number().min(0),
    navigation: z.enum(NAVIGATIONS),
  })
  .strict();

export const beaconSchema = z
  .object({
    app: z.string().min(1).max(64),
    path: z.string().startsWith("/").max(2048),
    device: z.enum(DEVICES),
    metrics: z.array(metricSchema).min(1).max(10),
  })
  .strict();
export type Beacon = z.infer<typeof beaconSchema>;

/** The histograms' definitions for the configured sites (labels: app, route, device, navigation). */
export function rumMetricDefs(config: RumConfig): MetricDef[] {
  if (!config.apps.length) return [];
  const routes = [...new Set([...config.apps.flatMap((a) => a.routes), OTHER_ROUTE])];
  return (Object.keys(VITALS) as VitalName[]).map((name) =>
    metricDefSchema.parse({
      name: VITALS[name].metric,
      help: `Real users' ${name} (web-vitals), by site, route template, device class and navigation type.`,
      type: "histogram",
      buckets: BUCKETS[name].buckets,
      labels: [
        { name: "app", values: config.apps.map((a) => a.name) },
        { name: "route", values: routes },
        { name: "device", values: [...DEVICES] },
        { name: "navigation", values: [...NAVIGATIONS] },
      ],
    }),
  );
}

/** Each site's route matcher, compiled once (the profile showed it compiled per beacon). */
const matchers = new WeakMap<string[], (path: string) => string>();
const matcherOf = (routes: string[]) => {
  const matcher = matchers.get(routes) ?? routeMatcher(routes);
  matchers.set(routes, matcher);
  return matcher;
};

/** A beacon's records (values in seconds; CLS as it is), or a 400 naming what is wrong. */
export function beaconRecords(config: RumConfig, beacon: Beacon): EventRecord[] {
  const app = config.apps.find((a) => a.name === beacon.app);
  if (!app) throw new HttpError(400, `app: "${beacon.app.slice(0, 64)}" is not a site listed under rum.apps`);
  const route = matcherOf(app.routes)(beacon.path);
  return beacon.metrics.map((m, i) => {
    const { scale, max } = BUCKETS[m.name];
    const value = m.value / scale;
    if (value > max) throw new HttpError(400, `metrics.${i}.value: beyond ${max} for ${m.name}`);
    return {
      m: VITALS[m.name].metric,
      v: value,
      l: [app.name, route, beacon.device, m.navigation],
      id: `rum:${m.id}:${m.name}`,
    };
  });
}
