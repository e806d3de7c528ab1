// What the preload reads from the app's environment (OpenTelemetry's variables, and PM2's),
// checked: a bad value says so on stderr once and the app runs uninstrumented, never crashes.
import { z } from "zod";

export const DEFAULT_ENDPOINT = "http://127.0.0.1:9090/api/v1/otlp/v1/metrics";

const envSchema = z.object({
  OPSDECK_INSTRUMENT: z.enum(["on", "off"]).default("on"),
  OPSDECK_LOG_TRACE: z.enum(["on", "off"]).default("on"),
  OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: z.url({ protocol: /^https?$/ }).default(DEFAULT_ENDPOINT),
  OTEL_SERVICE_NAME: z.string().min(1).max(128).optional(),
  OTEL_METRIC_EXPORT_INTERVAL: z.coerce.number().int().min(1000).max(300_000).default(15_000),
  OPSDECK_HOST_NAME: z.string().min(1).max(63).optional(),
  /** The host's token (the Hosts page), for an endpoint behind OpsDeck's front door. */
  OPSDECK_HOST_TOKEN: z
    .string()
    .min(16)
    .max(256)
    .regex(/^[\x21-\x7e]+$/, "printable ASCII, no spaces")
    .optional(),
  /** OpenTelemetry's own: `key=value,key2=value2`, values URL-encoded. */
  OTEL_EXPORTER_OTLP_METRICS_HEADERS: z.string().max(4096).optional(),
  OTEL_EXPORTER_OTLP_HEADERS: z.string().max(4096).optional(),
  /** Set by PM2: the app's name, and the cluster worker's index. */
  name: z.string().min(1).max(128).optional(),
  NODE_APP_INSTANCE: z.string().regex(/^\d+$/).optional(),
});

export interface InstrumentSettings {
  endpoint: string;
  /** Sent with each export (the host's token as basic auth, and OTEL_EXPORTER_OTLP_*HEADERS). */
  headers: Record<string, string>;
  intervalMs: number;
  /** Write the request's trace id into the app's log lines (console's, and pino's as a field). */
  logTrace: boolean;
  resource: Record<string, string>;
}

/**
 * The app's environment as it will be: in PM2's cluster mode the worker starts with the app's
 * variables in one JSON variable (pm2_env), which PM2's wrapper spreads into process.env only
 * after the preload has run.
 */
export function appEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (!env.pm2_env) return env;
  let pm2: Record<string, unknown>;
  try {
    pm2 = JSON.parse(env.pm2_env) as Record<string, unknown>;
  } catch {
    return env;
  }
  const scalars = Object.entries(pm2).filter(([, v]) => ["string", "number", "boolean"].includes(typeof v));
  return { ...env, ...Object.fromEntries(scalars.map(([k, v]) => [k, String(v)])) };
}

/** The preload's settings, or undefined to load nothing (turned off, or the environment is wrong). */
export function instrumentSettings(processEnv: NodeJS.ProcessEnv, host: string): InstrumentSettings | undefined {
  const env = appEnv(processEnv);
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    console.error(`opsdeck instrument: not loaded: ${issue.path.join(".")}: ${issue.message}`);
    return undefined;
  }
  const e = parsed.data;
  if (e.OPSDECK_INSTRUMENT === "off") return undefined;
  const service = e.OTEL_SERVICE_NAME ?? e.name ?? "node-app";
  const hostName = e.OPSDECK_HOST_NAME ?? host;
  let headers: Record<string, string>;
  try {
    headers = { ...otlpHeaders(e.OTEL_EXPORTER_OTLP_HEADERS), ...otlpHeaders(e.OTEL_EXPORTER_OTLP_METRICS_HEADERS) };
  } catch (err) {
    console.error(`opsdeck instrument: not loaded: ${(err as Error).message}`);
    return undefined;
  }
  if (e.OPSDECK_HOST_TOKEN) {
    // The token is the host's as OpsDeck lists it: a guessed host name would only be refused.
    if (!e.OPSDECK_HOST_NAME) {
      console.error(
        "opsdeck instrument: not loaded: OPSDECK_HOST_TOKEN needs OPSDECK_HOST_NAME (the host's name in OpsDeck)",
      );
      return undefined;
    }
    headers.Authorization = `Basic ${Buffer.from(`${hostName}:${e.OPSDECK_HOST_TOKEN}`).toString("base64")}`;
  }
  return {
    endpoint: e.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT,
    headers,
    intervalMs: e.OTEL_METRIC_EXPORT_INTERVAL,
    logTrace: e.OPSDECK_LOG_TRACE === "on",
    resource: {
      "service.name": service,
      // Prometheus' `instance`: one per worker, the same across its restarts (a counter reset,
      // which rate() handles, not a new series each time).
      "service.instance.id": `${hostName}/${service}/${e.NODE_APP_INSTANCE ?? "0"}`,
      "host.name": hostName,
    },
  };
}

/** OpenTelemetry's header list, `key=value,key2=value2` with URL-encoded values. */
function otlpHeaders(list: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of (list ?? "").split(",")) {
    if (!pair.trim()) continue;
    const equals = pair.indexOf("=");
    const key = equals < 1 ? "" : pair.slice(0, equals).trim();
    if (!/^[A-Za-z0-9-]+$/.test(key))
      throw new Error(`OTEL_EXPORTER_OTLP_HEADERS: "${pair.trim().slice(0, 40)}" is not key=value`);
    headers[key] = decodeURIComponent(pair.slice(equals + 1).trim());
  }
  return headers;
}
