// What the page-load section asks Prometheus, over the last hour: real users' web-vitals
// (opsdeck_rum_*, the business exporter's), per site, route template and device class.
import { leLabel, VITALS, type VitalName } from "@opsdeck/contracts/page-load";
import { increaseCountingNew } from "@/lib/promql.ts";

const BY = "app, route, device";

/** A histogram series' count over the last hour (series appear with their first page load; the business exporter keeps them across restarts). */
const lastHour = (series: string) => increaseCountingNew(series, "1h");

/** The vitals the portal shows (the Core Web Vitals, and TTFB beside the server's own time). */
export const SHOWN: VitalName[] = ["LCP", "INP", "CLS", "TTFB"];

export function vitalQueries(name: VitalName) {
  const { metric, good, poor } = VITALS[name];
  const bucket = (le?: number) => `${metric}_bucket${le === undefined ? "" : `{le="${leLabel(le)}"}`}`;
  return {
    p75: `histogram_quantile(0.75, sum by (${BY}, le) (${lastHour(bucket())}))`,
    count: `sum by (${BY}) (${lastHour(`${metric}_count`)})`,
    good: `sum by (${BY}) (${lastHour(bucket(good))})`,
    /** At or below the poor line: the rest is poor. */
    notPoor: `sum by (${BY}) (${lastHour(bucket(poor))})`,
  };
}

/** The server's own p75 per app and route over the last hour (OpsDeck's preload), beside the browser's TTFB. */
export const SERVER_P75 =
  "histogram_quantile(0.75, sum by (job, http_route, le) (rate(http_server_request_duration_seconds_bucket[1h])))";
