import { increaseCountingNew } from "@/lib/promql.ts";

// What the Services page asks Prometheus, over the last 5 minutes: the apps' requests as OpsDeck's
// preload sends them (http.server.request.duration over OTLP; `job` is the app).
const METRIC = "http_server_request_duration_seconds";
const rate = (suffix: string, matcher = "") => `rate(${METRIC}_${suffix}${matcher}[5m])`;
const quantile = (q: number, by: string) => `histogram_quantile(${q}, sum by (${by}, le) (${rate("bucket")}))`;

export const SERVICE_QUERIES = {
  requests: `sum by (job) (${rate("count")})`,
  // An app with no 5xx yet has no such series: 0, not "no data".
  errors: `(sum by (job) (${rate("count", '{http_response_status_code=~"5.."}')}) or 0 * sum by (job) (${rate("count")})) / sum by (job) (${rate("count")})`,
  p50: quantile(0.5, "job"),
  p95: quantile(0.95, "job"),
  p99: quantile(0.99, "job"),
  workers: `count by (job) (count by (job, instance) (${METRIC}_count))`,
} as const;

/** Per route: its p95 and requests/s, for each app's slowest routes. */
export const ROUTE_QUERIES = {
  p95: quantile(0.95, "job, http_route"),
  requests: `sum by (job, http_route) (${rate("count")})`,
} as const;

/** How many routes each app's row lists, slowest first. */
export const SLOWEST_ROUTES = 5;

/** Exceptions the requests raised in the last hour, by app and type (the preload counts them; a worker's series appears with its first). */
export const EXCEPTIONS_QUERY = `sum by (job, exception_type) (${increaseCountingNew("opsdeck_app_exceptions_total", "1h")})`;
