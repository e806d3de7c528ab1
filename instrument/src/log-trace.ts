// The trace id in the app's log lines, so the Logs page can show every line of one request
// (Filebeat takes `trace.id` out of the line into the ECS field). A line written while a request
// is being served gets ` trace.id=<32 hex>` at its end when the app logs with console; pino's
// JSON lines get a "trace.id" field from OpenTelemetry's pino instrumentation (preload.ts).
import { format } from "node:util";
import { trace } from "@opentelemetry/api";

const METHODS = ["log", "info", "warn", "error", "debug"] as const;

/** The current request's trace id, if a sampled span is active. */
export function activeTraceId(): string | undefined {
  const span = trace.getActiveSpan()?.spanContext();
  return span && trace.isSpanContextValid(span) ? span.traceId : undefined;
}

/** console.log / info / warn / error / debug end their line with the request's trace id. */
export function tagConsole(target: Pick<Console, (typeof METHODS)[number]> = console): void {
  for (const method of METHODS) {
    const original = target[method].bind(target);
    target[method] = (...args: unknown[]) => {
      const traceId = activeTraceId();
      // Formatted here: an added argument would be taken by a %s the app left unfilled.
      if (traceId) original(`${format(...args)} trace.id=${traceId}`);
      else original(...args);
    };
  }
}
