// OpsDeck's preload for a team's Node.js app: request metrics with no code change. PM2 loads it
// before the app (`node_args: "--require /path/to/opsdeck/dist/instrument.cjs"`); it sets up
// OpenTelemetry's SDK with the HTTP and Express instrumentations and exports the standard
// `http.server.request.duration` histogram (by route template, method and status code — never
// a raw URL) over OTLP straight into Prometheus' own OTLP receiver, every 15 s — and, where the
// app uses node-postgres (`pg`), its pools' connections in use, their limit and the requests
// waiting for one, and each query's duration by operation (never the query's text or values).
//
// Each PM2 cluster worker is its own instance (service.instance.id names the host, the app and
// the worker's NODE_APP_INSTANCE), so every worker's counters reach Prometheus apart and rate()
// adds them up right — the trap of scraping "whichever worker answers" under cluster mode.
//
// Configured by the environment, as OpenTelemetry defines it (the PM2 ecosystem file sets it):
//   OTEL_EXPORTER_OTLP_METRICS_ENDPOINT  Prometheus' receiver (default
//                                        http://127.0.0.1:9090/api/v1/otlp/v1/metrics)
//   OTEL_SERVICE_NAME                    the app (default: PM2's app name)
//   OTEL_METRIC_EXPORT_INTERVAL          milliseconds between exports (default 15000)
//   OPSDECK_HOST_NAME                    the host's name in OpsDeck (default: the host name)
//   OPSDECK_HOST_TOKEN                   the host's token, for OpsDeck's front door
//                                        (https://ops.example.com/ingest/otlp/v1/metrics)
//   OTEL_EXPORTER_OTLP_METRICS_HEADERS   more headers, OpenTelemetry's `key=value,…`
//   OPSDECK_LOG_TRACE=off                leave the app's log lines as they are (no trace.id)
//   OPSDECK_INSTRUMENT=off               load nothing (a quick way out without editing the app)
import { hostname } from "node:os";
import { context, metrics, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { registerInstrumentations } from "@opentelemetry/instrumentation";
import { ExpressInstrumentation } from "@opentelemetry/instrumentation-express";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { PgInstrumentation } from "@opentelemetry/instrumentation-pg";
import { PinoInstrumentation } from "@opentelemetry/instrumentation-pino";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { TracerProvider } from "@opentelemetry/sdk-trace";
import { ExceptionCounter } from "./exceptions.ts";
import { ReportingExporter } from "./exporter.ts";
import { tagConsole } from "./log-trace.ts";
import { instrumentSettings } from "./settings.ts";

const settings = instrumentSettings(process.env, hostname());

if (settings) {
  const resource = resourceFromAttributes(settings.resource);
  const meterProvider = new MeterProvider({
    resource,
    readers: [
      new PeriodicExportingMetricReader({
        exporter: new ReportingExporter(settings.endpoint, settings.headers),
        exportIntervalMillis: settings.intervalMs,
        exportTimeoutMillis: Math.min(10_000, settings.intervalMs),
      }),
    ],
  });
  metrics.setGlobalMeterProvider(meterProvider);
  const exceptions = meterProvider.getMeter("opsdeck-instrument").createCounter("opsdeck.app.exceptions", {
    unit: "{exception}",
    description: "Exceptions the app's requests raised, by exception.type and http.route (once per request and type).",
  });
  // Context across async calls: Express's instrumentation hands the route template to the HTTP
  // server span, whose metric takes it as http.route. Spans are made, never exported: they carry
  // the route, the exceptions counted here and the trace id written into log lines.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(new TracerProvider({ resource, spanProcessors: [new ExceptionCounter(exceptions)] }));
  registerInstrumentations({
    instrumentations: [
      // The app's own answers only: its calls out (and this exporter's) are not its latency.
      new HttpInstrumentation({ disableOutgoingRequestInstrumentation: true }),
      new ExpressInstrumentation(),
      // pg.Pool's db.client.connection.{count,max,pending_requests}: the pool waits behind a slow
      // request. Statements stay out of spans' attributes' values (no enhancedDatabaseReporting).
      new PgInstrumentation(),
      // pino's JSON lines get ECS's field names; OpenTelemetry's log export stays off.
      new PinoInstrumentation({
        disableLogSending: true,
        disableLogCorrelation: !settings.logTrace,
        logKeys: { traceId: "trace.id", spanId: "span.id", traceFlags: "trace.flags" },
      }),
    ],
  });
  if (settings.logTrace) tagConsole();
  // A natural end exports what is left; a signal's (PM2 stop / reload) loses at most one interval.
  process.once("beforeExit", () => void meterProvider.shutdown().catch(() => undefined));
}
