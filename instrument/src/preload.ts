// OpsDeck's preload for a team's Node.js app: request metrics with no code change. PM2 loads it
// before the app (`node_args: "--require /path/to/opsdeck/dist/instrument.cjs"`); it sets up
// OpenTelemetry's SDK with the HTTP and Express instrumentations and exports the standard
// `http.server.request.duration` histogram (by route template, method and status code — never
// a raw URL) over OTLP straight into Prometheus' own OTLP receiver, every 15 s.
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
//   OPSDECK_INSTRUMENT=off               load nothing (a quick way out without editing the app)
import { hostname } from "node:os";
import { context, metrics, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-proto";
import { registerInstrumentations } from "@opentelemetry/instrumentation";
import { ExpressInstrumentation } from "@opentelemetry/instrumentation-express";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { TracerProvider } from "@opentelemetry/sdk-trace";
import { instrumentSettings } from "./settings.ts";

const settings = instrumentSettings(process.env, hostname());

if (settings) {
  const resource = resourceFromAttributes(settings.resource);
  // Context across async calls: Express's instrumentation hands the route template to the HTTP
  // server span, whose metric takes it as http.route. Spans are made, never exported.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(new TracerProvider({ resource }));
  const meterProvider = new MeterProvider({
    resource,
    readers: [
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({ url: settings.endpoint }),
        exportIntervalMillis: settings.intervalMs,
        exportTimeoutMillis: Math.min(10_000, settings.intervalMs),
      }),
    ],
  });
  metrics.setGlobalMeterProvider(meterProvider);
  registerInstrumentations({
    instrumentations: [
      // The app's own answers only: its calls out (and this exporter's) are not its latency.
      new HttpInstrumentation({ disableOutgoingRequestInstrumentation: true }),
      new ExpressInstrumentation(),
    ],
  });
  // A natural end exports what is left; a signal's (PM2 stop / reload) loses at most one interval.
  process.once("beforeExit", () => void meterProvider.shutdown().catch(() => undefined));
}
