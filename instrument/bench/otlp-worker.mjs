// One of the OTLP benchmark's eight "cluster workers": the same request histogram (route, method,
// status; the semantic conventions' buckets) fed with synthetic requests, either pushed over OTLP
// as OpsDeck's preload pushes it (`otlp <worker> <endpoint> <interval ms>`) or served on
// /metrics with prom-client for Prometheus to scrape (`scrape <worker> <port>`).
import http from "node:http";

const [mode, worker, target, intervalMs] = process.argv.slice(2);
const ROUTES = Array.from({ length: 40 }, (_, i) => `/api/resource${i}/:id`);
const STATUSES = [200, 404, 500];
const BOUNDARIES = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

let record;
if (mode === "otlp") {
  const { MeterProvider, PeriodicExportingMetricReader } = await import("@opentelemetry/sdk-metrics");
  const { OTLPMetricExporter } = await import("@opentelemetry/exporter-metrics-otlp-proto");
  const { resourceFromAttributes } = await import("@opentelemetry/resources");
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ "service.name": "bench-otlp", "service.instance.id": `bench/${worker}` }),
    readers: [
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({ url: target }),
        exportIntervalMillis: Number(intervalMs),
      }),
    ],
  });
  const histogram = provider.getMeter("bench").createHistogram("http.server.request.duration", {
    unit: "s",
    advice: { explicitBucketBoundaries: BOUNDARIES },
  });
  record = (route, status, seconds) =>
    histogram.record(seconds, {
      "http.route": route,
      "http.request.method": "GET",
      "http.response.status_code": status,
    });
} else {
  const { Histogram, Registry } = await import("prom-client");
  const registry = new Registry();
  registry.setDefaultLabels({ worker });
  const histogram = new Histogram({
    name: "http_server_request_duration_seconds",
    help: "Requests.",
    labelNames: ["http_route", "http_request_method", "http_response_status_code"],
    buckets: BOUNDARIES,
    registers: [registry],
  });
  record = (route, status, seconds) =>
    histogram.observe({ http_route: route, http_request_method: "GET", http_response_status_code: status }, seconds);
  http
    .createServer(async (_req, res) => {
      res.setHeader("content-type", registry.contentType); // Prometheus 3 refuses a scrape without one
      res.end(await registry.metrics());
    })
    .listen(Number(target), "127.0.0.1");
}

// Every label set at once (all series exist from the start), then 500 requests a second.
for (const route of ROUTES) for (const status of STATUSES) record(route, status, 0.01);
let n = 0;
setInterval(() => {
  for (let i = 0; i < 50; i++, n++)
    record(ROUTES[n % ROUTES.length], STATUSES[n % 7 === 0 ? 2 : n % 5 === 0 ? 1 : 0], (n % 100) / 200);
}, 100);
